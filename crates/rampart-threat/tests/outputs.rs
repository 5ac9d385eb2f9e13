//! The diagram (SVG that an XML parser reads, Mermaid), the threat diff, and risk ranking.

use quick_xml::events::Event;
use rampart_core::{Finding, Location, Severity};
use rampart_threat::diagram::{self, layout};
use rampart_threat::{diff, parse_model, risk, threats};

fn example() -> rampart_threat::Model {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/threagile/example.yaml"
    ))
    .unwrap();
    parse_model("threagile.yaml", &text).unwrap()
}

#[test]
fn svg_parses_as_xml_with_every_asset_boundary_and_link() {
    let m = example();
    let svg = diagram::svg(&m);
    let mut reader = quick_xml::Reader::from_str(&svg);
    let (mut assets, mut boundaries, mut links, mut depth, mut root) = (0, 0, 0, 0i32, None);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                depth += 1;
                let name = AsRef::<str>::as_ref(&e.name()).to_string();
                if root.is_none() {
                    root = Some(name.clone());
                }
                if name == "g" {
                    let class = e
                        .try_get_attribute("class")
                        .unwrap()
                        .map(|a| a.value.into_owned())
                        .unwrap_or_default();
                    match class.as_str() {
                        "asset" => assets += 1,
                        "boundary" => boundaries += 1,
                        "link" => links += 1,
                        _ => {}
                    }
                }
            }
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not XML at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(root.as_deref(), Some("svg"));
    assert_eq!((assets, boundaries, links), (14, 5, 20));
}

#[test]
fn layout_nests_boundaries_and_keeps_nodes_apart() {
    let m = example();
    let l = layout(&m);
    let inside = |a: &diagram::Rect, b: &diagram::Rect| {
        a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h
    };
    for (bi, b) in m.boundaries.iter().enumerate() {
        for a in &b.assets {
            let ai = m.assets.iter().position(|x| x.id == *a).unwrap();
            assert!(inside(&l.nodes[ai], &l.boundaries[bi]), "{a} in {}", b.id);
        }
        for n in &b.nested {
            let ni = m.boundaries.iter().position(|x| x.id == *n).unwrap();
            assert!(
                inside(&l.boundaries[ni], &l.boundaries[bi]),
                "{n} in {}",
                b.id
            );
        }
    }
    for (i, a) in l.nodes.iter().enumerate() {
        for b in &l.nodes[i + 1..] {
            let apart =
                a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
            assert!(apart, "{a:?} overlaps {b:?}");
        }
        assert!(a.x + a.w <= l.width && a.y + a.h <= l.height);
    }
    // Data flows left to right: the load balancer is left of the web server it feeds.
    let x = |id: &str| l.nodes[m.assets.iter().position(|a| a.id == id).unwrap()].x;
    assert!(x("customer-client") < x("load-balancer"));
}

#[test]
fn svg_escapes_model_text() {
    let m = parse_model(
        "t.yaml",
        "title: \"<script>&\"\nassets:\n  - {id: a, title: \"A <b> & 'c'\"}\n",
    )
    .unwrap();
    let svg = diagram::svg(&m);
    assert!(!svg.contains("<script>") && !svg.contains("<b>"));
    assert!(svg.contains("A &lt;b&gt; &amp; &apos;c&apos;"));
}

#[test]
fn mermaid_has_nested_subgraphs_and_labelled_edges() {
    let m = example();
    let mm = diagram::mermaid(&m);
    assert!(mm.starts_with("flowchart LR\n"));
    assert_eq!(mm.matches("subgraph ").count(), 5);
    assert_eq!(
        mm.matches(" end\n").count() + mm.matches("\nend\n").count(),
        5
    );
    assert!(mm.contains("[(\"Customer Contract Database\")]"), "{mm}");
    assert!(
        mm.contains("-.->|\"jdbc\"|"),
        "unencrypted links are dotted: {mm}"
    );
    assert!(mm.contains("-->|\"https\"|"));
    // The application network's subgraph encloses the web DMZ's.
    let app = mm.find("Application Network").unwrap();
    let dmz = mm.find("Web DMZ").unwrap();
    assert!(app < dmz);
}

#[test]
fn diff_lists_added_removed_and_changed_threats() {
    let old = parse_model(
        "t.yaml",
        "data: [{id: d, confidentiality: confidential}]\nassets:\n  - {id: api, technology: web-service-rest, formats: [xml], processes: [d]}\n",
    )
    .unwrap();
    let new = parse_model(
        "t.yaml",
        "data: [{id: d, confidentiality: strictly-confidential}]\nassets:\n  - {id: api, technology: web-service-rest, formats: [json, file], custom_developed_parts: true, processes: [d]}\n",
    )
    .unwrap();
    let d = diff::diff(&threats(&old), &threats(&new));
    let ids = |v: &[rampart_threat::Threat]| v.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    assert!(ids(&d.added).contains(&"missing-file-validation@api".to_string()));
    assert!(ids(&d.removed).contains(&"xml-external-entity@api".to_string()));
    assert!(
        d.changed
            .iter()
            .any(|c| c.new.id == "missing-vault@model" && c.new.impact > c.old.impact),
        "{:#?}",
        d.changed
    );
    let md = diff::markdown(&d, "threatmodel.yaml", "origin/main");
    assert!(md.starts_with("### Threat model: threatmodel.yaml since `origin/main`"));
    assert!(
        md.contains("#### Added") && md.contains("#### Removed") && md.contains("#### Changed")
    );
    assert!(
        md.contains("| `missing-file-validation@api` |")
            || md.contains("`missing-file-validation@api`")
    );
    let same = diff::diff(&threats(&old), &threats(&old));
    assert!(diff::markdown(&same, "t.yaml", "HEAD~1").contains("No threats added"));
}

fn finding(path: &str, line: usize, sev: Severity) -> Finding {
    let mut f = Finding::at(
        &rampart_core::testing::rule("sast/x", "X"),
        Location::line(path, line),
        "found",
    );
    f.severity = sev;
    f
}

#[test]
fn findings_in_assets_get_asset_and_risk_and_rank_by_it() {
    let m = parse_model(
        "threatmodel.yaml",
        "data:\n  - {id: cards, confidentiality: strictly-confidential}\n  - {id: logs, confidentiality: internal}\nassets:\n  - {id: web, technology: web-application, internet: true, processes: [cards], maps: {paths: ['services/web/**']}}\n  - {id: batch, technology: batch-processing, processes: [logs], maps: {paths: ['jobs/**'], kubernetes: [Deployment/report]}}\n",
    )
    .unwrap();
    let k8s = "apiVersion: v1\nkind: Service\nmetadata: {name: other}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: report}\nspec:\n  template: {}\n";
    let mut fs = vec![
        finding("jobs/run.py", 3, Severity::High),
        finding("services/web/app.py", 9, Severity::High),
        finding("deploy/k8s.yaml", 9, Severity::High),
        finding("README.md", 1, Severity::High),
    ];
    risk::annotate(&m, &mut fs, |p| {
        (p == "deploy/k8s.yaml").then(|| k8s.to_string())
    });
    assert_eq!(
        fs[0].location.path, "services/web/app.py",
        "internet-facing, card data first"
    );
    assert_eq!(fs[0].properties["asset"], "web");
    assert_eq!(fs[0].properties["risk"], "high");
    assert!(
        fs[0].message.ends_with("[asset `web`, risk high]"),
        "{}",
        fs[0].message
    );
    let batch: Vec<&Finding> = fs
        .iter()
        .filter(|f| f.properties.get("asset").is_some_and(|a| a == "batch"))
        .collect();
    assert_eq!(batch.len(), 2, "the glob and the Deployment the line is in");
    assert_eq!(batch[0].properties["risk"], "elevated");
    let appetite = risk::Appetite {
        fail_on: Some(3),
        internal_fail_on: Some(4),
    };
    assert!(appetite.fails(&fs[0]));
    assert!(
        !appetite.fails(batch[0]),
        "internal assets allow up to high"
    );
    let none = fs.iter().find(|f| f.location.path == "README.md").unwrap();
    assert!(!none.properties.contains_key("asset"));
    assert_eq!(none.properties["risk"], "elevated");
}
