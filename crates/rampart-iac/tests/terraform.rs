//! Terraform end to end: JSON syntax, per-instance evaluation, remote modules.

use rampart_core::Emitter;

mod common;
use common::{Wanted, by_rule, diagnostics_with, no_root, scan_text};

/// Scans in-memory files (scan root `root`, which the engine may read from disk), each one the
/// engine wants.
fn scan(root: &std::path::Path, files: &[(&str, &str)]) -> Emitter {
    scan_text(root, files, Wanted::Assert)
}

const JSON_MAIN: &str = r#"{
  "variable": {
    "acl": { "default": "public-read" }
  },
  "resource": {
    "aws_s3_bucket": {
      "public": {
        "bucket": "logs",
        "acl": "${var.acl}"
      },
      "private": {
        "bucket": "data",
        "acl": "private"
      }
    },
    "aws_ebs_volume": {
      "v": {
        "size": 10
      },
      "ok": {
        "size": 10,
        "encrypted": true
      }
    }
  }
}
"#;

#[test]
fn tf_json_findings_at_exact_lines() {
    let out = scan(&no_root(), &[("infra/main.tf.json", JSON_MAIN)]);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.path, "infra/main.tf.json");
    // The offending attribute's line.
    assert_eq!(acl[0].location.start_line, 9);
    assert!(acl[0].message.contains("aws_s3_bucket.public"));
    // A missing attribute: the block (its name key) it is missing from.
    let ebs = by_rule(&out, "tf-aws-ebs-unencrypted");
    assert_eq!(ebs.len(), 1, "{ebs:#?}");
    assert_eq!(ebs[0].location.start_line, 17);
}

#[test]
fn tf_json_and_hcl_in_one_module() {
    // Variables in HCL, resources in JSON, values from a .tfvars.json.
    let out = scan(
        &no_root(),
        &[
            (
                "m/variables.tf",
                "variable \"acl\" {\n  default = \"private\"\n}\n",
            ),
            (
                "m/main.tf.json",
                "{\"resource\": {\"aws_s3_bucket\": {\"b\": {\n  \"acl\": \"${var.acl}\"\n}}}}\n",
            ),
            (
                "m/terraform.tfvars.json",
                "{ \"acl\": \"public-read-write\" }",
            ),
        ],
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.path, "m/main.tf.json");
    assert_eq!(acl[0].location.start_line, 2);
}

#[test]
fn malformed_tf_json_is_a_diagnostic_and_other_files_still_scan() {
    let out = scan(
        &no_root(),
        &[
            ("a/broken.tf.json", "{\n  \"resource\": {\n    oops\n}\n"),
            (
                "a/main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n",
            ),
        ],
    );
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert!(format!("{d:?}").contains("a/broken.tf.json"), "{d:?}");
    assert_eq!(by_rule(&out, "tf-aws-s3-public-acl").len(), 1);
}

#[test]
fn for_each_reports_the_offending_instance_only() {
    let text = "resource \"aws_s3_bucket\" \"b\" {\n  for_each = {\n    a = { public = true }\n    b = { public = false }\n  }\n  bucket = \"logs-${each.key}\"\n  acl    = each.value.public ? \"public-read\" : \"private\"\n}\n\nresource \"aws_s3_bucket\" \"u\" {\n  for_each = var.buckets\n  acl      = each.value.public ? \"public-read\" : \"private\"\n}\n\nvariable \"buckets\" {}\n";
    let out = scan(&no_root(), &[("main.tf", text)]);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.start_line, 7);
    assert!(
        acl[0].message.contains("aws_s3_bucket.b[\"a\"]"),
        "{}",
        acl[0].message
    );
    assert!(acl[0].fingerprint_key.contains("aws_s3_bucket.b[\"a\"]"));
}

#[test]
fn count_instances_evaluate_count_index() {
    let text = "variable \"acls\" {\n  default = [\"private\", \"public-read\"]\n}\nresource \"aws_s3_bucket\" \"b\" {\n  count = length(var.acls)\n  acl   = var.acls[count.index]\n}\n";
    let out = scan(&no_root(), &[("main.tf", text)]);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert!(
        acl[0].message.contains("aws_s3_bucket.b[1]"),
        "{}",
        acl[0].message
    );
}

/// A fresh scratch directory for a test.
fn scratch(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("rampart-iac-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(root: &std::path::Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const REMOTE_MAIN: &str = "module \"bucket\" {\n  source  = \"terraform-aws-modules/s3-bucket/aws\"\n  version = \"4.1.0\"\n  acl     = \"public-read\"\n}\n\nmodule \"vpc\" {\n  source = \"git::https://example.com/vpc.git?ref=v1\"\n}\n\nresource \"aws_s3_bucket\" \"uses_output\" {\n  acl = module.vpc.acl\n}\n";

const INSTALLED_BUCKET: &str = "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"this\" {\n  bucket = \"b\"\n  acl    = var.acl\n}\n";

const MANIFEST: &str = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"bucket","Source":"registry.terraform.io/terraform-aws-modules/s3-bucket/aws","Version":"4.1.0","Dir":".terraform/modules/bucket"}]}"#;

#[test]
fn remote_module_resolved_through_modules_json_on_disk() {
    // `.terraform` is usually git-ignored: the walk delivers only main.tf, the engine reads the
    // manifest and the installed module from disk.
    let root = scratch("remote-disk");
    write(&root, "infra/.terraform/modules/modules.json", MANIFEST);
    write(
        &root,
        "infra/.terraform/modules/bucket/main.tf",
        INSTALLED_BUCKET,
    );
    let out = scan(&root, &[("infra/main.tf", REMOTE_MAIN)]);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(
        acl[0].location.path,
        "infra/.terraform/modules/bucket/main.tf"
    );
    assert_eq!(acl[0].location.start_line, 7);
    assert!(
        acl[0].message.contains("module.bucket.aws_s3_bucket.this"),
        "{}",
        acl[0].message
    );
    // The module init did not install: one note naming its source; its output is unknown.
    assert_eq!(out.diagnostics.len(), 1, "{:?}", out.diagnostics);
    let d = &out.diagnostics[0];
    assert_eq!(d.path.as_deref(), Some("infra/main.tf"));
    assert_eq!(d.line, Some(7));
    assert!(
        d.message
            .contains("git::https://example.com/vpc.git?ref=v1"),
        "{}",
        d.message
    );
    assert_eq!(d.level, rampart_core::DiagnosticLevel::Note);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn remote_module_resolved_when_the_walk_delivers_dot_terraform() {
    let out = scan(
        &no_root(),
        &[
            ("main.tf", REMOTE_MAIN),
            (".terraform/modules/modules.json", MANIFEST),
            (".terraform/modules/bucket/main.tf", INSTALLED_BUCKET),
        ],
    );
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    // Scanned once, through its caller (not also as a root with the default "private").
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.path, ".terraform/modules/bucket/main.tf");
    assert!(
        acl[0].message.contains("module.bucket."),
        "{}",
        acl[0].message
    );
}

#[test]
fn remote_modules_without_init_are_notes_not_findings() {
    let out = scan(&no_root(), &[("main.tf", REMOTE_MAIN)]);
    assert!(
        by_rule(&out, "tf-aws-s3-public-acl").is_empty(),
        "{:#?}",
        out.findings
    );
    let notes: Vec<&str> = out.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("terraform-aws-modules/s3-bucket/aws"))
    );
    assert!(notes.iter().any(|n| n.contains("module `vpc`")));
}

#[test]
fn broken_modules_json_is_a_warning() {
    let out = scan(
        &no_root(),
        &[
            (
                "main.tf",
                "resource \"aws_s3_bucket\" \"b\" {\n  acl = \"public-read\"\n}\n",
            ),
            (".terraform/modules/modules.json", "{ nope"),
        ],
    );
    assert_eq!(by_rule(&out, "tf-aws-s3-public-acl").len(), 1);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some(".terraform/modules/modules.json")),
        "{:?}",
        out.diagnostics
    );
}

#[test]
fn module_for_each_passes_each_instance_its_inputs() {
    let main = "module \"b\" {\n  source   = \"./mod\"\n  for_each = { pub = \"public-read\", priv = \"private\" }\n  acl      = each.value\n}\n";
    let m = "variable \"acl\" {}\nresource \"aws_s3_bucket\" \"this\" {\n  acl = var.acl\n}\n";
    let out = scan(&no_root(), &[("main.tf", main), ("mod/main.tf", m)]);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{acl:#?}");
    assert_eq!(acl[0].location.path, "mod/main.tf");
    assert!(
        acl[0]
            .message
            .contains("module.b[\"pub\"].aws_s3_bucket.this"),
        "{}",
        acl[0].message
    );
}

#[test]
fn odd_tf_json_never_panics() {
    let cases = [
        "",
        "{}",
        "{\"//\": 1}",
        "{\"resource\": 1}",
        "{\"resource\": {\"a\": [1, {\"b\": {\"count\": \"${-1}\"}}]}}",
        "{\"variable\": {\"x\": []}}",
        "{\"locals\": [{\"a\": \"${local.a}\"}]}",
        "{\"resource\": {\"a\": {\"b\": {\"for_each\": \"${[1, 2]}\"}}}}",
        "{\"resource\": {\"a\": {\"b\": {\"count\": 1e300}}}}",
        "{\"module\": {\"m\": {\"source\": 5}}}",
        "{\"resource\": {\"a\": {\"b\": {\"x\": \"${\"}}}}",
        "{\"resource\": {\"a\": {\"b\": {\"dynamic\": {\"d\": 1}, \"y\": \"$${x}\"}}}}",
        "{\"data\": {\"a\": {\"b\": {\"x\": \"é${1 + 1}ü\"}}}}",
        "[]",
        "{\"resource\": {\"a\": {\"b\": {\"x\": \"${-9223372036854775807 - 1}\"}}}}",
    ];
    for c in cases {
        let out = scan(&no_root(), &[("x/main.tf.json", c)]);
        for f in &out.findings {
            assert_eq!(f.location.path, "x/main.tf.json");
        }
    }
    let out = scan(
        &no_root(),
        &[("x/v.tfvars.json", "{\"a\": {\"b\": [1, null]}}")],
    );
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn dynamic_ingress_blocks_are_checked() {
    let text = "locals {\n  rules = {\n    ssh   = { port = 22, cidrs = [\"0.0.0.0/0\"] }\n    https = { port = 443, cidrs = [\"10.0.0.0/8\"] }\n  }\n}\n\nresource \"aws_security_group\" \"web\" {\n  name = \"web\"\n  dynamic \"ingress\" {\n    for_each = local.rules\n    content {\n      description = ingress.key\n      from_port   = ingress.value.port\n      to_port     = ingress.value.port\n      protocol    = \"tcp\"\n      cidr_blocks = ingress.value.cidrs\n    }\n  }\n}\n";
    let out = scan(&no_root(), &[("main.tf", text)]);
    let ssh = by_rule(&out, "tf-aws-sg-ssh-open-to-world");
    assert_eq!(ssh.len(), 1, "{:#?}", out.findings);
    // The open CIDR, inside the dynamic block's content.
    assert_eq!(ssh[0].location.start_line, 17, "{:?}", ssh[0].location);
}

const PUBLIC_BUCKET: &str =
    "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  acl    = \"public-read\"\n}\n";

#[test]
fn a_module_calling_its_own_folder_is_still_checked() {
    // One line in a pull request (`source = "./"`) used to hide every finding of the folder.
    for src in ["./", ".", "./../infra"] {
        let main = format!("module \"self\" {{\n  source = \"{src}\"\n}}\n{PUBLIC_BUCKET}");
        let out = scan(&no_root(), &[("infra/main.tf", &main)]);
        let acl = by_rule(&out, "tf-aws-s3-public-acl");
        assert_eq!(acl.len(), 1, "source {src}: {:#?}", out.findings);
        assert_eq!(acl[0].location.start_line, 6);
        let cycle = diagnostics_with(&out, "cycle of local modules");
        assert_eq!(cycle.len(), 1, "source {src}: {:?}", out.diagnostics);
        assert_eq!(cycle[0].path.as_deref(), Some("infra/main.tf"));
        assert_eq!(cycle[0].line, Some(1));
        assert!(
            cycle[0].message.contains("infra → infra"),
            "{}",
            cycle[0].message
        );
    }
}

#[test]
fn a_cycle_of_local_modules_is_reported_and_its_files_checked() {
    // a → b → a, and nothing else calls either.
    let a = format!("module \"b\" {{\n  source = \"../b\"\n}}\n{PUBLIC_BUCKET}");
    let b = format!("{PUBLIC_BUCKET}module \"a\" {{\n  source = \"../a\"\n}}\n");
    let out = scan(&no_root(), &[("a/main.tf", &a), ("b/main.tf", &b)]);
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    let paths: Vec<&str> = acl.iter().map(|f| f.location.path.as_str()).collect();
    assert!(
        paths.contains(&"a/main.tf") && paths.contains(&"b/main.tf"),
        "{acl:#?}"
    );
    let cycle = diagnostics_with(&out, "cycle of local modules");
    assert_eq!(cycle.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(cycle[0].path.as_deref(), Some("b/main.tf"));
    assert_eq!(cycle[0].line, Some(5));
    assert!(
        cycle[0].message.contains("a → b → a"),
        "{}",
        cycle[0].message
    );
}

#[test]
fn deep_module_chains_stop_with_a_diagnostic() {
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 0..40 {
        files.push((
            format!("m{i}/main.tf"),
            format!(
                "module \"next\" {{\n  source = \"../m{}\"\n}}\n{PUBLIC_BUCKET}",
                i + 1
            ),
        ));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let out = scan(&no_root(), &refs);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("nests more than 16 module calls deep")),
        "{:?}",
        out.diagnostics
    );
    // Every folder is still checked (those past the limit as roots of their own).
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 40, "{acl:#?}");
}

#[test]
fn cycles_in_locals_are_reported_and_other_checks_still_run() {
    // `coalesce` used to hide the cycle: the first pass found `b` unknown and settled on "x".
    let main = "locals {\n  a = coalesce(local.b, \"x\")\n  b = local.a\n  c = local.c\n  d = \"public-read\"\n}\n\
         resource \"aws_s3_bucket\" \"b\" {\n  bucket = local.a\n  acl    = local.d\n}\n";
    let json = r#"{"locals": {"p": "${local.q}", "q": "${upper(local.p)}"}}"#;
    let out = scan(
        &no_root(),
        &[("infra/main.tf", main), ("infra/more.tf.json", json)],
    );
    let acl = by_rule(&out, "tf-aws-s3-public-acl");
    assert_eq!(acl.len(), 1, "{:#?}", out.findings);
    let cycles: Vec<(Option<&str>, Option<usize>, &str)> = out
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("cycle"))
        .map(|d| (d.path.as_deref(), d.line, d.message.as_str()))
        .collect();
    assert_eq!(cycles.len(), 3, "{cycles:#?}");
    assert_eq!(cycles[0].0, Some("infra/main.tf"));
    assert_eq!(cycles[0].1, Some(2));
    assert!(
        cycles[0].2.contains("(local.a, local.b)"),
        "{}",
        cycles[0].2
    );
    assert_eq!(cycles[1].1, Some(4));
    assert!(cycles[1].2.contains("(local.c)"), "{}", cycles[1].2);
    assert_eq!(cycles[2].0, Some("infra/more.tf.json"));
    assert!(
        cycles[2].2.contains("(local.p, local.q)"),
        "{}",
        cycles[2].2
    );
    // `local.a` stays unknown: the bucket name check cannot read "x" from it.
    let blocks = {
        let files = vec![rampart_iac::hcl::TfFile::parse("main.tf", main).unwrap()];
        rampart_iac::hcl::evaluate_module(&files, &Default::default())
    };
    assert!(blocks.scope.locals["a"].is_unknown());
    assert!(blocks.scope.locals["b"].is_unknown());
    assert_eq!(blocks.scope.locals["d"].as_str(), Some("public-read"));
}

#[test]
fn values_that_grow_without_bound_become_unknown() {
    // Each local doubles the one before (2^60 nodes), or nests one level deeper.
    for (grow, expect) in [
        ("[local.a{p}, local.a{p}]", "more than 1000000 value nodes"),
        ("[local.a{p}]", "nested more than 256 levels deep"),
    ] {
        let mut main = String::from("locals {\n  a0 = \"x\"\n");
        let n = if grow.contains(", ") { 60 } else { 3000 };
        for i in 1..n {
            main.push_str(&format!(
                "  a{i} = {}\n",
                grow.replace("{p}", &(i - 1).to_string())
            ));
        }
        main.push_str(&format!("}}\n{PUBLIC_BUCKET}"));
        let out = scan(&no_root(), &[("infra/main.tf", &main)]);
        assert_eq!(by_rule(&out, "tf-aws-s3-public-acl").len(), 1, "{expect}");
        let d: Vec<&str> = out.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].contains(expect), "{d:?}");
        assert_eq!(out.diagnostics[0].path.as_deref(), Some("infra/main.tf"));
    }
}
