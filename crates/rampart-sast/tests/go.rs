//! Go: the lowering's constructs as the taint analysis sees them (closures, multiple results,
//! methods, `defer`, struct fields, maps and slices, `switch` and type switches, builders),
//! functions of the same package in other files, sanitisers, and bounds.

mod common;

use rampart_core::Emitter;

fn scan(files: &[(&str, &str)]) -> Emitter {
    common::scan(Default::default(), files)
}

use common::places as lines;

const SQL: &str = "sast/go-sql-injection";
const CMD: &str = "sast/go-command-injection";
const PATH: &str = "sast/go-path-traversal";

fn handler(body: &str) -> String {
    format!(
        "package app\n\nimport (\n\t\"database/sql\"\n\t\"fmt\"\n\t\"net/http\"\n\t\"os/exec\"\n\t\"strconv\"\n\t\"strings\"\n)\n\nvar db *sql.DB\n\nfunc handle(w http.ResponseWriter, r *http.Request) {{\n{body}}}\n"
    )
}

fn sql_lines(body: &str) -> Vec<usize> {
    let out = scan(&[("app/h.go", &handler(body))]);
    lines(&out, SQL).into_iter().map(|(_, l)| l).collect()
}

#[test]
fn sprintf_builder_and_concatenation_carry_taint() {
    // Line 15 is the first body line.
    assert_eq!(
        sql_lines(
            "\tname := r.URL.Query().Get(\"n\")\n\tq := fmt.Sprintf(\"SELECT %s\", name)\n\tdb.Query(q)\n"
        ),
        vec![17]
    );
    assert_eq!(
        sql_lines(
            "\tvar b strings.Builder\n\tb.WriteString(\"SELECT \")\n\tb.WriteString(r.FormValue(\"c\"))\n\tdb.Exec(b.String())\n"
        ),
        vec![18]
    );
    assert_eq!(
        sql_lines(
            "\tq := \"SELECT * FROM t WHERE a = '\" + strings.TrimSpace(r.Header.Get(\"X\")) + \"'\"\n\tdb.QueryRow(q)\n"
        ),
        vec![16]
    );
}

#[test]
fn multiple_results_and_numeric_parsing() {
    // `strconv.Atoi` sanitises both results; a plain two-result call keeps the data.
    assert!(
        sql_lines("\tn, err := strconv.Atoi(r.FormValue(\"id\"))\n\t_ = err\n\tdb.Exec(fmt.Sprintf(\"DELETE FROM t WHERE id = %d\", n))\n")
            .is_empty()
    );
    assert_eq!(
        sql_lines(
            "\tc, err := r.Cookie(\"sort\")\n\t_ = err\n\tdb.Query(\"SELECT * FROM t ORDER BY \" + c.Value)\n"
        ),
        vec![17]
    );
}

#[test]
fn closures_defer_and_goroutines_are_followed() {
    assert_eq!(
        sql_lines(
            "\tid := r.PathValue(\"id\")\n\trun := func(q string) {\n\t\tdb.Exec(q)\n\t}\n\trun(\"DELETE FROM t WHERE id = \" + id)\n"
        ),
        // Reported at the sink inside the closure, like any local helper's.
        vec![17]
    );
    assert_eq!(
        sql_lines(
            "\tid := r.PostFormValue(\"id\")\n\tdefer db.Exec(\"DELETE FROM t WHERE id = \" + id)\n"
        ),
        vec![16]
    );
    assert_eq!(
        sql_lines(
            "\tid := r.PostFormValue(\"id\")\n\tgo func() {\n\t\tdb.Exec(\"DELETE FROM t WHERE id = \" + id)\n\t}()\n"
        ),
        vec![17]
    );
}

#[test]
fn struct_fields_maps_and_slices() {
    assert_eq!(
        sql_lines(
            "\ttype req struct{ Name string }\n\tv := req{Name: r.FormValue(\"n\")}\n\tdb.Query(\"SELECT \" + v.Name)\n"
        ),
        vec![17]
    );
    assert_eq!(
        sql_lines(
            "\tm := map[string]string{\"a\": r.FormValue(\"n\")}\n\tdb.Query(\"SELECT \" + m[\"a\"])\n"
        ),
        vec![16]
    );
    assert_eq!(
        sql_lines(
            "\tparts := []string{\"SELECT\", r.FormValue(\"c\")}\n\tdb.Query(strings.Join(parts, \" \"))\n"
        ),
        vec![16]
    );
    // A constant key written with a constant and read under another is not the same value.
    assert!(
        sql_lines("\tm := map[string]string{\"a\": r.FormValue(\"n\"), \"b\": \"name\"}\n\tdb.Query(\"SELECT \" + m[\"b\"])\n")
            .is_empty()
    );
}

#[test]
fn switch_and_type_switch_branches() {
    assert_eq!(
        sql_lines(
            "\tcol := \"name\"\n\tswitch r.FormValue(\"k\") {\n\tcase \"a\":\n\t\tcol = r.FormValue(\"c\")\n\tdefault:\n\t}\n\tdb.Query(\"SELECT \" + col)\n"
        ),
        vec![21]
    );
    assert_eq!(
        sql_lines(
            "\tvar v interface{} = r.FormValue(\"c\")\n\tswitch s := v.(type) {\n\tcase string:\n\t\tdb.Query(\"SELECT \" + s)\n\t}\n"
        ),
        vec![18]
    );
}

#[test]
fn methods_with_receivers_and_returned_values() {
    let src = "package app\n\nimport (\n\t\"net/http\"\n\t\"os/exec\"\n)\n\ntype Server struct{ root string }\n\nfunc (s *Server) tool(r *http.Request) string {\n\treturn r.URL.Query().Get(\"tool\")\n}\n\nfunc helper(r *http.Request) (string, error) {\n\treturn r.FormValue(\"p\"), nil\n}\n\nfunc (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {\n\tp, _ := helper(r)\n\texec.Command(p).Run()\n}\n";
    let out = scan(&[("app/s.go", src)]);
    assert_eq!(lines(&out, CMD), vec![("app/s.go".to_string(), 20)]);
}

#[test]
fn same_package_functions_in_other_files_are_followed() {
    let util = "package app\n\nimport \"os/exec\"\n\nfunc runTool(name string) {\n\texec.Command(\"sh\", \"-c\", name).Run()\n}\n\nfunc clean(s string) string {\n\treturn \"fixed\"\n}\n";
    let main = "package app\n\nimport \"net/http\"\n\nfunc handle(w http.ResponseWriter, r *http.Request) {\n\trunTool(r.FormValue(\"t\"))\n\trunTool(clean(r.FormValue(\"u\")))\n}\n";
    let out = scan(&[("app/main.go", main), ("app/util.go", util)]);
    let found = lines(&out, CMD);
    assert_eq!(found.len(), 1, "{found:?}");
    // Another package (folder) is not the same package.
    let out = scan(&[("app/main.go", main), ("other/util.go", util)]);
    assert!(lines(&out, CMD).is_empty());
}

#[test]
fn gin_context_and_sanitised_paths() {
    let src = "package app\n\nimport (\n\t\"os\"\n\t\"path/filepath\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n\nfunc download(c *gin.Context) {\n\tp := filepath.Join(\"/srv\", c.Param(\"file\"))\n\tos.ReadFile(p)\n\tos.ReadFile(filepath.Join(\"/srv\", filepath.Base(c.Param(\"file\"))))\n}\n";
    let out = scan(&[("app/d.go", src)]);
    assert_eq!(lines(&out, PATH), vec![("app/d.go".to_string(), 12)]);
}

#[test]
fn syntax_errors_and_deep_nesting_are_bounded() {
    let broken = "package app\n\nimport \"net/http\"\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tdb.Query(\"SELECT \" + r.FormValue(\"x\")\n\tif {\n}\n";
    let out = scan(&[("app/b.go", broken)]);
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.message.contains("syntax errors"))
    );
    let deep = format!(
        "package app\n\nvar x = {}1{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let out = scan(&[("app/deep.go", deep.as_str())]);
    assert!(out.findings.is_empty());
}

#[test]
fn binders_taint_the_variable_they_fill() {
    let src = "package app\n\nimport (\n\t\"database/sql\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n\nvar db *sql.DB\n\ntype F struct{ Name string }\n\nfunc h(c *gin.Context) {\n\tvar f F\n\tvar g F\n\tdb.Query(\"SELECT \" + f.Name)\n\tif err := c.ShouldBindJSON(&f); err != nil {\n\t\treturn\n\t}\n\tdb.Query(\"SELECT \" + f.Name)\n\tdb.Query(\"SELECT \" + g.Name)\n\tc.ShouldBindQuery(&g.Name)\n\tdb.Query(\"SELECT \" + g.Name)\n}\n";
    let out = scan(&[("app/h.go", src)]);
    let found: Vec<usize> = lines(&out, SQL).into_iter().map(|(_, l)| l).collect();
    // Before the bind `f` is clean; `g` only once its field is bound.
    assert_eq!(found, vec![20, 23]);
}

#[test]
fn aliased_imports_match_patterns_written_with_the_package_name() {
    let src = "package app\n\nimport (\n\t\"net/http\"\n\tx \"os/exec\"\n\ts \"strings\"\n\t_ \"github.com/lib/pq\"\n)\n\nfunc h(w http.ResponseWriter, r *http.Request) {\n\tx.Command(\"sh\", \"-c\", s.TrimSpace(r.FormValue(\"c\"))).Run()\n\tx.Command(\"ls\").Run()\n}\n";
    let out = scan(&[("app/h.go", src)]);
    assert_eq!(lines(&out, CMD), vec![("app/h.go".to_string(), 11)]);
}
