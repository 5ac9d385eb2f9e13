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
    // The deep files match no rule: the prefilter leaves them unparsed unless it is off.
    for prefilter in [false, true] {
        let files = files.clone();
        let config = rampart_core::config::Config::parse(
            &format!("[engines.sast]\nprefilter = {prefilter}\n"),
            std::path::Path::new("/nonexistent-root/rampart.toml"),
        )
        .unwrap();
        let out = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || common::scan(config, &files))
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
        let noted = out
            .diagnostics
            .iter()
            .any(|d| d.path.as_deref() == Some("src/D.java") && d.message.contains("deep"));
        assert_eq!(noted, !prefilter, "{:?}", out.diagnostics);
    }
}

/// Lines where `rule` reports, per file, scanning `files` as one project.
fn project_lines(rule: &str, files: &[(&str, &str)]) -> Vec<(String, usize)> {
    let out = common::scan(Default::default(), files);
    let mut v: Vec<(String, usize)> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == format!("sast/{rule}"))
        .map(|f| (f.location.path.clone(), f.location.start_line))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn calls_resolve_by_the_declared_type_of_locals_parameters_and_fields() {
    // `Clean.pass` drops its input, `Dirty.pass` returns it: the receiver's declared type
    // decides which method runs, whatever the receiver's name.
    let src = "class S extends HttpServlet {\n  private Clean field = new Clean();\n  void doGet(HttpServletRequest req, Statement st, Clean param) throws Exception {\n    String w = req.getParameter(\"w\");\n    Clean local = new Clean();\n    Dirty dirty = new Dirty();\n    var inferred = new Clean();\n    st.executeQuery(local.pass(w));\n    st.executeQuery(param.pass(w));\n    st.executeQuery(field.pass(w));\n    st.executeQuery(this.field.pass(w));\n    st.executeQuery(inferred.pass(w));\n    st.executeQuery(new Clean().pass(w));\n    st.executeQuery(dirty.pass(w));\n    st.executeQuery(new Dirty().pass(w));\n    st.executeQuery(unknown.pass(w));\n  }\n}\nclass Clean {\n  String pass(String s) { return \"SELECT 1\"; }\n}\nclass Dirty {\n  String pass(String s) { return \"SELECT \" + s; }\n}\n";
    assert_eq!(lines("java-sql-injection", src), vec![14, 15, 16]);
}

#[test]
fn interface_methods_and_library_types_keep_the_default_flow() {
    // A method without a body (an interface's) has no summary to trust; a JDK type is no
    // project class: both carry their arguments' taint, as any unknown call.
    let src = "class S extends HttpServlet {\n  void doGet(HttpServletRequest req, Statement st, Repo repo) throws Exception {\n    String w = req.getParameter(\"w\");\n    st.executeQuery(repo.where(w));\n    String t = w.trim();\n    st.executeQuery(t);\n  }\n}\ninterface Repo {\n  String where(String s);\n}\n";
    assert_eq!(lines("java-sql-injection", src), vec![4, 6]);
}

const SQL_UTIL: &str = "package com.acme.util;\n\nimport java.sql.Connection;\n\npublic class Sql {\n  public static String clean(String s) { return String.valueOf(Integer.parseInt(s)); }\n  public static String raw(String s) { return \"SELECT \" + s; }\n  public String q(String s) { return \"SELECT 1\"; }\n  public static void run(Connection c, String q) throws Exception {\n    c.createStatement().executeQuery(q);\n  }\n}\n";

#[test]
fn imported_classes_and_static_imports_resolve_into_other_files() {
    let web = "package com.acme.web;\n\nimport static com.acme.util.Sql.raw;\nimport com.acme.util.Sql;\n\nclass W extends HttpServlet {\n  void doGet(HttpServletRequest req, Connection conn) throws Exception {\n    String n = req.getParameter(\"n\");\n    conn.createStatement().executeQuery(Sql.clean(n));\n    conn.createStatement().executeQuery(new Sql().q(n));\n    conn.createStatement().executeQuery(raw(n));\n    Sql.run(conn, n);\n    Sql.run(conn, \"SELECT 1\");\n  }\n}\n";
    let files = [
        ("src/com/acme/web/W.java", web),
        ("src/com/acme/util/Sql.java", SQL_UTIL),
    ];
    let w = |l: usize| ("src/com/acme/web/W.java".to_string(), l);
    // `Sql.run`'s query is reported once, at its sink in the other file; `raw(n)` returns the
    // input, so that sink is in `W`.
    assert_eq!(
        project_lines("java-sql-injection", &files),
        vec![("src/com/acme/util/Sql.java".to_string(), 10), w(11)]
    );
    // Without the other file, the calls are unknown: their arguments' taint flows through.
    let alone = project_lines("java-sql-injection", &files[..1]);
    assert_eq!(alone, vec![w(9), w(10), w(11)]);
}

#[test]
fn classes_of_the_same_package_resolve_without_import() {
    let repo = "package com.acme.web;\n\nclass Repo {\n  void find(Connection c, String name) throws Exception {\n    c.createStatement().executeQuery(\"SELECT * FROM t WHERE n = '\" + name + \"'\");\n  }\n  static String safe(String s) { return \"SELECT 1\"; }\n}\n";
    let web = "package com.acme.web;\n\nclass W extends HttpServlet {\n  private final Repo repo = new Repo();\n  void doGet(HttpServletRequest req, Connection conn) throws Exception {\n    String n = req.getParameter(\"n\");\n    repo.find(conn, n);\n    repo.find(conn, \"x\");\n    conn.createStatement().executeQuery(Repo.safe(n));\n  }\n}\n";
    let w = |l: usize| ("src/web/W.java".to_string(), l);
    let same = [("src/web/W.java", web), ("src/web/Repo.java", repo)];
    // Reported at the sink, in `Repo.find`.
    assert_eq!(
        project_lines("java-sql-injection", &same),
        vec![("src/web/Repo.java".to_string(), 5)]
    );
    // A class of another package is not visible without an import.
    let other = repo.replace("package com.acme.web;", "package com.acme.db;");
    let apart = [
        ("src/web/W.java", web),
        ("src/db/Repo.java", other.as_str()),
    ];
    assert_eq!(project_lines("java-sql-injection", &apart), vec![w(9)]);
}

#[test]
fn put_and_get_on_a_project_class_are_its_methods_not_map_entries() {
    // `Audit.put` runs a query; a `Map`'s `put` stores under the key (read back by `get`).
    let src = "class S extends HttpServlet {\n  void doGet(HttpServletRequest req, Statement st) throws Exception {\n    Audit audit = new Audit(st);\n    audit.put(\"who\", req.getParameter(\"u\"));\n    Map<String, String> m = new HashMap<>();\n    m.put(\"who\", req.getParameter(\"u\"));\n    st.executeQuery(m.get(\"other\"));\n    st.executeQuery(m.get(\"who\"));\n  }\n}\nclass Audit {\n  private final Statement st;\n  Audit(Statement st) { this.st = st; }\n  void put(String k, String v) throws Exception {\n    st.executeQuery(\"INSERT INTO audit VALUES ('\" + v + \"')\");\n  }\n}\n";
    // `Audit.put`'s query is reported at its sink (line 15), the map read at line 8.
    assert_eq!(lines("java-sql-injection", src), vec![8, 15]);
}

/// A servlet class with `extra` members beside `doGet(req, resp)` whose body is `body`.
fn servlet_with(extra: &str, body: &str) -> String {
    format!(
        "class S extends HttpServlet {{\n  private PrintWriter out;\n{extra}\n  void doGet(HttpServletRequest req, HttpServletResponse resp) throws Exception {{\n    out = resp.getWriter();\n{body}\n  }}\n}}\n"
    )
}

#[test]
fn method_references_passed_as_callbacks_are_calls_of_their_method() {
    // Lines 3-4 are `extra`; line 7 is the first line of the body.
    let src = servlet_with(
        "  void show(String s) { out.print(s); }\n  static String clean(String s) { return Encode.forHtml(s); }",
        "    List<String> l = Arrays.asList(req.getParameterValues(\"a\"));\n    l.forEach(this::show);\n    List.of(\"x\").forEach(this::show);\n    out.print(l.stream().map(S::clean).collect(Collectors.joining()));\n    out.print(l.stream().map(String::toUpperCase).collect(Collectors.joining()));\n    out.print(l.stream().map(String::isEmpty).findFirst().get());\n    l.stream().map(S::clean).forEach(this::show);",
    );
    // The sink inside `show` (line 3) is reached from line 8 only; `map(S::clean)` returns
    // what `clean` returns; `String::isEmpty` is called on the element (a boolean).
    assert_eq!(lines("java-xss", &src), vec![3, 11]);
    let out = common::scan(Default::default(), &[("src/App.java", src.as_str())]);
    let f = out
        .findings
        .iter()
        .find(|f| f.rule_id == "sast/java-xss" && f.location.start_line == 3)
        .unwrap();
    let steps: Vec<usize> = f.trace.iter().map(|s| s.location.start_line).collect();
    assert!(
        steps.contains(&8),
        "the trace passes the method reference: {steps:?}"
    );
}

#[test]
fn a_constructor_reference_passes_the_element_to_the_constructor() {
    let src = servlet_with(
        "",
        "    List<String> names = Arrays.asList(req.getParameterValues(\"f\"));\n    names.stream().map(File::new).forEach(f -> f.delete());\n    names.stream().map(File::new).map(File::getName).forEach(n -> out.print(n));",
    );
    // `File::new` is `new File(element)`, a sink, on both lines.
    assert_eq!(lines("java-path-traversal", &src), vec![7, 8]);
}

#[test]
fn list_elements_are_read_by_constant_index() {
    let src = servlet(
        "    List<String> l = new ArrayList<>();\n    l.add(\"a\");\n    l.add(req.getParameter(\"b\"));\n    out.print(l.get(0));\n    out.print(l.get(1));\n    l.remove(0);\n    out.print(l.get(0));\n    out.print(l.get(1));\n    out.print(l.get(Integer.parseInt(req.getParameter(\"i\"))));\n    List<String> m = new ArrayList<>(10);\n    m.add(\"c\");\n    m.add(0, req.getParameter(\"d\"));\n    out.print(m.get(1));\n    m.sort(null);\n    out.print(m.get(1));",
    );
    // get(1) (line 8), after remove(0) get(0) (line 10), any index (12); after `sort` the
    // order is unknown (18).
    assert_eq!(lines("java-xss", &src), vec![8, 10, 12, 18]);
}

#[test]
fn a_switch_on_an_enum_constant_takes_only_its_case() {
    let src = servlet(
        "    String v = req.getParameter(\"v\");\n    Level lv = Level.LOW;\n    switch (lv) {\n      case HIGH: out.print(v); break;\n      case LOW: out.print(\"low\"); break;\n      default: out.print(v);\n    }\n    switch (lv) {\n      case LOW -> out.print(v);\n      case HIGH -> out.print(\"high\");\n    }\n    String s = switch (lv) { case HIGH -> v; default -> { yield \"x\"; } };\n    out.print(s);\n    String t = switch (Level.HIGH) { case HIGH: yield v; default: yield \"x\"; };\n    out.print(t);\n    if (lv == Level.HIGH) { out.print(v); }\n    int n = 3;\n    if (n == Level.MAX) { out.print(v); }",
    );
    // Only the LOW arrow case (line 12), the HIGH switch expression (18) and the comparison
    // of a number with a constant that may not be an enum (21: not folded).
    assert_eq!(lines("java-xss", &src), vec![12, 18, 21]);
}

#[test]
fn jsp_findings_stand_at_their_place_in_the_page() {
    let page = "<%@ page import=\"java.sql.*\" %>\n<html>\n<%\n  String id = request.getParameter(\"id\");\n  Statement st = conn.createStatement();\n  st.executeQuery(\"SELECT * FROM t WHERE id=\" + id);\n%>\n  <b><%= id %></b> <i>${param.name}</i>\n</html>\n";
    let out = common::scan(Default::default(), &[("web/page.jsp", page)]);
    let mut got: Vec<(&str, usize, usize)> = out
        .findings
        .iter()
        .map(|f| {
            (
                f.rule_id.as_str(),
                f.location.start_line,
                f.location.start_col,
            )
        })
        .collect();
    got.sort();
    // Columns count from 1: the query call, the `<%= id %>`, and the `${…}`.
    assert_eq!(
        got,
        vec![
            ("sast/java-sql-injection", 6, 3),
            ("sast/java-xss", 8, 6),
            ("sast/java-xss", 8, 23),
        ]
    );
    let sql = out
        .findings
        .iter()
        .find(|f| f.rule_id == "sast/java-sql-injection")
        .unwrap();
    assert_eq!(sql.trace[0].location.start_line, 4);
    assert_eq!(sql.trace[0].location.start_col, 15);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn a_jsp_page_with_broken_markup_is_analysed_as_far_as_possible() {
    let page = "<html><% String a = request.getParameter(\"a\"); %>\n<p><%= a %>\n<% if (a != null) { %>\n<i>${param.x</i>\n<a href=\"<%= a";
    let out = common::scan(Default::default(), &[("web/broken.jsp", page)]);
    let lines: Vec<usize> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == "sast/java-xss")
        .map(|f| f.location.start_line)
        .collect();
    assert!(lines.contains(&2), "{lines:?}");
}
