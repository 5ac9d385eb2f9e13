//! The Java lowering and the taint analysis over it: what the desugarings mean for findings
//! (switch folding, constant map keys, fields, framework parameters, `@ResponseBody`), the IR's
//! shape where rules depend on it, and the bounds (deep nesting, syntax errors) on a worker stack.

mod common;

use rampart_sast::ir::{ExprKind, Module, StmtKind};
use rampart_sast::lang::{Lang, parse};
use rampart_sast::lower::lower;

/// Lines (1-based) where `rule` reports in the Java file `src`.
fn lines(rule: &str, src: &str) -> Vec<usize> {
    let out = common::scan(Default::default(), &[("src/App.java", src)]);
    let mut v: Vec<usize> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == format!("sast/{rule}"))
        .map(|f| f.location.start_line)
        .collect();
    v.sort();
    v.dedup();
    v
}

fn module(src: &str) -> Module {
    let tree = parse(Lang::Java, src.as_bytes(), None).unwrap();
    lower(Lang::Java, &tree, src.as_bytes())
}

/// A servlet method around `body`; its request is `req`, its writer `out`.
fn servlet(body: &str) -> String {
    format!(
        "class S extends HttpServlet {{\n  void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {{\n    PrintWriter out = resp.getWriter();\n{body}\n  }}\n}}\n"
    )
}

#[test]
fn a_switch_on_a_constant_takes_only_its_case() {
    // Line 4 is the first line of the body.
    let src = servlet(
        "    String mode = \"safe\";\n    String v = req.getParameter(\"v\");\n    String shown;\n    switch (mode) {\n      case \"safe\": shown = \"fixed\"; break;\n      default: shown = v;\n    }\n    out.print(shown);\n    switch (req.getParameter(\"m\")) {\n      case \"a\": shown = \"fixed\"; break;\n      default: shown = v;\n    }\n    out.print(shown);",
    );
    assert_eq!(lines("java-xss", &src), vec![16]);
}

#[test]
fn a_switch_expression_yields_the_value_of_its_arm() {
    let src = servlet(
        "    String v = req.getParameter(\"v\");\n    int k = 2;\n    String a = switch (k) { case 1 -> v; default -> \"x\"; };\n    out.print(a);\n    String b = switch (k) { case 2 -> { yield v; } default -> \"x\"; };\n    out.print(b);",
    );
    assert_eq!(lines("java-xss", &src), vec![9]);
}

#[test]
fn a_map_value_put_under_one_constant_key_is_not_read_under_another() {
    let src = servlet(
        "    Map<String, String> m = new HashMap<>();\n    m.put(\"user\", req.getParameter(\"u\"));\n    m.put(\"greeting\", \"hello\");\n    out.print(m.get(\"greeting\"));\n    out.print(m.get(\"user\"));\n    out.print(m.get(req.getParameter(\"k\")));\n    Properties p = new Properties();\n    p.setProperty(\"a\", req.getHeader(\"A\"));\n    out.print(p.getProperty(\"b\"));\n    out.print(p.getProperty(\"a\"));",
    );
    assert_eq!(lines("java-xss", &src), vec![8, 9, 13]);
}

#[test]
fn string_builders_collections_optionals_and_streams_carry_taint() {
    let src = servlet(
        "    StringBuilder sb = new StringBuilder();\n    sb.append(\"<p>\").append(req.getParameter(\"a\"));\n    out.print(sb.toString());\n    List<String> l = new ArrayList<>();\n    l.add(req.getParameter(\"b\"));\n    out.print(String.join(\",\", l));\n    out.print(Optional.ofNullable(req.getParameter(\"c\")).map(String::trim).orElse(\"\"));\n    out.print(Arrays.stream(req.getParameterValues(\"d\")).map(s -> s.toUpperCase()).collect(Collectors.joining()));\n    out.print(new String(Base64.getDecoder().decode(req.getParameter(\"e\"))));\n    out.print(String.format(\"%s\", req.getHeader(\"f\")));\n    out.print(Integer.parseInt(req.getParameter(\"g\")));",
    );
    assert_eq!(lines("java-xss", &src), vec![6, 9, 10, 11, 12, 13]);
}

#[test]
fn instance_fields_carry_taint_between_methods_and_constructors() {
    let src = "class Repo {\n  private String filter;\n  private final String table = \"users\";\n  Repo(HttpServletRequest req) {\n    filter = req.getParameter(\"f\");\n  }\n  void run(Statement st) throws Exception {\n    st.executeQuery(\"SELECT * FROM \" + table);\n    st.executeQuery(\"SELECT * FROM t WHERE \" + filter);\n    st.executeQuery(\"SELECT * FROM t WHERE \" + this.filter);\n  }\n}\n";
    assert_eq!(lines("java-sql-injection", src), vec![9, 10]);
}

#[test]
fn helpers_lambdas_and_anonymous_classes_are_followed() {
    let src = "class C {\n  @GetMapping(\"/a\")\n  void a(@RequestParam String cmd) throws Exception {\n    run(cmd);\n    run(\"ls\");\n    Runnable r = () -> exec(cmd);\n    new Thread(new Runnable() { public void run() { exec2(cmd); } }).start();\n  }\n  void run(String c) throws Exception {\n    Runtime.getRuntime().exec(c);\n  }\n  void exec(String c) throws Exception {\n    new ProcessBuilder(c).start();\n  }\n  void exec2(String c) throws Exception {\n    Runtime.getRuntime().exec(\"sh -c \" + c);\n  }\n}\n";
    // Helper sinks are reported at the sink in the helper (called with request data on line 4;
    // the call on line 5 passes a constant).
    let got = lines("java-command-injection", src);
    assert!(got.contains(&10), "{got:?}");
    assert!(!got.contains(&4) && !got.contains(&5), "{got:?}");
    assert!(got.iter().any(|l| *l == 6 || *l == 13), "{got:?}");
    assert!(got.iter().any(|l| *l == 7 || *l == 16), "{got:?}");
}

#[test]
fn framework_parameters_are_sources_and_framework_objects_are_not() {
    let src = "@RestController\nclass C {\n  @GetMapping(\"/a\")\n  String a(String name, HttpServletRequest req, Model model) {\n    return \"<p>\" + name + \"</p>\";\n  }\n  @GetMapping(\"/b\")\n  String b(HttpServletRequest req, Model model) {\n    return \"<p>\" + model.toString() + \"</p>\";\n  }\n  @GetMapping(\"/c\")\n  String c(@RequestHeader(\"X\") String x) {\n    return \"<p>\" + x + \"</p>\";\n  }\n  String notMapped(String name) {\n    return \"<p>\" + name + \"</p>\";\n  }\n}\n";
    assert_eq!(lines("java-xss", src), vec![5, 13]);
    let jaxrs = "class R {\n  @GET\n  public Response r(@QueryParam(\"q\") String q, @Context UriInfo info) throws Exception {\n    new File(q).delete();\n    new File(\"/tmp/x\").delete();\n    return null;\n  }\n}\n";
    assert_eq!(lines("java-path-traversal", jaxrs), vec![4]);
}

#[test]
fn the_lowering_names_constructors_field_initialisers_and_request_parameters() {
    let m = module(
        "package a;\nimport java.util.List;\nimport static java.util.Objects.hash;\n@RestController\nclass C extends B implements I {\n  private int n = 1;\n  static final String K = \"k\";\n  C() {}\n  @GetMapping(\"/x\")\n  String x(@RequestParam(\"id\") String id) { return id; }\n  class Inner { void m() {} }\n}\n",
    );
    let names: Vec<&str> = m.functions.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"constructor"), "{names:?}");
    assert!(names.contains(&"<fields>"), "{names:?}");
    let c = &m.classes[0];
    assert_eq!(c.name, "C");
    assert_eq!(c.bases.len(), 2);
    assert_eq!(m.classes.iter().filter(|k| k.name == "Inner").count(), 1);
    let imports: Vec<(String, Option<String>)> = m
        .imports
        .iter()
        .map(|i| (i.module.clone(), i.name.clone()))
        .collect();
    assert_eq!(
        imports,
        vec![
            ("java.util".to_string(), Some("List".to_string())),
            ("java.util.Objects".to_string(), Some("hash".to_string()))
        ]
    );
    // `static final` constants are seen through by patterns.
    assert!(m.consts.contains_key("K"));
    // The mapped method starts by binding its parameter from the request and its return is
    // the response body.
    let x = m.functions.iter().find(|f| f.name == "x").unwrap();
    assert!(x.decorators.len() >= 2, "method and class annotations");
    let StmtKind::Assign { value, .. } = &x.body[0].kind else {
        panic!("{:?}", x.body[0].kind)
    };
    let ExprKind::Call(call) = &value.kind else {
        panic!()
    };
    assert_eq!(call.callee.dotted().as_deref(), Some("RequestParam"));
    let StmtKind::Return(Some(r)) = &x.body[1].kind else {
        panic!()
    };
    let ExprKind::Call(call) = &r.kind else {
        panic!()
    };
    assert_eq!(call.callee.dotted().as_deref(), Some("ResponseBodyHtml"));
}

#[test]
fn package_qualified_classes_match_patterns_by_their_simple_name() {
    let src = servlet(
        "    String f = req.getParameter(\"f\");\n    java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(f));\n    new java.io.FileInputStream(f);",
    );
    assert_eq!(lines("java-path-traversal", &src), vec![5, 6]);
}

#[test]
fn a_file_with_syntax_errors_is_still_analysed() {
    let src = "class S {\n  void doGet(HttpServletRequest req) throws Exception {\n    Runtime.getRuntime().exec(req.getParameter(\"c\"));\n  }\n  void broken( {\n    int x = ;\n  }\n}\n";
    assert_eq!(lines("java-command-injection", src), vec![3]);
    assert!(module(src).has_errors);
}

#[test]
fn deep_nesting_is_bounded_on_a_worker_stack() {
    let own = "class P {\n  void doGet(HttpServletRequest req) throws Exception {\n    Runtime.getRuntime().exec(req.getParameter(\"c\"));\n  }\n}\n";
    let blocks = format!(
        "class D {{\n  void m() {{\n{}int x = 1;{}\n  }}\n}}\n",
        "{".repeat(3000),
        "}".repeat(3000)
    );
    let parens = format!(
        "class Q {{\n  int m() {{\n    return {}1{};\n  }}\n}}\n",
        "(".repeat(20000),
        ")".repeat(20000)
    );
    let concat = format!(
        "class R {{\n  String m(String a) {{\n    return a{};\n  }}\n}}\n",
        " + a".repeat(50000)
    );
    let classes = format!(
        "{}void m() {{}}{}\n",
        "class A { ".repeat(600),
        " }".repeat(600)
    );
    let lambdas = format!(
        "class L {{\n  Object f = {}x{};\n}}\n",
        "() -> (".repeat(1500),
        ")".repeat(1500)
    );
    let files: Vec<(String, String)> = vec![
        ("src/P.java".into(), own.into()),
        ("src/D.java".into(), blocks),
        ("src/Q.java".into(), parens),
        ("src/R.java".into(), concat),
        ("src/A.java".into(), classes),
        ("src/L.java".into(), lambdas),
    ];
    let out = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || common::scan(Default::default(), &files))
        .unwrap()
        .join()
        .expect("the scan thread ends normally");
    assert!(
        out.findings
            .iter()
            .any(|f| f.rule_id == "sast/java-command-injection"
                && f.location.path == "src/P.java"
                && f.location.start_line == 3)
    );
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some("src/D.java") && d.message.contains("deep")),
        "{:?}",
        out.diagnostics
    );
}
