//! Every rule file loads, is complete, and its examples fire (or not) as they say.

use rampart_api::ApiEngine;
use rampart_core::Engine;

#[test]
fn rules_load_and_examples_hold() {
    let e = ApiEngine::new();
    assert!(e.load_errors().is_empty(), "{:#?}", e.load_errors());
    assert!(e.rules().len() >= 30, "{} rules", e.rules().len());
    let problems = rampart_core::testing::check_rule_examples(&e, &|_| "openapi.yaml".into());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_rule_has_an_owasp_api_category_and_a_cwe() {
    for r in ApiEngine::new().rules() {
        assert!(
            r.owasp
                .iter()
                .any(|o| o.starts_with("API") && o.ends_with(":2023")),
            "{}: {:?}",
            r.id,
            r.owasp
        );
        assert!(!r.cwe.is_empty(), "{}", r.id);
        assert_eq!(r.family(), "api", "{}", r.id);
    }
}

#[test]
fn rule_files_refuse_unknown_keys_checks_and_params() {
    use rampart_api::rules::Rule;
    let base = "id = 'x'\ntitle = 'X'\nseverity = 'low'\nwhy = 'w'\nfix = 'f'\n";
    let e = Rule::parse(&format!("{base}check = 'nope'\n")).unwrap_err();
    assert!(e.contains("unknown check `nope`"), "{e}");
    let e = Rule::parse(&format!("{base}check = 'servers-missing'\nbogus = 1\n")).unwrap_err();
    assert!(e.contains("`bogus`"), "{e}");
    let e = Rule::parse(&format!(
        "{base}check = 'parameter-name'\n[params]\nname = 'a'\n"
    ))
    .unwrap_err();
    assert!(e.contains("no parameter `name`"), "{e}");
    let e = Rule::parse(&format!(
        "{base}check = 'parameter-name'\n[params]\nname_pattern = '('\n"
    ))
    .unwrap_err();
    assert!(e.contains("name_pattern"), "{e}");
}
