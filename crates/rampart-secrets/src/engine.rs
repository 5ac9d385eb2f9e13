//! The secrets engine: keyword prefilter, windowed regexes, filters, findings.

use crate::decode;
use crate::error::RuleError;
use crate::filter;
use crate::gate::GateCache;
use crate::prefilter::{HeadHasher, KeywordFilter};
use crate::rule::{self, Rule};
use rampart_core::fingerprint::sha256_hex;
use rampart_core::{
    Emitter, Engine, EngineSession, Finding, RuleMeta, ScanContext, SecretMatch, SourceFile,
};
use std::collections::HashSet;
use std::hash::BuildHasherDefault;
use std::ops::Range;

/// How far around a keyword a one-line rule looks when the line is very long.
const LINE_CUT: usize = 2048;
/// How far after its keyword a one-line secret may end; a later keyword hit this far inside a
/// window already scanned for the same rule needs no new regex run.
const SECRET_REACH: usize = 512;
/// How far around a keyword's line a multi-line rule looks.
const MULTILINE_WINDOW: usize = 8192;

/// File extensions the engine never reads (binary formats).
const BINARY_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "pdf", "zip",
    "gz", "tgz", "bz2", "xz", "zst", "7z", "rar", "jar", "war", "ear", "class", "so", "dylib",
    "dll", "exe", "o", "a", "lib", "obj", "pyc", "pyo", "whl", "woff", "woff2", "ttf", "otf",
    "eot", "mp3", "mp4", "m4a", "wav", "ogg", "flac", "avi", "mov", "mkv", "webm", "sqlite", "db",
    "bin", "dat", "wasm", "node", "rlib", "pdb", "idx", "pack",
];

/// The length of the longest of `BINARY_EXTENSIONS`: a longer extension is none of them.
const LONGEST_BINARY_EXTENSION: usize = {
    let mut longest = 0;
    let mut i = 0;
    while i < BINARY_EXTENSIONS.len() {
        if BINARY_EXTENSIONS[i].len() > longest {
            longest = BINARY_EXTENSIONS[i].len();
        }
        i += 1;
    }
    longest
};

/// The compiled rule set with its keyword automaton.
pub struct SecretsEngine {
    rules: Vec<Rule>,
    metas: Vec<RuleMeta>,
    keywords: KeywordFilter,
    /// For each keyword, the rules that own it.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords (whole-file, path-restricted).
    whole_file: Vec<usize>,
    /// The `paths` globs of the whole-file rules in one set, with the rule of each glob: one
    /// match per file instead of one per rule (most files are named by none of them).
    whole_file_globs: globset::GlobSet,
    /// For each glob of `whole_file_globs`, its rule.
    whole_file_glob_rule: Vec<usize>,
    /// Tells this engine's per-thread gate caches from another engine's.
    id: usize,
}

/// The next engine's `id`.
static NEXT_ENGINE_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

impl SecretsEngine {
    /// The engine with the built-in rules.
    pub fn new() -> SecretsEngine {
        SecretsEngine::builtin().expect("built-in secrets rules are valid (the test suite checks)")
    }

    /// The engine with the built-in rules, or the first invalid rule's error.
    pub fn builtin() -> Result<SecretsEngine, RuleError> {
        SecretsEngine::with_rules(rule::builtin()?)
    }

    /// An engine over these rules.
    pub fn with_rules(rules: Vec<Rule>) -> Result<SecretsEngine, RuleError> {
        let mut seen = HashSet::new();
        for r in &rules {
            if !seen.insert(r.meta.id.clone()) {
                return Err(RuleError::DuplicateId(r.meta.id.clone()));
            }
        }
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut whole_file = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            if r.keywords.is_empty() {
                whole_file.push(i);
            }
            for k in &r.keywords {
                match keywords.iter().position(|x| x == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        keywords.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let mut globs = globset::GlobSetBuilder::new();
        let mut whole_file_glob_rule = Vec::new();
        for &r in &whole_file {
            for g in &rules[r].path_globs {
                let glob = globset::Glob::new(g).map_err(|e| RuleError::Invalid {
                    file: rules[r].meta.id.clone(),
                    problem: format!("path glob `{g}`: {e}"),
                })?;
                globs.add(glob);
                whole_file_glob_rule.push(r);
            }
        }
        let whole_file_globs = globs.build().map_err(|e| RuleError::Invalid {
            file: "(whole-file rules)".into(),
            problem: e.to_string(),
        })?;
        let keywords = KeywordFilter::new(&keywords)?;
        let metas = rules.iter().map(|r| r.meta.clone()).collect();
        Ok(SecretsEngine {
            rules,
            metas,
            keywords,
            keyword_rules,
            whole_file,
            whole_file_globs,
            whole_file_glob_rule,
            id: NEXT_ENGINE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The compiled rules.
    pub fn compiled_rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Finds candidate secrets in `hay`: (rule index, secret range in `hay`). `allowed` says
    /// whether a rule runs on this file at all (switched on, confidence, its `paths`).
    fn candidates(
        &self,
        hay: &[u8],
        allowed: &impl Fn(usize) -> bool,
    ) -> Vec<(usize, Range<usize>)> {
        WINDOWS.with_borrow_mut(|state| {
            state.reset(self.rules.len(), self.id);
            self.candidates_with(hay, allowed, state)
        })
    }

    /// `candidates` with the bookkeeping of windows already run.
    fn candidates_with(
        &self,
        hay: &[u8],
        allowed: &impl Fn(usize) -> bool,
        state: &mut Windows,
    ) -> Vec<(usize, Range<usize>)> {
        for &r in &self.whole_file {
            if allowed(r) {
                self.run(r, hay, 0..hay.len(), state);
            }
        }
        self.keywords.for_each(hay, |kw, start, end| {
            let mut line: Option<Range<usize>> = None;
            let mut line_end: Option<usize> = None;
            for &r in &self.keyword_rules[kw] {
                if !allowed(r) {
                    continue;
                }
                let rule = &self.rules[r];
                if let Some(len) = rule.anchored_len {
                    // Every match starts at a keyword: run from this hit only, to the end of
                    // its line or the longest possible match.
                    let cap = (start + len).min(hay.len());
                    let stop = memchr::memchr(b'\n', &hay[start..cap]).map_or(cap, |p| start + p);
                    if rule
                        .gate
                        .as_ref()
                        .is_none_or(|g| g.passes_with(&hay[..stop], start, &mut state.gates[r].at))
                    {
                        self.run_anchored(r, hay, start..stop, state);
                    }
                    continue;
                }
                let multiline = rule.multiline;
                let reach = if multiline {
                    MULTILINE_WINDOW / 2
                } else {
                    SECRET_REACH
                };
                let prev = &state.last[r];
                if start >= prev.start && end + reach <= prev.end {
                    continue;
                }
                // The gate sees the text to the end of the line, as the regex would, and the
                // byte before the hit if the line has one (look-behind needs no more): the
                // line's start is only looked for once a gate has passed.
                if let Some(g) = &rule.gate {
                    let stop = *line_end.get_or_insert_with(|| line_end_after(hay, end));
                    let from = if start > 0 && hay[start - 1] != b'\n' {
                        start - 1
                    } else {
                        start
                    };
                    if !g.passes_with(&hay[from..stop], start - from, &mut state.gates[r].at) {
                        continue;
                    }
                }
                let l = line
                    .get_or_insert_with(|| line_around(hay, start, end))
                    .clone();
                if let Some(g) = &rule.gate_before
                    && !g.passes_with(&hay[l.clone()], start - l.start, &mut state.gates[r].before)
                {
                    continue;
                }
                let window = if multiline {
                    l.start.saturating_sub(MULTILINE_WINDOW)
                        ..(l.end + MULTILINE_WINDOW).min(hay.len())
                } else {
                    l
                };
                self.run(r, hay, window, state);
            }
        });
        let mut out = std::mem::take(&mut state.out);
        out.sort_by_key(|(r, s)| (s.start, s.end, *r));
        out.dedup();
        out
    }

    /// Runs rule `r` on `window` of `hay` unless it already ran there.
    fn run(&self, r: usize, hay: &[u8], window: Range<usize>, state: &mut Windows) {
        if !state.done.insert((r, window.start)) {
            return;
        }
        if state.last[r].is_empty() {
            state.touched.push(r);
        }
        state.last[r] = window.clone();
        let rule = &self.rules[r];
        let Some((regex, group)) = rule.regex() else {
            return;
        };
        // A window without the run every match holds has no match.
        if rule
            .required_run()
            .is_some_and(|run| !run.found_in(&hay[window.clone()]))
        {
            return;
        }
        let input = regex_automata::Input::new(&hay[window.clone()]);
        for caps in regex.captures_iter(input) {
            let Some(m) = caps.get_group(group).or_else(|| caps.get_group(0)) else {
                continue;
            };
            let span = window.start + m.start..window.start + m.end;
            if self.accept(rule, hay, span.clone()) {
                state.out.push((r, span));
            }
        }
    }

    /// Runs rule `r`, whose matches start at a keyword, on `window` (from a keyword hit): the
    /// first match from the window's start, with the text before it as context for `\b`.
    fn run_anchored(&self, r: usize, hay: &[u8], window: Range<usize>, state: &mut Windows) {
        let rule = &self.rules[r];
        let Some((regex, group)) = rule.regex() else {
            return;
        };
        let mut caps = regex.create_captures();
        regex.search_captures(
            &regex_automata::Input::new(&hay[..window.end]).range(window.start..),
            &mut caps,
        );
        let Some(m) = caps.get_group(group).or_else(|| caps.get_group(0)) else {
            return;
        };
        if self.accept(rule, hay, m.range()) {
            state.out.push((r, m.range()));
        }
    }

    /// Works out, for every whole-file rule, whether its `paths` accept `path` (1: yes, 2: no,
    /// as in `PATH_MATCH`), with one match of the joined set.
    fn whole_file_paths(&self, path: &str, path_match: &[std::cell::Cell<u8>]) {
        if self.whole_file.is_empty() {
            return;
        }
        for &r in &self.whole_file {
            // A rule without globs (possible only for rules built in code) is asked itself.
            let state = if self.rules[r].path_globs.is_empty() {
                0
            } else {
                2
            };
            path_match[r].set(state);
        }
        let candidate = globset::Candidate::new(path);
        if self.whole_file_globs.is_match_candidate(&candidate) {
            for g in self.whole_file_globs.matches_candidate(&candidate) {
                path_match[self.whole_file_glob_rule[g]].set(1);
            }
        }
    }

    fn path_ok(&self, r: usize, path: &str) -> bool {
        self.rules[r]
            .paths
            .as_ref()
            .is_none_or(|g| g.is_match(path))
    }

    /// The filters every candidate (`span` of `hay`) passes: length, entropy, placeholders,
    /// allow list, validator; for contextual rules, code references and natural language.
    fn accept(&self, rule: &Rule, hay: &[u8], span: Range<usize>) -> bool {
        let secret = &hay[span.clone()];
        if secret.len() < rule.min_length.max(1) {
            return false;
        }
        if rule
            .entropy
            .is_some_and(|min| filter::entropy(secret) < min)
        {
            return false;
        }
        let text = String::from_utf8_lossy(secret);
        if filter::is_placeholder(&text) || rule.allow().iter().any(|a| a.is_match(secret)) {
            return false;
        }
        // Natural language only matters where a key name is all the rule knows: a tool's
        // credential file (`paths`) means what it says.
        if rule.contextual
            && (filter::is_code_reference(&text)
                || (rule.paths.is_none() && filter::is_prose(hay, span)))
        {
            return false;
        }
        rule.validator.is_none_or(|v| v.check(&text))
    }
}

impl Default for SecretsEngine {
    fn default() -> Self {
        SecretsEngine::new()
    }
}

/// The line around a keyword hit, cut to `LINE_CUT` bytes on each side.
fn line_around(hay: &[u8], start: usize, end: usize) -> Range<usize> {
    let lo = start.saturating_sub(LINE_CUT);
    let line_start = memchr::memrchr(b'\n', &hay[lo..start]).map_or(lo, |p| lo + p + 1);
    line_start..line_end_after(hay, end)
}

/// The end of the line that goes on at `end`, at most `LINE_CUT` bytes on.
fn line_end_after(hay: &[u8], end: usize) -> usize {
    let hi = (end + LINE_CUT).min(hay.len());
    memchr::memchr(b'\n', &hay[end..hi]).map_or(hi, |p| end + p)
}

/// Regex windows already run during one `candidates` call. Each thread keeps one between
/// calls, so that scanning a file allocates nothing unless it has candidates.
#[derive(Default)]
struct Windows {
    /// (rule, window start) of every regex run.
    done: HashSet<(usize, usize), BuildHasherDefault<HeadHasher>>,
    /// The last window each rule ran on (empty: none yet).
    last: Vec<Range<usize>>,
    /// The rules whose `last` is set.
    touched: Vec<usize>,
    /// Candidates found.
    out: Vec<(usize, Range<usize>)>,
    /// Per rule, this thread's caches for its gates, for the engine `gates_of`.
    gates: Vec<RuleGateCaches>,
    /// The `id` of the engine whose gates `gates` serves (0: none).
    gates_of: usize,
}

/// One thread's caches for one rule's gates.
#[derive(Default)]
struct RuleGateCaches {
    /// For `Rule::gate`.
    at: GateCache,
    /// For `Rule::gate_before`.
    before: GateCache,
}

impl Windows {
    /// Forgets the previous call, for the engine `engine` of `rules` rules (gate caches
    /// stay while the engine does).
    fn reset(&mut self, rules: usize, engine: usize) {
        if self.gates_of != engine {
            self.gates.clear();
            self.gates.resize_with(rules, Default::default);
            self.gates_of = engine;
        }
        self.done.clear();
        for r in self.touched.drain(..) {
            self.last[r] = 0..0;
        }
        if self.last.len() < rules {
            self.last.resize(rules, 0..0);
        }
        self.out.clear();
    }
}

thread_local! {
    static WINDOWS: std::cell::RefCell<Windows> = std::cell::RefCell::default();
    /// Per rule, whether its `paths` globs match the file being scanned (0: not worked out yet,
    /// 1: yes, 2: no).
    static PATH_MATCH: std::cell::Cell<Vec<std::cell::Cell<u8>>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Redacted form of a secret: its first characters and its length.
pub fn redact(secret: &str) -> String {
    let len = secret.chars().count();
    let shown = if len >= 16 { 4 } else { len / 4 };
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…({len} chars)")
}

/// The rule set a session runs: the engine's own, or one extended with user rules.
enum RuleSet<'a> {
    Builtin(&'a SecretsEngine),
    Extended(Box<SecretsEngine>),
}

impl std::ops::Deref for RuleSet<'_> {
    type Target = SecretsEngine;
    fn deref(&self) -> &SecretsEngine {
        match self {
            RuleSet::Builtin(e) => e,
            RuleSet::Extended(e) => e,
        }
    }
}

/// One scan's view of the engine: rule switches and options.
struct Session<'a> {
    engine: RuleSet<'a>,
    enabled: Vec<bool>,
    show_secrets: bool,
}

impl Engine for SecretsEngine {
    fn name(&self) -> &'static str {
        "secrets"
    }

    fn rules(&self) -> &[RuleMeta] {
        &self.metas
    }

    fn wants(&self, path: &str) -> bool {
        let ext = path.rsplit_once('.').map(|(_, e)| e);
        !ext.is_some_and(|e| {
            e.len() <= LONGEST_BINARY_EXTENSION
                && BINARY_EXTENSIONS.iter().any(|b| b.eq_ignore_ascii_case(e))
        })
    }

    fn scans_history(&self) -> bool {
        true
    }

    fn start(&self, ctx: &ScanContext) -> Result<Box<dyn EngineSession + '_>, String> {
        let opts = ctx.engine_options("secrets");
        let mut extra = Vec::new();
        for (key, value) in &opts {
            match key.as_str() {
                "rules" => {
                    let dirs: Vec<String> = match value {
                        toml::Value::String(s) => vec![s.clone()],
                        toml::Value::Array(a) => a
                            .iter()
                            .map(|v| v.as_str().map(str::to_string))
                            .collect::<Option<_>>()
                            .ok_or(
                                "[engines.secrets] rules must be a folder or a list of folders",
                            )?,
                        _ => {
                            return Err(
                                "[engines.secrets] rules must be a folder or a list of folders"
                                    .into(),
                            );
                        }
                    };
                    for d in dirs {
                        extra.extend(rule::load_dir(&ctx.root.join(d)).map_err(|e| e.to_string())?);
                    }
                }
                other => {
                    return Err(format!(
                        "unknown option `{other}` in [engines.secrets]; known: rules"
                    ));
                }
            }
        }
        let engine = if extra.is_empty() {
            RuleSet::Builtin(self)
        } else {
            let mut rules = rule::builtin().map_err(|e| e.to_string())?;
            rules.extend(extra);
            RuleSet::Extended(Box::new(
                SecretsEngine::with_rules(rules).map_err(|e| e.to_string())?,
            ))
        };
        let enabled = engine
            .rules
            .iter()
            .map(|r| ctx.config.rule_enabled(&r.meta.id))
            .collect();
        Ok(Box::new(Session {
            engine,
            enabled,
            show_secrets: ctx.show_secrets,
        }))
    }
}

/// A candidate turned into a finding.
struct Hit {
    rule: usize,
    /// Where to point in the file.
    span: Range<usize>,
    secret: String,
    encoding: Option<&'static str>,
}

impl Session<'_> {
    fn hits(&self, file: &SourceFile) -> Vec<Hit> {
        let e = &*self.engine;
        let high_only =
            filter::is_lock_file(&file.path) || filter::is_minified(&file.path, &file.content);
        // Whether each rule's `paths` globs match this file, worked out at its first keyword hit,
        // not at every hit.
        let mut path_match = PATH_MATCH.take();
        path_match.clear();
        path_match.resize(e.rules.len(), std::cell::Cell::new(0));
        e.whole_file_paths(&file.path, &path_match);
        let allowed = |r: usize| {
            self.enabled[r]
                && (!high_only || e.rules[r].meta.confidence == rampart_core::Confidence::High)
                && match path_match[r].get() {
                    0 => {
                        let ok = e.path_ok(r, &file.path);
                        path_match[r].set(if ok { 1 } else { 2 });
                        ok
                    }
                    known => known == 1,
                }
        };
        let mut hits: Vec<Hit> = e
            .candidates(&file.content, &allowed)
            .into_iter()
            .map(|(rule, span)| Hit {
                rule,
                secret: String::from_utf8_lossy(&file.content[span.clone()]).into_owned(),
                span,
                encoding: None,
            })
            .collect();
        if !high_only {
            let decoded = decode::base64_runs(&file.content)
                .into_iter()
                .chain(decode::percent_lines(&file.content));
            for d in decoded {
                for (rule, span) in e.candidates(&d.bytes, &allowed) {
                    let secret = String::from_utf8_lossy(&d.bytes[span]).into_owned();
                    // An encoded copy of something already found in plain text adds nothing.
                    if hits.iter().any(|h| h.rule == rule && h.secret == secret) {
                        continue;
                    }
                    hits.push(Hit {
                        rule,
                        span: d.span.clone(),
                        secret,
                        encoding: Some(d.encoding),
                    });
                }
            }
        }
        PATH_MATCH.set(path_match);
        resolve_overlaps(hits, &e.rules)
    }
}

/// Where rules match overlapping text, the most specific wins: a rule that knows the secret's
/// own format beats a contextual one (`contextual = true` in its rule file); among contextual
/// rules, higher confidence then severity wins. Format-specific rules never drop each other.
fn resolve_overlaps(hits: Vec<Hit>, rules: &[Rule]) -> Vec<Hit> {
    let rank = |h: &Hit| {
        let r = &rules[h.rule];
        (!r.contextual, r.meta.confidence, r.meta.severity)
    };
    let keep: Vec<bool> = hits
        .iter()
        .map(|h| {
            !rules[h.rule].contextual
                || !hits.iter().any(|o| {
                    o.span.start < h.span.end && h.span.start < o.span.end && rank(o) > rank(h)
                })
        })
        .collect();
    hits.into_iter()
        .zip(keep)
        .filter_map(|(h, k)| k.then_some(h))
        .collect()
}

impl EngineSession for Session<'_> {
    fn extra_rules(&self) -> Vec<RuleMeta> {
        match &self.engine {
            RuleSet::Builtin(_) => Vec::new(),
            RuleSet::Extended(e) => e
                .metas
                .iter()
                .filter(|m| m.tags.iter().any(|t| t == "custom"))
                .cloned()
                .collect(),
        }
    }

    fn scan_file(&self, file: &SourceFile, out: &mut Emitter) {
        let hits = self.hits(file);
        if hits.is_empty() {
            return;
        }
        let example = filter::example_context(&file.path);
        for hit in hits {
            let rule = &self.engine.rules[hit.rule];
            let redacted = if self.show_secrets {
                hit.secret.clone()
            } else {
                redact(&hit.secret)
            };
            let encoded = hit
                .encoding
                .map(|e| format!(" ({e}-encoded)"))
                .unwrap_or_default();
            let mut f = Finding::new(
                &rule.meta,
                file,
                hit.span.clone(),
                format!("{}{encoded}: `{redacted}`", rule.meta.title),
            );
            let sha = sha256_hex(hit.secret.as_bytes());
            f.fingerprint_key = sha.clone();
            f.snippet = redacted.clone();
            f.secret = Some(SecretMatch {
                redacted,
                length: hit.secret.chars().count(),
                sha256: sha,
            });
            if !self.show_secrets {
                f.mask = Some(hit.span.clone());
            }
            if let Some(enc) = hit.encoding {
                f.properties.insert("encoding".into(), enc.into());
            }
            let why = example.or_else(|| {
                (hit.encoding.is_none() && filter::in_doc_comment(&file.content, hit.span.start))
                    .then_some("a documentation comment")
            });
            if let Some(why) = why {
                lower_as_example(&mut f, rule, why);
            }
            out.finding(f);
        }
    }
}

/// Keeps a credential found in a test, fixture, example or documentation file (`why` names
/// which) at lower confidence and at most low severity, saying so in its message, so that
/// neither `--fail-on` nor the default report is drowned by test values. A secret whose
/// format has a checksum (`validate`) keeps its severity: it is a real token wherever it is.
fn lower_as_example(f: &mut Finding, rule: &Rule, why: &str) {
    f.confidence = f.confidence.lowered();
    f.tags.push("test-path".into());
    f.tags.push("example-credential".into());
    f.properties.insert("context".into(), why.into());
    if rule.validator.is_some() {
        f.message
            .push_str(&format!(" (in {why}; its checksum is valid)"));
        return;
    }
    if f.severity > rampart_core::Severity::Low {
        f.severity = rampart_core::Severity::Low;
    }
    f.message.push_str(&format!(
        " (in {why}: likely a test or example value, so low severity)"
    ));
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
