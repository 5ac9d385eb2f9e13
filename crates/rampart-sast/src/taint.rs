//! The taint analysis on the IR: a per-function abstract interpretation with constant
//! propagation and dead-branch pruning, key-sensitive access paths, and function summaries
//! (within a file, and across files through a [`ProjectResolver`]). Values and traces are in
//! [`value`], calls in `calls`; the structural rules are in [`crate::search`].

mod callbacks;
mod calls;
mod env;
mod guards;
pub(crate) mod java_calls;
mod modules;
mod position;
pub(crate) use modules::module_of;
mod scopes;
pub mod value;
mod written;

pub use crate::finding::{RawFinding, SinkAt};
use crate::index::Role;
pub use crate::index::{Index, RuleSet};
use crate::ir::*;
use crate::pattern::{Ctx, Match, NodeRef};
use crate::rules::Rule;
use rampart_core::{SourceFile, TraceStep};
use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::thread::LocalKey;
use std::time::Instant;
use value::{At, fold, snippet_of, step, trace_nodes, truthy};
pub use value::{Label, Msg, OWN_FILE, Origin, Trace, Value};

/// A function's effect on taint, as seen by its callers.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// What the return value carries: sources inside the function, and parameters.
    pub ret: Vec<Label>,
    /// Parameters that reach a sink, for which rules, how, and the sink.
    pub param_sinks: Vec<(u16, RuleSet, Arc<Trace>, SinkAt)>,
}

/// A resolved callee: a local function, or a summary of another project file (with the file's
/// index), and whether the receiver is passed as `self`.
type Resolved = (Option<FuncId>, Option<(Arc<Summary>, u32)>, bool);

/// A function of another file of the project.
pub trait ProjectResolver {
    /// The file and function `member` of module `imp` imported into `from`, if it is in the project.
    fn resolve(&self, from: &str, imp: &Import, member: Option<&str>) -> Option<(usize, FuncId)>;
    /// The summary of a function of another file.
    fn summary(&self, file: usize, func: FuncId) -> Option<Arc<Summary>>;
    /// A project file, by index (for trace locations).
    fn file(&self, file: usize) -> Option<Arc<SourceFile>>;
}

thread_local! {
    /// Summaries being computed on this thread, nested (calls followed depth-first).
    static SUMMARY_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Statements and expressions being evaluated on this thread, nested (in all the summaries
    /// being computed): the recursion depth of the analysis.
    static NESTING: Cell<u32> = const { Cell::new(0) };
}

/// Deepest nesting of summaries computed on demand (guards the stack on long call chains).
pub const MAX_SUMMARY_DEPTH: u32 = 24;

/// Deepest nesting of statements and expressions evaluated on a thread, summaries included;
/// deeper code is evaluated as an unknown value. The lowering's depth bound keeps one function
/// well within it; this bounds the sum over a chain of summaries computed on demand.
pub const MAX_NESTING: u32 = 600;

/// Past this nesting, a call's summary is not computed (the call is treated as unknown), so
/// that the callee has the rest of [`MAX_NESTING`] for itself.
const SUMMARY_NESTING: u32 = MAX_NESTING / 2;

/// One level of a thread's nesting counter ([`SUMMARY_DEPTH`], [`NESTING`]), left when dropped
/// (also when a panic unwinds).
struct Level(&'static LocalKey<Cell<u32>>);

impl Level {
    /// Enters a level of `counter`; `None` at `max` or when the stack is nearly used up
    /// ([`crate::stack`]).
    fn enter(counter: &'static LocalKey<Cell<u32>>, max: u32) -> Option<Level> {
        let n = counter.get();
        if n >= max || crate::stack::low() {
            return None;
        }
        counter.set(n + 1);
        Some(Level(counter))
    }
}

impl Drop for Level {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// Limits that stop the analysis of one file.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// When to give up.
    pub deadline: Option<Instant>,
}

/// Analyses one lowered file.
pub struct Analyzer<'a> {
    module: &'a Module,
    file: &'a SourceFile,
    _rules: &'a [Rule],
    ix: &'a Index,
    project: Option<&'a dyn ProjectResolver>,
    limits: Limits,
    summaries: Vec<Option<Arc<Summary>>>,
    in_progress: Vec<bool>,
    /// How many times a callee's summary was asked for while it was being computed (a call
    /// cycle: that call is treated as unknown).
    blocked: u64,
    /// Whether a function's summary met such a callee (it depends on one still in progress).
    partial: Vec<bool>,
    /// Findings so far.
    pub findings: Vec<RawFinding>,
    /// Set when the time limit was hit.
    pub timed_out: bool,
    /// Whether a call resolved into another project file.
    pub used_project: bool,
    /// Whether a source pattern matched anywhere in what was evaluated (sources are matched on
    /// the syntax, so a file none of whose code matched one cannot create input taint, whatever
    /// its calls resolve to: the project pass skips it when no file it calls has one either).
    pub saw_source: bool,
    /// Whether some summary was computed from a partial state (a call cut at a recursion,
    /// depth or nesting bound, an enclosing function or method still in progress, instance
    /// fields read): then the summaries of this analyzer depend on the order they were asked
    /// in, and are not reused outside it (see `Project::summary`).
    pub cut: bool,
    /// Java: whether the call being resolved has input (source taint) in an argument or its
    /// receiver (calls into other files are followed only then: see `taint/java_calls.rs`).
    call_tainted: bool,
    /// The first place evaluated as unknown because it was nested deeper than [`MAX_NESTING`].
    pub too_deep: Option<Span>,
    /// The last expression a source pattern matched (a promise's receiver call that is itself
    /// a source, `fetch(u).then(…)`, is told apart from one fed input: `taint/callbacks.rs`).
    last_source: Option<Span>,
    steps: u32,
    /// Tainted values (from sources) stored in functions that have nested functions, by path:
    /// what closures see of their enclosing scopes.
    captured: HashMap<FuncId, HashMap<String, Value>>,
    /// Tainted values stored in `self.x`/`this.x` by any method, per class (instance state is
    /// shared by all methods, whatever order they run in).
    fields: HashMap<ClassId, HashMap<String, Value>>,
    fields_done: Vec<bool>,
    /// Nesting of field collections (`env.rs` `outer_value`) under way.
    collecting_fields: u32,
    /// Per class: its fields are being collected (what is read of them is not complete yet).
    fields_busy: Vec<bool>,
    /// Bumped whenever input is stored in a field.
    fields_version: u64,
    /// The functions whose field reads started the collections under way, with
    /// `fields_version` then.
    collect_triggers: Vec<(FuncId, u64)>,
    /// Summaries kept from a collection that met incomplete state, to be dropped when their
    /// trigger's analysis ends if it turns out to matter: (trigger, version, function).
    provisional: Vec<(FuncId, u64, FuncId)>,
    /// Set when the analysis met something incomplete: a summary wanted of a function being
    /// analysed (a recursive call), or fields read while they are being collected.
    cut_short: bool,
    has_children: Vec<bool>,
    /// The module's functions by place, for the function around a trace step.
    scopes: scopes::Scopes,
}

struct Frame<'a> {
    func: FuncId,
    env: BTreeMap<String, Value>,
    ret: Value,
    param_sinks: Vec<(u16, RuleSet, Arc<Trace>, SinkAt)>,
    /// Enclosing functions and statements, outermost first (for `pattern-inside`).
    anc: Vec<NodeRef<'a>>,
}

const MUTATORS: &[&str] = &[
    "append",
    "extend",
    "insert",
    "add",
    "addAll",
    "addFirst",
    "addLast",
    "offer",
    "putAll",
    "update",
    "push",
    "unshift",
    "set",
    "setdefault",
    "appendleft",
    "write",
    "put",
    // Go: `strings.Builder`/`bytes.Buffer` writes, `url.Values`/`http.Header` adds and sets.
    "WriteString",
    "Write",
    "WriteByte",
    "WriteRune",
    "Add",
    "Set",
];

impl<'a> Analyzer<'a> {
    /// A new analyzer for `module`, lowered from `file`.
    pub fn new(
        module: &'a Module,
        file: &'a SourceFile,
        rules: &'a [Rule],
        ix: &'a Index,
        project: Option<&'a dyn ProjectResolver>,
        limits: Limits,
    ) -> Analyzer<'a> {
        let n = module.functions.len();
        Analyzer {
            module,
            file,
            _rules: rules,
            ix,
            project,
            limits,
            summaries: vec![None; n],
            in_progress: vec![false; n],
            blocked: 0,
            partial: vec![false; n],
            findings: Vec::new(),
            timed_out: false,
            used_project: false,
            saw_source: false,
            last_source: None,
            cut: false,
            call_tainted: false,
            too_deep: None,
            steps: 0,
            captured: HashMap::new(),
            fields: HashMap::new(),
            fields_done: vec![false; module.classes.len()],
            collecting_fields: 0,
            fields_busy: vec![false; module.classes.len()],
            fields_version: 0,
            collect_triggers: Vec::new(),
            provisional: Vec::new(),
            cut_short: false,
            scopes: scopes::Scopes::new(module),
            has_children: {
                let mut v = vec![false; n];
                for f in &module.functions {
                    if let Some(p) = f.parent
                        && p < n
                    {
                        v[p] = true;
                    }
                }
                v
            },
        }
    }

    fn ctx(&self) -> Ctx<'a> {
        Ctx {
            module: self.module,
            src: &self.file.content,
        }
    }

    /// Where `s` is, for a trace step: this file, and the function around it.
    fn at(&self, s: Span) -> At {
        (OWN_FILE, s, self.scopes.function_at(self.module, s))
    }

    /// A trace as reported: locations and messages rendered.
    fn trace_steps(&self, t: &Arc<Trace>) -> Vec<TraceStep> {
        let mut out = Vec::new();
        // The project file of the previous step, read once for a run of steps in it.
        let mut other: Option<(u32, Arc<SourceFile>)> = None;
        for n in trace_nodes(t) {
            let f: &SourceFile = if n.file == OWN_FILE {
                self.file
            } else {
                if other.as_ref().is_none_or(|(i, _)| *i != n.file) {
                    other = self
                        .project
                        .and_then(|p| p.file(n.file as usize))
                        .map(|f| (n.file, f));
                }
                match &other {
                    Some((_, f)) => f,
                    None => continue,
                }
            };
            let message = match &n.msg {
                Msg::Text(s) => s.clone(),
                Msg::Untrusted => format!("untrusted input `{}`", snippet_of(f, n.span)),
                Msg::Reaches => format!("reaches `{}`", snippet_of(f, n.span)),
            };
            out.push(TraceStep {
                location: f.location(n.span.range()),
                message,
                function: n.func.as_deref().map(str::to_string),
            });
        }
        out
    }

    /// The summaries computed so far, by function.
    pub fn summaries(&self) -> impl Iterator<Item = (FuncId, &Arc<Summary>)> {
        self.summaries
            .iter()
            .enumerate()
            .filter_map(|(f, s)| s.as_ref().map(|s| (f, s)))
    }

    /// Runs every taint rule over every function.
    pub fn run_taint(&mut self) {
        if self.ix.taint_rules.is_empty() {
            return;
        }
        for f in 0..self.module.functions.len() {
            if self.timed_out {
                break;
            }
            self.summary(f);
        }
    }

    /// The summary of a function of this module, computed on demand (its findings are recorded).
    pub fn summary(&mut self, f: FuncId) -> Option<Arc<Summary>> {
        if let Some(s) = &self.summaries[f] {
            return Some(s.clone());
        }
        if self.in_progress[f] {
            self.blocked += 1;
            self.cut_short = true;
            self.cut = true;
            return None;
        }
        // Summaries are computed depth-first through calls (also into other files): a long
        // chain of calls is cut, the deepest call being treated as unknown.
        if NESTING.get() >= SUMMARY_NESTING {
            self.cut = true;
            return None;
        }
        let Some(nested) = Level::enter(&SUMMARY_DEPTH, MAX_SUMMARY_DEPTH) else {
            self.cut = true;
            return None;
        };
        self.in_progress[f] = true;
        let blocked = self.blocked;
        let outer = std::mem::replace(&mut self.cut_short, false);
        let s = Arc::new(self.analyze_function(f));
        let cut = self.cut_short;
        self.cut_short = outer || cut;
        self.in_progress[f] = false;
        self.partial[f] = self.blocked > blocked;
        drop(nested);
        self.summaries[f] = Some(s.clone());
        // A summary made while collecting a class's fields that met something incomplete (a
        // method calling the method whose field read started the collection, or reading fields
        // still being collected) is provisional: it is dropped, to be made again when next
        // needed, if by the end of the trigger's analysis input was stored in a field or the
        // trigger's own summary carries input or reaches a sink.
        if cut
            && self.collecting_fields > 0
            && let Some(&(t, v)) = self.collect_triggers.last()
        {
            self.provisional.push((t, v, f));
        }
        if self.provisional.iter().any(|(t, _, _)| *t == f) {
            let matters =
                s.ret.iter().any(|l| l.origin == Origin::Source) || !s.param_sinks.is_empty();
            let version = self.fields_version;
            let mut dropped = Vec::new();
            self.provisional.retain(|&(t, v, m)| {
                if t != f {
                    return true;
                }
                if matters || v != version {
                    dropped.push(m);
                }
                false
            });
            for m in dropped {
                self.summaries[m] = None;
            }
        }
        Some(s)
    }

    /// Analyses `f` again with its first parameter also carrying `seed` (input passed to a
    /// callback, `taint/callbacks.rs`): its findings are recorded, the summary is not cached.
    /// `None` when `f` is being analysed already or the nesting bounds are reached.
    fn seeded_summary(&mut self, f: FuncId, seed: Value) -> Option<Summary> {
        if self.in_progress[f] || NESTING.get() >= SUMMARY_NESTING {
            return None;
        }
        let nested = Level::enter(&SUMMARY_DEPTH, MAX_SUMMARY_DEPTH)?;
        self.in_progress[f] = true;
        let s = self.analyze_function_with(f, Some(seed));
        self.in_progress[f] = false;
        drop(nested);
        Some(s)
    }

    fn analyze_function(&mut self, fid: FuncId) -> Summary {
        self.analyze_function_with(fid, None)
    }

    /// Analyses `fid`; `seed` is input its first parameter carries besides its label.
    fn analyze_function_with(&mut self, fid: FuncId, mut seed: Option<Value>) -> Summary {
        let module = self.module;
        let func = &module.functions[fid];
        // The enclosing function first: what it stores is what this closure captures.
        if let Some(p) = func.parent
            && p != fid
            && self.summaries[p].is_none()
        {
            if self.in_progress[p] {
                self.cut = true;
            } else {
                self.summary(p);
            }
        }
        let mut fr = Frame {
            func: fid,
            env: BTreeMap::new(),
            ret: Value::default(),
            param_sinks: Vec::new(),
            anc: Vec::new(),
        };
        let mut chain = Vec::new();
        let mut cur = Some(fid);
        while let Some(c) = cur {
            if c == 0 || chain.len() > 32 {
                break;
            }
            chain.push(NodeRef::Func(&module.functions[c]));
            cur = module.functions[c].parent;
        }
        chain.reverse();
        fr.anc = chain;
        // Parameters: symbolic labels for the summary, plus parameter sources.
        let ctx = self.ctx();
        let mut param_sources: Vec<(Span, RuleSet)> = Vec::new();
        for &e in &self.ix.func_sources {
            let entry = &self.ix.entries[e];
            if let Some(m) = entry.formula.eval(NodeRef::Func(func), &[], &ctx) {
                let spans: Vec<Span> = match m.focus {
                    Some(s) => vec![s],
                    None => func.params.iter().map(|p| p.span).collect(),
                };
                self.saw_source = true;
                for s in spans {
                    param_sources.push((s, entry.rules));
                }
            }
        }
        for (i, p) in func.params.iter().enumerate() {
            let mut v = Value::default();
            if fid != 0 && i < u16::MAX as usize {
                v.labels.push(Label {
                    origin: Origin::Param(i as u16),
                    rules: RuleSet::ALL,
                    trace: step(
                        None,
                        self.at(p.span),
                        Msg::Text(format!("parameter `{}`", p.name)),
                    ),
                });
            }
            for (s, rules) in &param_sources {
                if p.span.contains(*s) || s.contains(p.span) {
                    v.labels.push(Label {
                        origin: Origin::Source,
                        rules: *rules,
                        trace: step(
                            None,
                            self.at(p.span),
                            Msg::Text(format!("untrusted input enters as parameter `{}`", p.name)),
                        ),
                    });
                }
            }
            if i == 0
                && let Some(sv) = seed.take()
            {
                v.add_labels(&sv.labels);
            }
            if let Some(d) = &p.default {
                let dv = self.eval(&mut fr, d);
                v.join(&Value {
                    labels: dv.labels,
                    konst: None,
                });
                v.konst = None;
            }
            fr.env.insert(p.name.clone(), v);
        }
        self.exec_block(&mut fr, &func.body);
        let mut s = Summary {
            ret: fr.ret.labels,
            param_sinks: fr.param_sinks,
        };
        s.param_sinks.truncate(32);
        s
    }

    fn tick(&mut self) -> bool {
        self.steps = self.steps.wrapping_add(1);
        if self.steps.is_multiple_of(512)
            && let Some(d) = self.limits.deadline
            && Instant::now() > d
        {
            self.timed_out = true;
        }
        !self.timed_out
    }

    /// Runs statements; returns whether control can fall off the end.
    fn exec_block(&mut self, fr: &mut Frame<'a>, stmts: &'a [Stmt]) -> bool {
        for s in stmts {
            if !self.tick() {
                return false;
            }
            if !self.exec(fr, s) {
                return false;
            }
        }
        true
    }

    fn join_env(a: &mut BTreeMap<String, Value>, b: &BTreeMap<String, Value>) {
        for (k, v) in b {
            match a.get_mut(k) {
                Some(x) => x.join(v),
                None => {
                    let mut v = v.clone();
                    v.konst = None;
                    a.insert(k.clone(), v);
                }
            }
        }
        for (k, v) in a.iter_mut() {
            if !b.contains_key(k) {
                v.konst = None;
            }
        }
    }

    fn exec(&mut self, fr: &mut Frame<'a>, s: &'a Stmt) -> bool {
        let Some(_level) = Level::enter(&NESTING, MAX_NESTING) else {
            self.too_deep.get_or_insert(s.span);
            return true;
        };
        fr.anc.push(NodeRef::Stmt(s));
        let r = self.exec_stmt(fr, s);
        fr.anc.pop();
        r
    }

    fn exec_stmt(&mut self, fr: &mut Frame<'a>, s: &'a Stmt) -> bool {
        match &s.kind {
            StmtKind::Assign { target, value } => {
                self.assign(fr, target, value, s);
                true
            }
            StmtKind::Expr(e) => {
                self.eval(fr, e);
                true
            }
            StmtKind::Return(e) => {
                if let Some(e) = e {
                    let mut v = self.eval(fr, e);
                    if v.tainted() && fr.func != 0 {
                        let name = &self.module.functions[fr.func].name;
                        let loc = self.at(e.span);
                        for l in &mut v.labels {
                            l.trace = step(
                                Some(&l.trace),
                                loc.clone(),
                                Msg::Text(format!("returned from `{name}`")),
                            );
                        }
                    }
                    fr.ret.join(&v);
                }
                false
            }
            StmtKind::If { cond, then, els } => {
                let c = self.eval(fr, cond);
                match c.konst.as_ref().map(truthy) {
                    Some(true) => self.exec_block(fr, then),
                    Some(false) => self.exec_block(fr, els),
                    None => {
                        let facts = self.guards_of(fr, cond);
                        let saved = fr.env.clone();
                        guards::clean_branch(&mut fr.env, &facts, true);
                        let t = self.exec_block(fr, then)
                            && (facts.is_empty()
                                || !guards::ends_in_throw(then, &self.file.content));
                        let then_env = std::mem::replace(&mut fr.env, saved);
                        guards::clean_branch(&mut fr.env, &facts, false);
                        let e = self.exec_block(fr, els)
                            && (facts.is_empty()
                                || !guards::ends_in_throw(els, &self.file.content));
                        match (t, e) {
                            (true, true) => Self::join_env(&mut fr.env, &then_env),
                            (true, false) => fr.env = then_env,
                            (false, true) => {}
                            (false, false) => return false,
                        }
                        true
                    }
                }
            }
            StmtKind::Loop { target, iter, body } => {
                let it = self.eval(fr, iter);
                if target.is_none() && it.konst.as_ref().is_some_and(|k| !truthy(k)) {
                    return true;
                }
                for _ in 0..2 {
                    let before = fr.env.clone();
                    if let Some(t) = target {
                        let mut v = it.clone();
                        v.konst = None;
                        self.store(fr, t, v);
                    }
                    self.exec_block(fr, body);
                    Self::join_env(&mut fr.env, &before);
                }
                true
            }
            StmtKind::Func(_) | StmtKind::Class(_) | StmtKind::Import(_) => true,
        }
    }

    /// Assignment patterns (sinks like `$E.innerHTML = $X`).
    fn check_stmt(&mut self, fr: &mut Frame<'_>, s: &Stmt, v: &Value) {
        if self.ix.wildcard.is_empty() || !v.tainted() {
            return;
        }
        let ctx = self.ctx();
        let cands: Vec<usize> = self.ix.wildcard.clone();
        for e in cands {
            let entry = &self.ix.entries[e];
            if entry.role != Role::Sink {
                continue;
            }
            if let Some(m) = entry.formula.eval(NodeRef::Stmt(s), &fr.anc, &ctx) {
                let rules = entry.rules;
                let focus_ok = match (&m.focus, &s.kind) {
                    (Some(f), StmtKind::Assign { value, .. }) => f.contains(value.span),
                    _ => true,
                };
                if focus_ok {
                    self.sink_hit(fr, v, rules, s.span);
                }
            }
        }
    }

    /// Records tainted data reaching a sink: a finding per rule at the sink when it came from a
    /// source (the trace is one path to it), or a parameter-to-sink entry of the function's
    /// summary when it came from a parameter.
    fn record_hit(
        &mut self,
        fr: &mut Frame<'_>,
        origin: &Origin,
        hit: RuleSet,
        trace: Arc<Trace>,
        sink: &SinkAt,
    ) {
        match origin {
            Origin::Source => {
                for bit in hit.iter() {
                    let Some(&gi) = self.ix.taint_rules.get(bit) else {
                        continue;
                    };
                    self.findings.push(RawFinding {
                        rule: gi,
                        file: sink.file,
                        span: sink.span,
                        trace: self.trace_steps(&trace),
                        function: sink.function.to_string(),
                        binds: Vec::new(),
                    });
                }
            }
            Origin::Param(i) => fr.param_sinks.push((*i, hit, trace, sink.clone())),
        }
    }

    fn sink_hit(&mut self, fr: &mut Frame<'_>, v: &Value, rules: RuleSet, span: Span) {
        let loc = self.at(span);
        let msg = Msg::Reaches;
        let sink = SinkAt {
            file: OWN_FILE,
            span,
            function: self.module.functions[fr.func].name.as_str().into(),
        };
        for l in &v.labels {
            let hit = l.rules.and(rules);
            if hit.is_empty() {
                continue;
            }
            let t = step(Some(&l.trace), loc.clone(), msg.clone());
            self.record_hit(fr, &l.origin, hit, t, &sink);
        }
    }

    /// Applies the rule patterns that match `e` to its value.
    fn apply_patterns(
        &mut self,
        fr: &mut Frame<'_>,
        e: &Expr,
        v: &mut Value,
        parts: &[(Span, Value)],
    ) {
        let ctx = self.ctx();
        let key = ctx.key_of(e);
        let ix = self.ix;
        let keyed = key.as_ref().and_then(|k| ix.by_key.get(k));
        let cands = keyed.into_iter().flatten().chain(ix.wildcard.iter());
        let mut sources = Vec::new();
        let mut written = Vec::new();
        for &ei in cands {
            let entry = &ix.entries[ei];
            if entry.func {
                continue;
            }
            let Some(m) = entry.formula.eval(NodeRef::Expr(e), &fr.anc, &ctx) else {
                continue;
            };
            match entry.role {
                Role::Sink => {
                    let mut sinks = sink_values(&m, parts, v);
                    // A focus inside an argument (`{filter: $F}`), or on the receiver of a
                    // method call (`$F.newDocumentBuilder()`): evaluate just that part.
                    if let Some(f) = m.focus
                        && sinks.is_empty()
                        && (parts.iter().any(|(s, _)| s.contains(f)) || is_receiver(e, f))
                        && let Some(sub) = find_expr(e, f)
                    {
                        sinks.push(self.eval(fr, sub));
                    }
                    for sv in sinks {
                        self.sink_hit(fr, &sv, entry.rules, e.span);
                    }
                }
                Role::Sanitizer => match m.focus.filter(|f| *f != e.span) {
                    // Focused on a variable (`$C.setSecure(true)` with focus `$C`): that
                    // variable is clean from here on (a sanitizer by side effect).
                    Some(f) => {
                        if let Some(sub) = find_expr(e, f)
                            && matches!(sub.kind, ExprKind::Name(_) | ExprKind::Attr(..))
                            && let Some(p) = self.path_of(fr, sub)
                            && let Some(ent) = fr.env.get_mut(&p)
                        {
                            ent.sanitize(entry.rules);
                        }
                    }
                    None => v.sanitize(entry.rules),
                },
                Role::Source => {
                    self.saw_source = true;
                    match m.focus.filter(|f| *f != e.span) {
                        // Focused on an argument (`$C.ShouldBindJSON($X)` with focus `$X`):
                        // the call writes the input into that variable (a source by side
                        // effect).
                        Some(f) => written.push((f, entry.rules)),
                        None => sources.push(entry.rules),
                    }
                }
            }
        }
        self.taint_written(fr, e, written);
        if !sources.is_empty() {
            self.last_source = Some(e.span);
        }
        for rules in sources {
            let loc = self.at(e.span);
            let msg = Msg::Untrusted;
            v.add_labels(&[Label {
                origin: Origin::Source,
                rules,
                trace: step(None, loc, msg),
            }]);
        }
    }

    /// The value of a name, field or element. As the base of a longer access (`as_base`), only
    /// what was stored at the place itself counts, not its other fields: after `s.a = taint`,
    /// `s.b` is clean while `s` as a whole is tainted.
    fn eval_place(&mut self, fr: &mut Frame<'_>, e: &Expr, as_base: bool) -> Value {
        let path = self.path_of(fr, e);
        // The base first, so that patterns on it apply (`request.GET` in `request.GET['q']`).
        // An unknown key may be any of the base's keys: then the base is read whole.
        let base = match &e.kind {
            ExprKind::Attr(b, _) | ExprKind::Subscript(b, _) => {
                let mut v = match &b.kind {
                    ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Subscript(..) => {
                        if !self.tick() {
                            return Value::default();
                        }
                        self.eval_place(fr, b, path.is_some())
                    }
                    _ => self.eval(fr, b),
                };
                v.konst = None;
                Some(v)
            }
            _ => None,
        };
        if let ExprKind::Subscript(_, k) = &e.kind
            && !matches!(k.kind, ExprKind::Lit(_))
        {
            let _ = self.eval(fr, k);
        }
        let own = path.and_then(|p| {
            let own = if as_base {
                fr.env.get(&p).cloned()
            } else {
                Self::read_path(fr, &p)
            };
            match own {
                Some(v) => Some(v),
                None if !fr.env.contains_key(root_of(&p))
                    || p.starts_with("self.")
                    || p.starts_with("this.") =>
                {
                    self.outer_value(fr, &p, !as_base)
                }
                None => None,
            }
        });
        let mut v = own.or(base).unwrap_or_default();
        if v.konst.is_none()
            && !v.tainted()
            && self.module.lang == crate::lang::Lang::Java
            && let Some(k) = java_enum_constant(e, fr)
        {
            v.konst = Some(k);
        }
        self.apply_patterns(fr, e, &mut v, &[]);
        v
    }

    fn eval(&mut self, fr: &mut Frame<'_>, e: &Expr) -> Value {
        if !self.tick() {
            return Value::default();
        }
        let Some(_level) = Level::enter(&NESTING, MAX_NESTING) else {
            self.too_deep.get_or_insert(e.span);
            return Value::default();
        };
        match &e.kind {
            ExprKind::Lit(l) => Value::konst(l.clone()),
            ExprKind::Name(_) | ExprKind::Attr(..) | ExprKind::Subscript(..) => {
                self.eval_place(fr, e, false)
            }
            ExprKind::Call(c) => self.eval_call(fr, e, c),
            ExprKind::StrBuild(parts) => {
                let mut v = Value::konst(Lit::Str(String::new()));
                // Rules for which what follows is harmless (`safe-after`, `taint/position.rs`).
                let mut safe = RuleSet::default();
                for p in parts {
                    let mut pv = self.eval(fr, p);
                    if !self.ix.safe_after.is_empty() {
                        pv.sanitize(safe);
                        safe = safe.or(position::rules_known_in(self.ix, p, &pv));
                    }
                    v.add_labels(&pv.labels);
                    v.konst = match (v.konst.take(), pv.konst) {
                        (Some(Lit::Str(a)), Some(Lit::Str(b))) => Some(Lit::Str(a + &b)),
                        _ => None,
                    };
                }
                v
            }
            ExprKind::BinOp(op, a, b) => {
                let av = self.eval(fr, a);
                // Short-circuit on constants: `False and x`, `True or x`.
                if let Some(k) = &av.konst
                    && ((*op == BinOp::And && !truthy(k)) || (*op == BinOp::Or && truthy(k)))
                {
                    return av;
                }
                // Input after a `safe-after` character of the left side's text is harmless for
                // those rules (`taint/position.rs`); Python's `%` maps it per placeholder.
                let percent = match (&av.konst, op) {
                    (Some(Lit::Str(t)), BinOp::Mod) if !self.ix.safe_after.is_empty() => {
                        let t = t.clone();
                        self.eval_percent_args(fr, &t, b)
                    }
                    _ => None,
                };
                let bv = match percent {
                    Some(bv) => bv,
                    None => {
                        let mut bv = self.eval(fr, b);
                        if *op == BinOp::Add {
                            bv.sanitize(position::rules_known_in(self.ix, a, &av));
                        }
                        bv
                    }
                };
                let konst = match (&av.konst, &bv.konst) {
                    (Some(x), Some(y)) => fold(*op, x, y),
                    _ => None,
                };
                let mut v = Value {
                    labels: Vec::new(),
                    konst,
                };
                if !matches!(
                    op,
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                ) {
                    v.add_labels(&av.labels);
                    v.add_labels(&bv.labels);
                }
                self.apply_patterns(fr, e, &mut v, &[(a.span, av), (b.span, bv)]);
                v
            }
            ExprKind::Not(a) => {
                let av = self.eval(fr, a);
                Value {
                    labels: Vec::new(),
                    konst: av.konst.map(|k| Lit::Bool(!truthy(&k))),
                }
            }
            ExprKind::Cond(c, a, b) => {
                let cv = self.eval(fr, c);
                match cv.konst.as_ref().map(truthy) {
                    Some(true) => self.eval(fr, a),
                    Some(false) => self.eval(fr, b),
                    None => {
                        // A guard in the condition holds in one arm (`x if ok(x) else None`).
                        let facts = self.guards_of(fr, c);
                        if facts.is_empty() {
                            let mut v = self.eval(fr, a);
                            let bv = self.eval(fr, b);
                            v.join(&bv);
                            return v;
                        }
                        let saved = fr.env.clone();
                        guards::clean_branch(&mut fr.env, &facts, true);
                        let mut v = self.eval(fr, a);
                        fr.env.clone_from(&saved);
                        guards::clean_branch(&mut fr.env, &facts, false);
                        let bv = self.eval(fr, b);
                        fr.env = saved;
                        v.join(&bv);
                        v
                    }
                }
            }
            ExprKind::Dict(items) => {
                let mut v = Value::default();
                let mut parts = Vec::new();
                for (k, x) in items {
                    let _ = self.eval(fr, k);
                    let xv = self.eval(fr, x);
                    v.add_labels(&xv.labels);
                    parts.push((x.span, xv));
                }
                self.apply_patterns(fr, e, &mut v, &parts);
                v
            }
            ExprKind::List(items) | ExprKind::Unknown(items) => {
                let mut v = Value::default();
                for x in items {
                    let xv = self.eval(fr, x);
                    v.add_labels(&xv.labels);
                }
                v
            }
            ExprKind::Comp(binds, elt) => {
                for (t, it) in binds {
                    let mut iv = self.eval(fr, it);
                    iv.konst = None;
                    self.store(fr, t, iv);
                }
                let mut v = self.eval(fr, elt);
                v.konst = None;
                v
            }
            ExprKind::Func(_) | ExprKind::MetaVar(_) | ExprKind::Ellipsis | ExprKind::Deep(_) => {
                Value::default()
            }
        }
    }
}

/// Java: `Type.NAME` read as an enum constant (`Lit::Enum`), when `Type` is no variable in
/// scope and names a type (upper-case initial) and `NAME` is written as constants are
/// (`RED`, `READ_ONLY`). Only enum constants compare equal to it, so a `static final` field
/// taken for one folds no comparison with a number or a string.
fn java_enum_constant(e: &Expr, fr: &Frame<'_>) -> Option<Lit> {
    let ExprKind::Attr(b, f) = &e.kind else {
        return None;
    };
    let ExprKind::Name(t) = &b.kind else {
        return None;
    };
    let type_like = t.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    let const_like = f.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && f.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    (type_like && const_like && !fr.env.contains_key(t.as_str()))
        .then(|| Lit::Enum(format!("{t}.{f}")))
}

/// The first segment of an access path (`x` of `x.f.g`).
fn root_of(p: &str) -> &str {
    p.split('.').next().unwrap_or(p)
}

/// Whether `s` is the span of the receiver of method call `e`.
fn is_receiver(e: &Expr, s: Span) -> bool {
    matches!(&e.kind, ExprKind::Call(c) if matches!(&c.callee.kind, ExprKind::Attr(b, _) if b.span == s))
}

/// The sub-expression of `e` with exactly span `s`.
fn find_expr(e: &Expr, s: Span) -> Option<&Expr> {
    let mut found = None;
    e.walk(&mut |x| {
        if found.is_none() && x.span == s {
            found = Some(x);
        }
    });
    found
}

/// The values that reach a matched sink: those matched by the focused metavariable, else those
/// in the pattern's holes, else the whole expression.
fn sink_values(m: &Match, parts: &[(Span, Value)], whole: &Value) -> Vec<Value> {
    if let Some(f) = m.focus {
        let hits: Vec<Value> = parts
            .iter()
            .filter(|(s, _)| f.contains(*s))
            .map(|(_, v)| v.clone())
            .collect();
        return hits;
    }
    if parts.is_empty() {
        return vec![whole.clone()];
    }
    parts
        .iter()
        .filter(|(s, _)| m.holes.iter().any(|h| h.contains(*s)))
        .map(|(_, v)| v.clone())
        .collect()
}
