//! The project-wide view of the SAST engine's `finish` pass: module names of the project's
//! files (what imports, same-package calls and Java classes resolve to), and callee summaries
//! across files, with the modules and texts that were not kept lowered or read again.

use super::*;

/// Module names of the project's files: `py:a.b.c` (and its suffixes), `js:dir/file`,
/// `go:dir/function`, `java:package.Class`.
pub(super) fn project_names(units: &[Unit]) -> HashMap<String, usize> {
    let mut by_name = HashMap::new();
    for (i, u) in units.iter().enumerate() {
        let stem = strip_ext(u.text.path());
        match u.lang {
            Lang::Python => {
                let stem = stem.strip_suffix("/__init__").unwrap_or(stem);
                let parts: Vec<&str> = stem.split('/').collect();
                for k in 0..parts.len() {
                    by_name
                        .entry(format!("py:{}", parts[k..].join(".")))
                        .or_insert(i);
                }
            }
            Lang::Java => {
                let pkg = u.package.as_deref().unwrap_or("");
                for (member, _) in &u.top {
                    if let Some((class, _)) = member.split_once('.') {
                        by_name
                            .entry(crate::taint::java_calls::class_key(pkg, class))
                            .or_insert(i);
                    }
                }
            }
            // A page is called by no other file.
            Lang::Jsp => {}
            Lang::Go => {
                let dir = u.text.path().rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                for (name, _) in &u.top {
                    by_name.entry(format!("go:{dir}/{name}")).or_insert(i);
                }
            }
            _ => {
                by_name.insert(format!("js:{stem}"), i);
                if let Some(dir) = stem.strip_suffix("/index") {
                    by_name.insert(format!("js:{dir}"), i);
                }
            }
        }
    }
    by_name
}

/// Which units the project pass must analyse again (by unit index): a unit whose code matched a
/// taint source, and every unit that reaches one through the calls into other files it made in
/// the per-file pass. Sources are matched on the syntax and every function of a file is
/// evaluated in the per-file pass, so a unit that reaches none cannot get input taint from the
/// project (its calls resolve the same in both passes; Java follows calls only with input): its
/// project analysis would find nothing, as its per-file analysis did, and is skipped.
pub(super) fn reaching_sources(
    units: &[Unit],
    book: &RuleBook,
    by_name: &HashMap<String, usize>,
) -> Vec<bool> {
    let project = Project::new(units, book, by_name);
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); units.len()];
    for (i, u) in units.iter().enumerate() {
        let Some(d) = &u.deferred else { continue };
        for (imp, member) in &d.asked {
            if let Some((f, _)) = project.resolve(u.text.path(), imp, Some(member))
                && f != i
            {
                callers[f].push(i);
            }
        }
    }
    let mut needed: Vec<bool> = units.iter().map(|u| u.has_source).collect();
    let mut stack: Vec<usize> = (0..units.len()).filter(|&i| needed[i]).collect();
    while let Some(f) = stack.pop() {
        for &c in &callers[f] {
            if !needed[c] {
                needed[c] = true;
                stack.push(c);
            }
        }
    }
    needed
}

type SummaryCache = HashMap<(usize, FuncId), Option<Arc<Summary>>>;

/// The project-wide view used in `finish` (one per thread): modules by name, and summaries
/// across files.
pub(super) struct Project<'a> {
    pub(super) units: &'a [Unit],
    pub(super) book: &'a RuleBook,
    pub(super) by_name: &'a HashMap<String, usize>,
    pub(super) cache: RefCell<SummaryCache>,
    /// Modules lowered again (their IR was not kept), most recently used last.
    pub(super) modules: RefCell<Vec<(usize, Arc<Module>)>>,
    /// Files read again (their text was not kept), most recently used last.
    pub(super) texts: RefCell<Vec<(usize, Arc<SourceFile>)>>,
    /// The deadline of the file being analysed (callee summaries count towards its time).
    pub(super) deadline: Cell<Instant>,
    pub(super) extra: RefCell<Vec<(usize, Vec<RawFinding>)>>,
    /// Callee files whose text was dropped and could not be read again as scanned.
    pub(super) unreadable: RefCell<Vec<usize>>,
    /// Summaries answered as unknown or computed from a partial state so far (a cross-file
    /// recursion, a time limit, an unreadable file, an analyzer's `cut`): while it does not
    /// move, the summaries an analyzer computes are those a fresh analyzer would, and are
    /// remembered for other callers (`remember`).
    pub(super) cuts: Cell<u64>,
    /// Whether summaries computed on the way are remembered (`project_shortcuts`).
    pub(super) remembers: bool,
}

fn strip_ext(p: &str) -> &str {
    for ext in [
        ".py", ".pyw", ".tsx", ".ts", ".mts", ".cts", ".jsx", ".js", ".mjs", ".cjs",
    ] {
        if let Some(s) = p.strip_suffix(ext) {
            return s;
        }
    }
    p
}

impl<'a> Project<'a> {
    pub(super) fn new(
        units: &'a [Unit],
        book: &'a RuleBook,
        by_name: &'a HashMap<String, usize>,
    ) -> Project<'a> {
        Project {
            units,
            book,
            by_name,
            cache: RefCell::new(HashMap::new()),
            modules: RefCell::new(Vec::new()),
            texts: RefCell::new(Vec::new()),
            deadline: Cell::new(Instant::now()),
            extra: RefCell::new(Vec::new()),
            unreadable: RefCell::new(Vec::new()),
            cuts: Cell::new(0),
            remembers: true,
        }
    }

    /// Counts a summary answered as unknown or computed from a partial state.
    fn cut(&self) {
        self.cuts.set(self.cuts.get() + 1);
    }

    /// Remembers the summaries `a` (an analyzer of unit `file`) computed, when none of them
    /// depends on the order they were asked in (no cut since `cuts_before`): the callers of
    /// those functions in other files then use them instead of computing them again.
    fn remember(&self, file: usize, a: &Analyzer<'_>, cuts_before: u64) {
        if !self.remembers
            || a.cut
            || a.timed_out
            || a.too_deep.is_some()
            || self.cuts.get() != cuts_before
        {
            return;
        }
        let mut cache = self.cache.borrow_mut();
        for (j, s) in a.summaries() {
            cache.entry((file, j)).or_insert_with(|| Some(s.clone()));
        }
    }

    /// The text of a project file: kept from the per-file pass, or read again (`None` if it can
    /// no longer be read, or changed).
    pub(super) fn text(&self, i: usize) -> Option<Arc<SourceFile>> {
        let u = self.units.get(i)?;
        if let KeptText::Memory(f) = &u.text {
            return Some(f.clone());
        }
        let mut lru = self.texts.borrow_mut();
        if let Some(p) = lru.iter().position(|(j, _)| *j == i) {
            let e = lru.remove(p);
            let f = e.1.clone();
            lru.push(e);
            return Some(f);
        }
        let f = u.text.load()?;
        lru.push((i, f.clone()));
        let mut total: usize = lru.iter().map(|(_, f)| f.content.len()).sum();
        while lru.len() > 1 && total > TEXT_CACHE_BYTES {
            total -= lru[0].1.content.len();
            lru.remove(0);
        }
        Some(f)
    }

    /// The IR of a project file: kept from the per-file pass, or lowered again (`None` if it
    /// no longer parses within the deadline, or its text cannot be read again).
    pub(super) fn module(&self, i: usize) -> Option<Arc<Module>> {
        let u = &self.units[i];
        if let Some(m) = &u.module {
            return Some(m.clone());
        }
        {
            let mut lru = self.modules.borrow_mut();
            if let Some(p) = lru.iter().position(|(j, _)| *j == i) {
                let e = lru.remove(p);
                let m = e.1.clone();
                lru.push(e);
                return Some(m);
            }
        }
        let text = self.text(i)?;
        let m = Arc::new(parse_and_lower(u.lang, &text.content, self.deadline.get()).ok()?);
        let mut lru = self.modules.borrow_mut();
        lru.push((i, m.clone()));
        let mut total: usize = lru.iter().map(|(j, _)| self.units[*j].nodes).sum();
        while lru.len() > 1 && total > MODULE_CACHE_NODES {
            total -= self.units[lru[0].0].nodes;
            lru.remove(0);
        }
        Some(m)
    }

    /// The taint analysis of a deferred file, with calls into other files followed; `needed`
    /// is false when it reaches no source through the project (`reaching_sources`); `views`
    /// are the Django views a URL conf says it defines (`engine/django.rs`).
    pub(super) fn analyse_unit(
        &self,
        i: usize,
        needed: bool,
        bounds: Bounds,
        views: Option<&[super::django::View]>,
    ) -> Outcome {
        let u = &self.units[i];
        if let Some(d) = &u.deferred
            && views.is_none()
            && (!needed
                || d.asked
                    .iter()
                    .all(|(imp, member)| self.resolve(u.text.path(), imp, Some(member)).is_none()))
        {
            // No call resolves into the project, or no source can be reached: the analysis
            // would go exactly as it did.
            return Outcome {
                unit: i,
                findings: d.findings.clone(),
                timed_out: false,
                panicked: false,
                unreadable: false,
            };
        }
        let Some(file) = self.text(i) else {
            return Outcome {
                unit: i,
                findings: Vec::new(),
                timed_out: false,
                panicked: false,
                unreadable: true,
            };
        };
        if self.cache.borrow().len() > MAX_CACHED_SUMMARIES {
            self.cache.borrow_mut().clear();
        }
        let budget = bounds.timeout.saturating_sub(u.spent);
        let deadline = Instant::now() + budget;
        self.deadline.set(deadline);
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let Some(mut module) = self.module(i) else {
                return (Vec::new(), true);
            };
            if let Some(v) = views {
                let mut marked = (*module).clone();
                super::django::mark_views(&mut marked, v);
                module = Arc::new(marked);
            }
            let ix = self.book.index(u.lang.family());
            let cuts_before = self.cuts.get();
            let mut a = Analyzer::new(
                &module,
                &file,
                &self.book.rules,
                ix,
                Some(self),
                Limits {
                    deadline: Some(deadline),
                },
            );
            a.run_taint();
            self.remember(i, &a, cuts_before);
            (std::mem::take(&mut a.findings), a.timed_out)
        }));
        match r {
            Ok((findings, timed_out)) => Outcome {
                unit: i,
                findings,
                timed_out,
                panicked: false,
                unreadable: false,
            },
            Err(_) => Outcome {
                unit: i,
                findings: Vec::new(),
                timed_out: false,
                panicked: true,
                unreadable: false,
            },
        }
    }

    pub(super) fn module_file(&self, from: &str, imp: &Import) -> Option<usize> {
        let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        if imp.module.starts_with('.') {
            let p = rampart_core::paths::join(dir, &imp.module);
            return self.by_name.get(&format!("js:{}", strip_ext(&p))).copied();
        }
        if from.ends_with(".py") {
            if imp.level > 0 {
                let mut base: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
                for _ in 1..imp.level {
                    base.pop();
                }
                let mut name = base.join(".");
                if !imp.module.is_empty() {
                    if !name.is_empty() {
                        name.push('.');
                    }
                    name.push_str(&imp.module);
                }
                return self.by_name.get(&format!("py:{name}")).copied();
            }
            return self.by_name.get(&format!("py:{}", imp.module)).copied();
        }
        None
    }

    pub(super) fn top_function(&self, file: usize, name: &str) -> Option<FuncId> {
        self.units[file]
            .top
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, i)| *i)
    }
}

impl ProjectResolver for Project<'_> {
    fn file(&self, file: usize) -> Option<Arc<SourceFile>> {
        self.text(file)
    }

    fn resolve(&self, from: &str, imp: &Import, member: Option<&str>) -> Option<(usize, FuncId)> {
        if from.ends_with(".go") && imp.module.is_empty() {
            // Go: a function of another file of the same package (folder).
            let dir = from.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let name = member?;
            let file = *self.by_name.get(&format!("go:{dir}/{name}"))?;
            if self.units[file].text.path() == from {
                return None;
            }
            return self.top_function(file, name).map(|f| (file, f));
        }
        if from.ends_with(".java") {
            // Java: `Class.method` of a class imported or of the same package; a static
            // import names the method itself (`import static a.Sql.clean;`).
            let member = member?;
            let (key, func) = match member.split_once('.') {
                Some((class, _)) => (
                    crate::taint::java_calls::class_key(&imp.module, class),
                    member.to_string(),
                ),
                None => {
                    let class = imp.module.rsplit('.').next()?;
                    (format!("java:{}", imp.module), format!("{class}.{member}"))
                }
            };
            let file = *self.by_name.get(&key)?;
            if self.units[file].text.path() == from {
                return None;
            }
            return self.top_function(file, &func).map(|f| (file, f));
        }
        let file = self.module_file(from, imp)?;
        let name = member?;
        if let Some(f) = self.top_function(file, name) {
            return Some((file, f));
        }
        // `from pkg import mod; mod.f(...)` arrives here as module `pkg.mod`, member `f`
        // (`taint/modules.rs`).
        None
    }

    fn summary(&self, file: usize, func: FuncId) -> Option<Arc<Summary>> {
        if let Some(s) = self.cache.borrow().get(&(file, func)) {
            if s.is_none() {
                self.cut();
            }
            return s.clone();
        }
        self.cache.borrow_mut().insert((file, func), None);
        let u = &self.units[file];
        let Some(text) = self.text(file) else {
            self.unreadable.borrow_mut().push(file);
            self.cache.borrow_mut().remove(&(file, func));
            self.cut();
            return None;
        };
        let Some(module) = self.module(file) else {
            self.cache.borrow_mut().remove(&(file, func));
            self.cut();
            return None;
        };
        let cuts_before = self.cuts.get();
        let ix = self.book.index(u.lang.family());
        let mut a = Analyzer::new(
            &module,
            &text,
            &self.book.rules,
            ix,
            Some(self),
            Limits {
                deadline: Some(self.deadline.get()),
            },
        );
        let s = a.summary(func);
        if a.timed_out {
            // A partial summary is used by the file that ran out of time, not remembered.
            self.cache.borrow_mut().remove(&(file, func));
        } else {
            self.cache.borrow_mut().insert((file, func), s.clone());
            // The other functions of the file it summarised on the way.
            self.remember(file, &a, cuts_before);
        }
        if a.cut || a.timed_out || a.too_deep.is_some() || s.is_none() {
            self.cut();
        }
        let found = std::mem::take(&mut a.findings);
        if !found.is_empty() {
            self.extra.borrow_mut().push((file, found));
        }
        s
    }
}
