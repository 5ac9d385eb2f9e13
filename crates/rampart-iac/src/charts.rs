//! The Helm charts of a scan: rendered parents first (subcharts with their parent's values),
//! then checked as Kubernetes manifests with findings at template lines.

use crate::catalogue::Catalogue;
use crate::detect::Format;
use crate::evaluate::check_hits;
use crate::{gotpl, helm, model, yaml};
use rampart_core::{Diagnostic, Emitter, Finding, SourceFile};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Renders each chart's templates with its values and scans them as Kubernetes manifests;
/// findings point at the template lines the values came from.
pub(crate) fn helm_charts(
    cat: &Catalogue,
    mut charts: BTreeMap<String, helm::ChartFiles>,
    root: &std::path::Path,
    out: &mut Emitter,
) {
    let mut diags = Vec::new();
    crate::chartfiles::load(root, &mut charts, &mut diags);
    for d in diags {
        out.diagnostic(d);
    }
    // Parents first: a subchart (`P/charts/NAME`) renders with its parent's values for it, or
    // not at all when the parent's dependency condition disables it.
    let mut order: Vec<&String> = charts.keys().collect();
    order.sort_by_key(|d| (d.matches('/').count(), d.to_string()));
    let mut effective: HashMap<String, Option<gotpl::V>> = HashMap::new();
    for dir in order {
        let chart = &charts[dir];
        let mut diags = Vec::new();
        let own = helm::own_values(chart, &mut diags);
        // A chart at the scan root has its subcharts at `charts/NAME`.
        let parent = dir
            .rsplit_once("/charts/")
            .or_else(|| dir.strip_prefix("charts/").map(|n| ("", n)))
            .filter(|(_, name)| !name.contains('/'))
            .and_then(|(p, name)| effective.get(p).map(|v| (p, name, v.clone())));
        let values = match parent {
            None => Some(own),
            Some((_, _, None)) => None,
            Some((p, name, Some(pv))) => {
                // A packaged subchart (`charts/redis-1.0.0.tgz!redis`) is named by its folder.
                let name = name.rsplit_once('!').map(|(_, n)| n).unwrap_or(name);
                let (key, enabled) = helm::dependency(charts[p].chart_yaml.as_deref(), &pv, name);
                enabled.then(|| helm::subchart_values(own, &pv, &key))
            }
        };
        effective.insert(dir.clone(), values.clone());
        for d in diags {
            out.diagnostic(d);
        }
        let Some(values) = values else { continue };
        if chart.templates.is_empty() {
            continue;
        }
        let (rendered, diags) = helm::render_chart_with(dir, chart, values);
        for d in diags {
            out.diagnostic(d);
        }
        for r in rendered {
            let (docs, err) = yaml::parse(&r.output.text);
            if let Some(e) = err {
                let off = model::LineIndex::new(&r.output.text)
                    .line_start(e.line)
                    .unwrap_or(0);
                let line = model::LineIndex::new(&r.source).line(r.output.source(off));
                out.diagnostic(
                    Diagnostic::note(
                        &r.path,
                        format!(
                            "Helm template only partly scanned (rendered YAML: {})",
                            e.message
                        ),
                    )
                    .at_line(line),
                );
            }
            let file = SourceFile::new(
                &r.path,
                r.source.clone().into_bytes(),
                rampart_core::source::Origin::WorkTree,
            );
            let mut seen = HashSet::new();
            for doc in docs.iter().filter(|d| d.as_map().is_some()) {
                for (check, h) in check_hits(cat, Format::Kubernetes, doc, &r.output.text) {
                    let span = r.source_span(&h.span);
                    let mut f = Finding::new(&check.meta, &file, span, h.message);
                    f.fingerprint_key = format!("helm|{}", h.key);
                    if seen.insert((f.rule_id.clone(), f.location.clone())) {
                        out.finding(f);
                    }
                }
            }
        }
    }
}
