//! Unit tests of the Terraform reader and evaluator.

use super::*;

fn module(files: &[(&str, &str)]) -> Vec<TfBlock> {
    let parsed: Vec<TfFile> = files
        .iter()
        .map(|(p, t)| TfFile::parse(p, t).unwrap())
        .collect();
    evaluate_module(&parsed, &HashMap::new()).blocks
}

#[test]
fn resources_with_lines_and_nested_blocks() {
    let text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"x\"\n  versioning {\n    enabled = true\n  }\n}\n";
    let blocks = module(&[("main.tf", text)]);
    assert_eq!(blocks.len(), 1);
    let b = &blocks[0];
    assert_eq!(b.address(), "aws_s3_bucket.b");
    assert_eq!(b.node.key_line, 1);
    assert_eq!(b.node.get("bucket").unwrap().key_line, 2);
    let en = b.node.get_path(&["versioning", "enabled"]).unwrap();
    assert_eq!(en.value, Value::Bool(true));
    assert_eq!(en.key_line, 4);
    assert_eq!(&text[en.report_span()], "enabled = true");
}

#[test]
fn variables_locals_tfvars_and_functions() {
    let main = "locals {\n  name = \"${var.env}-logs\"\n  acl = lower(local.acl_raw)\n  acl_raw = \"PUBLIC-READ\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.name\n  acl = local.acl\n  tags = merge(var.tags, { a = 1 })\n  policy = jsonencode({ Statement = [{ Action = \"*\" }] })\n  other = aws_iam_role.r.arn\n  n = var.unset\n  c = var.env == \"prod\" ? 1 : 2\n}\n";
    let vars = "variable \"env\" {\n  default = \"dev\"\n}\nvariable \"tags\" {\n  default = {}\n}\nvariable \"unset\" {}\n";
    let tfvars = "env = \"prod\"\n";
    let blocks = module(&[
        ("main.tf", main),
        ("variables.tf", vars),
        ("terraform.tfvars", tfvars),
    ]);
    let n = &blocks[0].node;
    assert_eq!(n.get("bucket").unwrap().as_str(), Some("prod-logs"));
    assert_eq!(n.get("acl").unwrap().as_str(), Some("public-read"));
    assert_eq!(
        n.get("tags").unwrap().get("a").unwrap().value,
        Value::Int(1)
    );
    assert_eq!(
        n.get("policy").unwrap().as_str(),
        Some("{\"Statement\":[{\"Action\":\"*\"}]}")
    );
    assert!(n.get("other").unwrap().is_unknown());
    assert!(n.get("n").unwrap().is_unknown());
    assert_eq!(n.get("c").unwrap().value, Value::Int(1));
    // A value from another file is reported where it is used.
    assert_eq!(n.get("bucket").unwrap().line, 7);
}

#[test]
fn count_zero_removes_the_block() {
    let blocks = module(&[(
        "main.tf",
        "variable \"on\" {\n  default = false\n}\nresource \"a\" \"b\" {\n  count = var.on ? 1 : 0\n}\n",
    )]);
    assert!(blocks.is_empty());
}

#[test]
fn malformed_is_an_error_with_a_line() {
    let e = TfFile::parse("x.tf", "resource \"a\" \"b\" {\n  x = \n}\n")
        .err()
        .unwrap();
    assert!(e.line >= 2, "{e:?}");
    assert!(TfFile::parse("x.tf", "resource {{{").is_err());
}

#[test]
fn json_syntax_same_model_with_lines() {
    let vars = "{\n  \"variable\": {\n    \"env\": { \"default\": \"prod\" }\n  },\n  \"locals\": { \"name\": \"${var.env}-logs\" }\n}\n";
    let main = "{\n  \"resource\": {\n    \"aws_s3_bucket\": {\n      \"b\": {\n        \"//\": \"a comment\",\n        \"bucket\": \"${local.name}\",\n        \"acl\": \"public-read\",\n        \"tags\": \"${merge({a = 1}, {b = 2})}\",\n        \"count\": \"${var.env == \\\"prod\\\" ? 1 : 0}\",\n        \"other\": \"${aws_iam_role.r.arn}\",\n        \"versioning\": [{ \"enabled\": true }]\n      }\n    }\n  },\n  \"provider\": { \"aws\": [{ \"region\": \"a\" }, { \"alias\": \"b\" }] }\n}\n";
    let blocks = module(&[("vars.tf.json", vars), ("main.tf.json", main)]);
    let b = blocks.iter().find(|b| b.kind == "aws_s3_bucket").unwrap();
    assert_eq!(b.address(), "aws_s3_bucket.b[0]");
    // The block points at its name key.
    assert_eq!(b.node.key_line, 4);
    let n = &b.node;
    assert_eq!(n.get("bucket").unwrap().as_str(), Some("prod-logs"));
    assert_eq!(n.get("acl").unwrap().key_line, 7);
    assert_eq!(
        &main[n.get("acl").unwrap().report_span()],
        "\"acl\": \"public-read\""
    );
    assert_eq!(
        n.get("tags").unwrap().get("b").unwrap().value,
        Value::Int(2)
    );
    assert!(n.get("other").unwrap().is_unknown());
    assert!(n.get("//").is_none());
    let en = &n.get("versioning").unwrap().as_seq().unwrap()[0];
    assert_eq!(en.get("enabled").unwrap().value, Value::Bool(true));
    assert_eq!(
        blocks.iter().filter(|b| b.block_type == "provider").count(),
        2
    );
}

#[test]
fn json_tfvars_are_literal_and_bad_json_is_an_error() {
    let blocks = module(&[
        (
            "main.tf",
            "variable \"acl\" {}\nresource \"a\" \"b\" {\n  acl = var.acl\n}\n",
        ),
        ("terraform.tfvars.json", "{\"acl\": \"public-read\"}"),
    ]);
    assert_eq!(
        blocks[0].node.get("acl").unwrap().as_str(),
        Some("public-read")
    );
    let e = TfFile::parse("x.tf.json", "{\n  \"resource\": {\n    \"a\": 1,,\n}")
        .err()
        .unwrap();
    assert_eq!(e.line, 3, "{e:?}");
    assert!(TfFile::parse("x.tf.json", "[1]").is_err());
}

#[test]
fn for_each_and_count_instances() {
    let text = "resource \"aws_s3_bucket\" \"b\" {\n  for_each = { a = { public = true }, b = { public = false } }\n  bucket = \"logs-${each.key}\"\n  acl = each.value.public ? \"public-read\" : \"private\"\n}\nresource \"x\" \"c\" {\n  count = 2\n  n = count.index * 10\n}\nresource \"x\" \"s\" {\n  for_each = toset([\"p\", \"q\"])\n  v = each.value\n}\nresource \"x\" \"u\" {\n  for_each = var.unknown\n  acl = each.value.public ? \"public-read\" : \"private\"\n}\n";
    let blocks = module(&[("main.tf", text)]);
    let addr: Vec<String> = blocks.iter().map(TfBlock::address).collect();
    assert_eq!(
        addr,
        [
            "aws_s3_bucket.b[\"a\"]",
            "aws_s3_bucket.b[\"b\"]",
            "x.c[0]",
            "x.c[1]",
            "x.s[\"p\"]",
            "x.s[\"q\"]",
            "x.u"
        ]
    );
    assert_eq!(
        blocks[0].node.get("acl").unwrap().as_str(),
        Some("public-read")
    );
    assert_eq!(
        blocks[0].node.get("bucket").unwrap().as_str(),
        Some("logs-a")
    );
    assert_eq!(blocks[1].node.get("acl").unwrap().as_str(), Some("private"));
    assert_eq!(blocks[3].node.get("n").unwrap().value, Value::Int(10));
    assert_eq!(blocks[5].node.get("v").unwrap().as_str(), Some("q"));
    // An unknown collection: values depending on it stay unknown.
    assert!(blocks[6].node.get("acl").unwrap().is_unknown());
}

#[test]
fn a_lone_interpolation_keeps_its_type() {
    let blocks = module(&[(
        "main.tf",
        "variable \"tags\" {\n  default = { a = 1 }\n}\nresource \"x\" \"y\" {\n  t = \"${var.tags}\"\n  s = \"v-${var.tags.a}\"\n}\n",
    )]);
    let n = &blocks[0].node;
    assert_eq!(n.get("t").unwrap().get("a").unwrap().value, Value::Int(1));
    assert_eq!(n.get("t").unwrap().line, 5);
    assert_eq!(n.get("s").unwrap().as_str(), Some("v-1"));
}

#[test]
fn dynamic_blocks_expand_when_known() {
    let text = "variable \"rules\" {\n  default = [\n    { port = 22, cidr = \"0.0.0.0/0\" },\n    { port = 443, cidr = \"10.0.0.0/8\" },\n  ]\n}\nresource \"aws_security_group\" \"sg\" {\n  dynamic \"ingress\" {\n    for_each = var.rules\n    content {\n      from_port   = ingress.value.port\n      cidr_blocks = [ingress.value.cidr]\n    }\n  }\n  dynamic \"egress\" {\n    for_each = var.unknown\n    iterator = e\n    content {\n      to_port = e.value\n    }\n  }\n  dynamic \"tag\" {\n    for_each = { a = 1 }\n    iterator = t\n    content {\n      k = t.key\n    }\n  }\n  dynamic \"none\" {\n    for_each = []\n    content {}\n  }\n}\n";
    let blocks = module(&[("main.tf", text)]);
    let n = &blocks[0].node;
    let ing = n.get("ingress").unwrap().as_seq().unwrap();
    assert_eq!(ing.len(), 2);
    assert_eq!(ing[0].get("from_port").unwrap().value, Value::Int(22));
    assert_eq!(ing[0].get("from_port").unwrap().key_line, 11);
    assert_eq!(
        ing[1].get("cidr_blocks").unwrap().as_seq().unwrap()[0].as_str(),
        Some("10.0.0.0/8")
    );
    assert!(n.get("egress").unwrap().is_unknown());
    assert_eq!(n.get("tag").unwrap().get("k").unwrap().as_str(), Some("a"));
    assert!(n.get("none").is_none());
}

#[test]
fn json_dynamic_blocks_expand() {
    let text = "{\"resource\": {\"aws_security_group\": {\"sg\": {\n  \"dynamic\": {\"ingress\": {\n    \"for_each\": \"${[22, 80]}\",\n    \"iterator\": \"p\",\n    \"content\": {\"from_port\": \"${p.value}\"}\n  }}\n}}}}\n";
    let blocks = module(&[("main.tf.json", text)]);
    let ing = blocks[0].node.get("ingress").unwrap().as_seq().unwrap();
    assert_eq!(ing.len(), 2);
    assert_eq!(ing[1].get("from_port").unwrap().value, Value::Int(80));
    assert_eq!(ing[1].get("from_port").unwrap().key_line, 5);
}

#[test]
fn a_budget_spent_inside_an_expression_stays_spent() {
    // `[var.big]`: reading `var.big` spends the whole budget (its value becomes unknown); the
    // small array around it must not hide that.
    let big = Node::new(
        crate::model::Value::Seq(vec![
            Node::new(crate::model::Value::Null, 0..0, 1);
            MAX_EVAL_NODES
        ]),
        0..0,
        1,
    );
    let inputs = HashMap::from([("big".to_string(), big)]);
    let files = [TfFile::parse(
        "main.tf",
        "variable \"big\" {}\nlocals {\n  wrapped = [var.big]\n}\n",
    )
    .unwrap()];
    let ev = evaluate_module(&files, &inputs);
    assert!(ev.scope.locals["wrapped"].as_seq().unwrap()[0].is_unknown());
    let d: Vec<&str> = ev.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        d.iter().any(|m| m.contains("value nodes")),
        "the spent budget is reported: {d:?}"
    );
}
