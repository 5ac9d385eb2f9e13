//! Facts: what one engine publishes reaches the `finish` of engines that read facts, whatever
//! order the engines were given in.

use rampart_core::scan::{self, ScanOptions};
use rampart_core::{
    Emitter, Engine, EngineSession, Fact, Facts, Finding, HttpRoute, Location, RuleMeta,
    ScanContext, SourceFile,
};

fn route(file: &str, line: usize, path: &str) -> Fact {
    Fact::HttpRoute(HttpRoute {
        file: file.into(),
        line,
        method: "GET".into(),
        path: path.into(),
        framework: "test".into(),
    })
}

/// Publishes a route for every `ROUTE /x` line of `.py` files, and one more in `finish`.
struct Publisher;
impl Engine for Publisher {
    fn name(&self) -> &'static str {
        "pub"
    }
    fn rules(&self) -> &[RuleMeta] {
        &[]
    }
    fn wants(&self, path: &str) -> bool {
        path.ends_with(".py")
    }
    fn start(&self, _ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        Ok(Box::new(PubSession))
    }
}
struct PubSession;
impl EngineSession for PubSession {
    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        for (i, l) in file.text().lines().enumerate() {
            if let Some(p) = l.strip_prefix("ROUTE ") {
                out.fact(route(&file.path, i + 1, p));
            }
        }
    }
    fn finish(self: Box<Self>, out: &mut Emitter) {
        out.fact(route("late.py", 1, "/late"));
    }
}

/// Reports one finding per route it was given, at the route's place, with the path as message.
struct Reader(Vec<RuleMeta>, bool);
impl Engine for Reader {
    fn name(&self) -> &'static str {
        "read"
    }
    fn rules(&self) -> &[RuleMeta] {
        &self.0
    }
    fn wants(&self, _path: &str) -> bool {
        false
    }
    fn reads_facts(&self) -> bool {
        self.1
    }
    fn start(&self, _ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        Ok(Box::new(ReadSession(&self.0[0])))
    }
}
struct ReadSession<'a>(&'a RuleMeta);
impl EngineSession for ReadSession<'_> {
    fn scan_file(&self, _file: &SourceFile, _out: &mut Emitter) {}
    fn finish_with_facts(self: Box<Self>, facts: &Facts, out: &mut Emitter) {
        for r in facts.routes() {
            out.finding(Finding::at(
                self.0,
                Location::line(&r.file, r.line),
                r.path.clone(),
            ));
        }
    }
}

fn routes_seen(reads: bool) -> Vec<(String, usize, String)> {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("b.py"), "x\nROUTE /b\n").unwrap();
    std::fs::write(root.join("a.py"), "ROUTE /a\nROUTE /admin\n").unwrap();
    std::fs::write(root.join("late.py"), "x\n").unwrap();
    let reader = Reader(
        vec![rampart_core::testing::rule("read/route", "route")],
        reads,
    );
    // The reader comes first: the driver still finishes it after the publisher.
    let r = scan::run(
        &[&reader, &Publisher],
        &ScanOptions::new(root),
        &scan::NoProgress,
    )
    .unwrap();
    assert_eq!(r.engines, ["read", "pub"], "reported in the order given");
    let mut v: Vec<_> = r
        .findings
        .iter()
        .map(|f| {
            (
                f.location.path.clone(),
                f.location.start_line,
                f.message.clone(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn readers_finish_after_publishers_and_see_every_fact() {
    assert_eq!(
        routes_seen(true),
        [
            ("a.py".to_string(), 1, "/a".to_string()),
            ("a.py".to_string(), 2, "/admin".to_string()),
            ("b.py".to_string(), 2, "/b".to_string()),
            ("late.py".to_string(), 1, "/late".to_string()),
        ]
    );
}

#[test]
fn engines_that_do_not_read_facts_get_none() {
    assert!(routes_seen(false).is_empty());
}

#[test]
fn rule_examples_carry_facts_to_the_engine() {
    let mut meta = rampart_core::testing::rule("read/route", "route");
    meta.examples = vec![rampart_core::Example {
        text: "model".into(),
        expect: true,
        path: Some("m.yaml".into()),
        facts: vec![route("a.py", 3, "/x")],
    }];
    let reader = Reader(vec![meta], true);
    let out = rampart_core::testing::scan_text_with_facts(&reader, "m.yaml", "", &[]);
    assert!(out.findings.is_empty());
    let problems = rampart_core::testing::check_rule_examples(&reader, &|_| "m.yaml".into());
    assert!(
        problems.iter().all(|p| !p.contains("does not fire")),
        "{problems:?}"
    );
}
