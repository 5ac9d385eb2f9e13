//! Reading models: Threagile's own example models unchanged, rampart's format, and the
//! messages for malformed models.

use rampart_threat::model::Format;
use rampart_threat::{parse_model, threats};

fn read(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn threagile_example_model_is_read_unchanged() {
    let m = parse_model("threagile.yaml", &read("threagile/example.yaml")).unwrap();
    assert_eq!(m.format, Format::Threagile);
    assert_eq!(m.title, "Some Example Application");
    assert_eq!(m.data.len(), 12);
    assert_eq!(m.assets.len(), 14);
    assert_eq!(m.links.len(), 20);
    assert_eq!(m.boundaries.len(), 5);
    assert_eq!(m.runtimes.len(), 1);
    assert_eq!(m.tracking.len(), 6);
    // `<<: *customer-contracts` merges the anchored asset's keys under its own.
    let summaries = m.data_asset("contract-summaries").unwrap();
    assert_eq!(summaries.confidentiality, 2, "restricted, its own value");
    let accounts = m.data_asset("customer-accounts").unwrap();
    assert_eq!((accounts.confidentiality, accounts.integrity), (4, 3));
    // Threagile's link ids: source id, `>`, the title in lower case.
    assert!(
        m.links
            .iter()
            .any(|l| l.id == "erp-system>nfs-filesystem-access"
                && l.target == "contract-fileserver"
                && l.authentication == "none")
    );
    let nb = m.network_boundary_of("identity-provider").unwrap();
    assert_eq!(
        nb.id, "application-network",
        "auth-env is an execution environment"
    );
}

#[test]
fn threagile_example_model_threats() {
    let m = parse_model("threagile.yaml", &read("threagile/example.yaml")).unwrap();
    let t = threats(&m);
    let ids: Vec<&str> = t.iter().map(|t| t.id.as_str()).collect();
    for want in [
        "untrusted-deserialization@erp-system",
        "missing-authentication@erp-system>nfs-filesystem-access@erp-system@contract-fileserver",
        "sql-nosql-injection@erp-system@sql-database@erp-system>database-traffic",
        "ldap-injection@marketing-cms@ldap-auth-server@marketing-cms>auth-traffic",
        "xml-external-entity@erp-system",
        "missing-vault@model",
        "cross-site-scripting@apache-webserver",
        "push-instead-of-pull-deployment@jenkins-buildserver",
        "unencrypted-communication@erp-system>database-traffic@erp-system@sql-database",
        "mixed-targets-on-shared-runtime@webapp-virtualization",
        "missing-cloud-hardening@application-network",
    ] {
        assert!(ids.contains(&want), "{want} missing from {ids:#?}");
    }
    // Out-of-scope assets have no threats of their own.
    assert!(
        !ids.iter().any(|i| i.contains("@customer-client")),
        "{ids:#?}"
    );
    // Ordered by risk, highest first; ids are unique.
    assert!(t.windows(2).all(|w| w[0].risk >= w[1].risk));
    let mut uniq = ids.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), ids.len());
    // The strictly confidential database's unencrypted JDBC link rates high impact.
    let jdbc = t
        .iter()
        .find(|t| {
            t.id == "unencrypted-communication@erp-system>database-traffic@erp-system@sql-database"
        })
        .unwrap();
    assert_eq!(rampart_threat::rules::IMPACT[jdbc.impact], "high");
    // The model's risk tracking: `unencrypted-asset@*` matches per asset.
    assert!(
        m.tracking
            .iter()
            .any(|tr| tr.matches("unencrypted-asset@contract-fileserver"))
    );
    assert!(
        !m.tracking
            .iter()
            .any(|tr| tr.matches("unencrypted-asset@a@b"))
    );
}

/// Threat ids of the rules that mirror Threagile's built-in ones are Threagile's synthetic ids,
/// so the example model's own `risk_tracking` entries (wildcards included) apply unchanged.
#[test]
fn threagile_example_model_risk_tracking_applies_unchanged() {
    let m = parse_model("threagile.yaml", &read("threagile/example.yaml")).unwrap();
    let t = threats(&m);
    let patterns: Vec<&str> = m.tracking.iter().map(|tr| tr.pattern.as_str()).collect();
    for want in [
        "untrusted-deserialization@erp-system",
        "ldap-injection@*@ldap-auth-server@*",
        "unencrypted-asset@*",
        "missing-authentication-second-factor@*@*@*",
        "missing-hardening@*",
        "dos-risky-access-across-trust-boundary@*@*@*",
    ] {
        assert!(patterns.contains(&want), "{want} not in {patterns:?}");
        let tr = m.tracking.iter().find(|tr| tr.pattern == want).unwrap();
        assert!(
            t.iter().any(|t| tr.matches(&t.id)),
            "risk tracking `{want}` matches no threat of {:#?}",
            t.iter().map(|t| &t.id).collect::<Vec<_>>()
        );
    }
    // The parts sit where Threagile puts them: link, source, target for missing authentication;
    // caller, LDAP server, link for LDAP injection; target, caller, link for DoS.
    let ids: Vec<&str> = t.iter().map(|t| t.id.as_str()).collect();
    let ldap = ids
        .iter()
        .find(|i| i.starts_with("ldap-injection@"))
        .unwrap();
    assert_eq!(ldap.split('@').nth(2), Some("ldap-auth-server"), "{ldap}");
    for i in ids
        .iter()
        .filter(|i| i.starts_with("missing-authentication@"))
    {
        let parts: Vec<&str> = i.split('@').collect();
        assert_eq!(parts.len(), 4, "{i}");
        assert!(parts[1].starts_with(&format!("{}>", parts[2])), "{i}");
    }
}

#[test]
fn threagile_stub_model_is_read_unchanged() {
    let m = parse_model("threagile.yaml", &read("threagile/stub.yaml")).unwrap();
    assert_eq!((m.data.len(), m.assets.len(), m.links.len()), (1, 2, 1));
    let ids: Vec<String> = threats(&m).into_iter().map(|t| t.id).collect();
    assert!(
        ids.contains(
            &"missing-authentication@some-component>some-traffic@some-component@some-other-component"
                .to_string()
        ),
        "{ids:#?}"
    );
    assert!(ids.contains(&"xml-external-entity@some-component".to_string()));
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let e = parse_model(
        "m/threatmodel.yaml",
        "assets:\n  - {id: a, technology: [x\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.starts_with("m/threatmodel.yaml:"), "{e}");
    assert!(e.contains("invalid YAML"), "{e}");
    let e = parse_model("t.yaml", "- a\n- b\n").unwrap_err().to_string();
    assert!(
        e.starts_with("t.yaml:1:1: a threat model is a mapping"),
        "{e}"
    );
}

#[test]
fn unknown_references_and_keys_are_named_with_positions() {
    let text = "data:\n  - {id: pii}\nassets:\n  - id: web\n    technology: web-application\n    processes: [pii, cards]\n    links:\n      - {target: dbb, protocol: https, sends: [pii]}\n  - id: db\n    technology: databse\n    colour: blue\nboundaries:\n  - {id: net, assets: [web, ghost], boundaries: [nowhere]}\n";
    let errs = parse_model("threatmodel.yaml", text).unwrap_err();
    let all = errs.to_string();
    for (needle, line) in [
        ("refers to unknown data asset `cards`", 4),
        ("targets unknown asset `dbb`", 8),
        ("unknown technology `databse`", 10),
        ("unknown key `colour`", 11),
        ("holds unknown asset `ghost`", 13),
        ("nests unknown boundary `nowhere`", 13),
    ] {
        let e = errs
            .0
            .iter()
            .find(|e| e.message.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {all}"));
        assert_eq!(e.line, line, "{needle}: {all}");
        assert_eq!(e.path, "threatmodel.yaml");
    }
    let col = errs
        .0
        .iter()
        .find(|e| e.message.contains("colour"))
        .unwrap()
        .col;
    assert_eq!(col, 5);
    let e = parse_model(
        "t.yaml",
        "assets:\n  - {id: a, internet: maybe, confidentiality: secret}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`internet` must be true or false"), "{e}");
    assert!(
        e.contains("`confidentiality` is `secret`; expected one of public"),
        "{e}"
    );
}

#[test]
fn duplicate_ids_and_boundary_cycles_are_refused() {
    let e = parse_model(
        "t.yaml",
        "assets:\n  - {id: a}\n  - {id: a}\nboundaries:\n  - {id: x, boundaries: [y]}\n  - {id: y, boundaries: [x]}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("asset id `a` is used twice"), "{e}");
    assert!(e.contains("nested inside itself"), "{e}");
}

#[test]
fn risk_tracking_with_reason_and_expiry() {
    let text = "data: [{id: d, confidentiality: confidential}]\nassets:\n  - {id: api, technology: web-service-rest, formats: [xml], processes: [d]}\nrisk_tracking:\n  - {threat: xml-external-entity@api, status: accepted, reason: parser hardened, expires: 2099-01-01}\n  - {threat: missing-vault@*, status: mitigated, reason: cloud secret manager}\n";
    let m = parse_model("t.yaml", text).unwrap();
    assert_eq!(m.tracking.len(), 2);
    assert_eq!(m.tracking[0].expires.as_deref(), Some("2099-01-01"));
    assert!(m.tracking[1].matches("missing-vault@model"));
    let e = parse_model(
        "t.yaml",
        "assets: [{id: a}]\nrisk_tracking:\n  - {threat: x@a, status: ignored, expires: soon}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("`status` is `ignored`"), "{e}");
    assert!(e.contains("YYYY-MM-DD"), "{e}");
}
