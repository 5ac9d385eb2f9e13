//! Framework behaviour that needs more than a pattern: Vue single-file components (scripts and
//! `v-html` bindings, at their places in the file), data passed to promise and observable
//! callbacks, Django views named by a URL conf, FastAPI HTML responses.

mod common;

use rampart_core::{Emitter, Engine, Finding};
use rampart_sast::SastEngine;

/// Scans `files` as one project; each must be a file the engine asks for.
fn scan(files: &[(&str, &str)]) -> Emitter {
    for (p, _) in files {
        assert!(SastEngine::new().wants(p), "{p}");
    }
    common::scan(Default::default(), files)
}

fn of<'a>(out: &'a Emitter, rule: &str) -> Vec<&'a Finding> {
    let mut v: Vec<&Finding> = out
        .findings
        .iter()
        .filter(|f| f.rule_id == format!("sast/{rule}"))
        .collect();
    v.sort_by_key(|f| (f.location.path.clone(), f.location.start_line));
    v
}

fn lines(out: &Emitter, rule: &str) -> Vec<(String, usize)> {
    of(out, rule)
        .iter()
        .map(|f| (f.location.path.clone(), f.location.start_line))
        .collect()
}

const VUE_SETUP: &str = "<!-- mentions <script setup> in a comment -->
<template>
  <div>
    <p v-html=\"msg\"></p>
    <p v-html=\"welcome\"></p>
  </div>
</template>

<script setup lang=\"ts\">
import { useRoute } from 'vue-router'
const route = useRoute()
const msg: string = route.query.msg as string
const welcome = '<b>hi</b>'
</script>
";

#[test]
fn vue_v_html_is_reported_at_the_binding_in_the_original_file() {
    let out = scan(&[("src/Msg.vue", VUE_SETUP)]);
    let found = of(&out, "js-xss");
    assert_eq!(found.len(), 1, "{:?}", out.findings);
    let f = found[0];
    // The binding `v-html="msg"`: line 4, column 8.
    assert_eq!((f.location.start_line, f.location.start_col), (4, 8));
    let first = &f.trace[0];
    // The source, in the script: `useRoute()` on line 11.
    assert_eq!(first.location.start_line, 11, "{:?}", f.trace);
    assert_eq!(first.location.path, "src/Msg.vue");
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
}

#[test]
fn vue_options_api_template_names_are_the_instance() {
    let src = "<template>
  <div v-html=\"body\"></div>
  <div v-html=\"safe\"></div>
  <div v-html=\"preview\"></div>
</template>
<script>
import axios from 'axios'
export default {
  data() { return { body: '', safe: '' } },
  computed: {
    preview() { return this.$route.query.p },
  },
  async mounted() {
    const { data } = await axios.get('/api/x')
    this.body = data.html
    this.safe = Number(data.n)
  },
}
</script>
";
    assert_eq!(
        lines(&scan(&[("News.vue", src)]), "js-xss"),
        vec![("News.vue".into(), 2), ("News.vue".into(), 4)]
    );
}

#[test]
fn vue_files_without_script_or_with_broken_markup_do_not_fail() {
    for src in [
        "<template><div v-html=\"x\"></div></template>\n",
        "<template>\n<div v-html=\"x\n</template>\n<script>\nconst x = location.hash\n",
        "",
        "<script>\n",
    ] {
        let out = scan(&[("Broken.vue", src)]);
        assert!(of(&out, "js-xss").is_empty(), "{src:?}: {:?}", out.findings);
    }
}

#[test]
fn then_callback_receives_the_response() {
    let src = "export function show(el) {
  fetch('/api/m')
    .then((r) => r.json())
    .then((d) => { el.innerHTML = d.html; });
}
export function quiet(el) {
  Promise.resolve('<b>x</b>').then((h) => { el.innerHTML = h; });
}
";
    let out = scan(&[("a.js", src)]);
    let found = of(&out, "js-xss");
    assert_eq!(found.len(), 1, "{:?}", out.findings);
    assert_eq!(found[0].location.start_line, 4);
    assert!(
        found[0]
            .trace
            .iter()
            .any(|s| s.message.contains("passed to the `then` callback as `d`")),
        "{:?}",
        found[0].trace
    );
}

#[test]
fn subscribe_callback_stores_into_the_component() {
    let src = "export class C {
  constructor(private http: HttpClient, private route: ActivatedRoute, private s: DomSanitizer) {}
  load() {
    this.http.get('/api/x').subscribe((d) => { this.html = d; });
    this.route.queryParams.subscribe((p) => { document.body.innerHTML = p.q; });
  }
  show() { return this.s.bypassSecurityTrustHtml(this.html); }
}
";
    assert_eq!(
        lines(&scan(&[("c.ts", src)]), "js-xss"),
        vec![("c.ts".into(), 5), ("c.ts".into(), 7)]
    );
}

#[test]
fn promises_and_observables_of_unknown_apis_given_input() {
    // A source's observable through `pipe` still carries input; an unknown API given input
    // answers with its own data; `fetch` is a source whatever its URL.
    let src = "export class C {
  constructor(private route: ActivatedRoute, private api: Api) {}
  load() {
    this.route.queryParams.pipe(debounceTime(10)).subscribe((p) => { document.body.innerHTML = p.q; });
    this.api.lookup({ id: this.route.snapshot.params.id }).subscribe((r) => { document.body.innerHTML = r.html; });
    fetch('/x?q=' + this.route.snapshot.params.id).then((r) => r.text()).then((t) => { document.body.innerHTML = t; });
  }
}
";
    assert_eq!(
        lines(&scan(&[("c.ts", src)]), "js-xss"),
        vec![("c.ts".into(), 4), ("c.ts".into(), 6)]
    );
}

const VIEWS: &str = "from django.db import connection
from django.http import HttpResponse

def show(req, slug):
    cursor = connection.cursor()
    cursor.execute(\"SELECT * FROM p WHERE slug = '%s'\" % slug)
    return HttpResponse('<p>' + req.GET['q'] + '</p>')

def by_id(req, pk):
    connection.cursor().execute('SELECT * FROM p WHERE id = ' + pk)
";

#[test]
fn django_url_conf_makes_views_of_its_targets() {
    let urls = "from django.urls import path\nfrom . import views\nurlpatterns = [\n    path('p/<slug>/', views.show),\n    path('i/<int:pk>/', views.by_id),\n]\n";
    let out = scan(&[("blog/urls.py", urls), ("blog/views.py", VIEWS)]);
    assert_eq!(
        lines(&out, "python-sql-injection"),
        vec![("blog/views.py".into(), 6)]
    );
    assert_eq!(lines(&out, "python-xss"), vec![("blog/views.py".into(), 7)]);
    // Without the URL conf, nothing says these functions are views.
    let alone = scan(&[("blog/views.py", VIEWS)]);
    assert!(lines(&alone, "python-sql-injection").is_empty());
    assert!(lines(&alone, "python-xss").is_empty());
}

#[test]
fn fastapi_html_responses() {
    let src = "from fastapi import FastAPI
from fastapi.responses import HTMLResponse
app = FastAPI()

@app.get('/a')
def a(name: str) -> HTMLResponse:
    return '<h1>' + name + '</h1>'

@app.get('/b')
def b(name: str):
    return HTMLResponse(content='<h1>' + name + '</h1>')

@app.get('/c')
def c(name: str):
    return '<h1>' + name + '</h1>'
";
    assert_eq!(
        lines(&scan(&[("app.py", src)]), "python-xss"),
        vec![("app.py".into(), 7), ("app.py".into(), 11)]
    );
}

#[test]
fn methods_see_each_other_whatever_order_they_are_analysed_in() {
    // `preview` reads `this.…` first, which collects the class's fields by analysing its other
    // methods, `m` among them, while `preview` itself is still being analysed.
    let src = "class A {\n  preview() { return this.$route.query.p }\n  m() { document.write(this.preview()) }\n}\n";
    assert_eq!(
        lines(&scan(&[("a.js", src)]), "js-xss"),
        vec![("a.js".into(), 3)]
    );
}
