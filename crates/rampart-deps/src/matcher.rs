//! Matching installed versions against OSV ranges, with exact OSV semantics, and merging
//! advisories that are aliases of each other into one vulnerability.

use crate::db::{Affected, Database, EventKind, RangeKind};
use crate::ecosystem::Ecosystem;
use crate::version::{Comparator, Parsed, compare};
use rampart_core::Severity;
use rayon::prelude::*;
use std::cell::OnceCell;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

fn comparator(eco: Ecosystem, kind: RangeKind) -> Comparator {
    match kind {
        RangeKind::Semver => Comparator::Semver,
        RangeKind::Ecosystem => Comparator::Ecosystem(eco),
    }
}

fn is_zero(kind: EventKind, version: &str) -> bool {
    kind == EventKind::Introduced && version == "0"
}

/// The versions of one [`Affected`] entry parsed once, built on first use and kept with it.
#[derive(Default)]
pub struct Prepared(OnceLock<(Ecosystem, Box<PreparedAffected>)>);

impl Clone for Prepared {
    fn clone(&self) -> Prepared {
        Prepared::default() // rebuilt on first use
    }
}

impl PartialEq for Prepared {
    fn eq(&self, _: &Prepared) -> bool {
        true // a cache: never part of an entry's value
    }
}

impl Eq for Prepared {}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared")
    }
}

#[doc(hidden)]
#[derive(Clone)]
pub struct PreparedAffected {
    /// `versions`, parsed with the ecosystem's comparator.
    versions: Vec<Parsed>,
    ranges: Vec<PreparedRange>,
}

#[derive(Clone)]
struct PreparedRange {
    cmp: Comparator,
    /// Every event's version, in the record's order.
    parsed: Vec<Parsed>,
    /// Indexes of the non-`limit` events, in evaluation order.
    order: Vec<usize>,
    /// Indexes of the `limit` events other than `*`.
    limits: Vec<usize>,
}

impl PreparedAffected {
    fn new(eco: Ecosystem, a: &Affected) -> PreparedAffected {
        let ranges = a
            .ranges
            .iter()
            .map(|r| {
                let cmp = comparator(eco, r.kind);
                let parsed: Vec<Parsed> = r.events.iter().map(|e| cmp.parse(&e.version)).collect();
                // Events sorted by the range's comparator (`introduced: 0` first), unless the
                // record already lists them in order.
                let mut order: Vec<usize> = (0..r.events.len()).collect();
                let in_order = order.windows(2).all(|w| {
                    is_zero(r.events[w[0]].kind, &r.events[w[0]].version)
                        || parsed[w[0]].compare(&parsed[w[1]]) != Ordering::Greater
                });
                if !in_order {
                    order.sort_by(|&x, &y| {
                        let zx = is_zero(r.events[x].kind, &r.events[x].version);
                        let zy = is_zero(r.events[y].kind, &r.events[y].version);
                        match (zx, zy) {
                            (true, true) => Ordering::Equal,
                            (true, false) => Ordering::Less,
                            (false, true) => Ordering::Greater,
                            _ => parsed[x].compare(&parsed[y]),
                        }
                    });
                }
                let limits = order
                    .iter()
                    .copied()
                    .filter(|&i| r.events[i].kind == EventKind::Limit && r.events[i].version != "*")
                    .collect();
                order.retain(|&i| r.events[i].kind != EventKind::Limit);
                PreparedRange {
                    cmp,
                    parsed,
                    order,
                    limits,
                }
            })
            .collect();
        let cmp = Comparator::Ecosystem(eco);
        PreparedAffected {
            versions: a.versions.iter().map(|v| cmp.parse(v)).collect(),
            ranges,
        }
    }
}

impl Affected {
    fn prepared(&self, eco: Ecosystem) -> std::borrow::Cow<'_, PreparedAffected> {
        let (e, p) = self
            .prepared
            .0
            .get_or_init(|| (eco, Box::new(PreparedAffected::new(eco, self))));
        if *e == eco {
            std::borrow::Cow::Borrowed(p)
        } else {
            // The same entry evaluated for another ecosystem: not cached.
            std::borrow::Cow::Owned(PreparedAffected::new(eco, self))
        }
    }
}

/// An installed version, parsed at most once per comparator.
pub struct Installed<'a> {
    raw: &'a str,
    eco: Ecosystem,
    by_eco: OnceCell<Parsed>,
    by_semver: OnceCell<Parsed>,
}

impl<'a> Installed<'a> {
    /// `version` of a package of `eco`.
    pub fn new(eco: Ecosystem, version: &'a str) -> Installed<'a> {
        Installed {
            raw: version,
            eco,
            by_eco: OnceCell::new(),
            by_semver: OnceCell::new(),
        }
    }

    fn get(&self, cmp: Comparator) -> &Parsed {
        match cmp {
            Comparator::Semver => self.by_semver.get_or_init(|| cmp.parse(self.raw)),
            Comparator::Ecosystem(_) => self
                .by_eco
                .get_or_init(|| Comparator::Ecosystem(self.eco).parse(self.raw)),
        }
    }
}

/// Whether `version` is affected according to one affected entry: listed in `versions`, or
/// inside a SEMVER/ECOSYSTEM range. Events are evaluated in version order: `introduced`
/// (`0` = from the start) opens, `fixed` closes at that version, `last_affected` closes after
/// it, and `limit` bounds the range from above.
pub fn is_affected(eco: Ecosystem, version: &str, a: &Affected) -> bool {
    is_affected_at(&Installed::new(eco, version), a)
}

/// [`is_affected`] for an already parsed installed version, with the entry's versions parsed
/// once (on first use) and reused.
pub fn is_affected_at(v: &Installed, a: &Affected) -> bool {
    let p = a.prepared(v.eco);
    let by_eco = || v.get(Comparator::Ecosystem(v.eco));
    if a.versions
        .iter()
        .zip(&p.versions)
        .any(|(s, parsed)| s == v.raw || parsed.compare(by_eco()) == Ordering::Equal)
    {
        return true;
    }
    a.ranges.iter().zip(&p.ranges).any(|(r, pr)| {
        let iv = v.get(pr.cmp);
        let mut affected = false;
        for &i in &pr.order {
            let e = &r.events[i];
            match e.kind {
                EventKind::Introduced => {
                    if e.version == "0" || iv.compare(&pr.parsed[i]) != Ordering::Less {
                        affected = true;
                    }
                }
                EventKind::Fixed => {
                    if iv.compare(&pr.parsed[i]) != Ordering::Less {
                        affected = false;
                    }
                }
                EventKind::LastAffected => {
                    if iv.compare(&pr.parsed[i]) == Ordering::Greater {
                        affected = false;
                    }
                }
                EventKind::Limit => {}
            }
        }
        affected
            && pr
                .limits
                .iter()
                .all(|&i| iv.compare(&pr.parsed[i]) == Ordering::Less)
    })
}

/// The reference implementation of [`is_affected`], comparing version strings at every step
/// (slow; kept to check the prepared one against).
#[doc(hidden)]
pub fn is_affected_unprepared(eco: Ecosystem, version: &str, a: &Affected) -> bool {
    let cmp = |kind: RangeKind, x: &str, y: &str| comparator(eco, kind).compare(x, y);
    if a.versions
        .iter()
        .any(|v| v == version || compare(eco, v, version) == Ordering::Equal)
    {
        return true;
    }
    a.ranges.iter().any(|r| {
        let mut events: Vec<_> = r.events.iter().collect();
        let in_order = events.windows(2).all(|w| {
            is_zero(w[0].kind, &w[0].version)
                || cmp(r.kind, &w[0].version, &w[1].version) != Ordering::Greater
        });
        if !in_order {
            events.sort_by(|x, y| {
                match (is_zero(x.kind, &x.version), is_zero(y.kind, &y.version)) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    _ => cmp(r.kind, &x.version, &y.version),
                }
            });
        }
        let mut affected = false;
        for e in &events {
            match e.kind {
                EventKind::Introduced => {
                    if e.version == "0" || cmp(r.kind, version, &e.version) != Ordering::Less {
                        affected = true;
                    }
                }
                EventKind::Fixed => {
                    if cmp(r.kind, version, &e.version) != Ordering::Less {
                        affected = false;
                    }
                }
                EventKind::LastAffected => {
                    if cmp(r.kind, version, &e.version) == Ordering::Greater {
                        affected = false;
                    }
                }
                EventKind::Limit => {}
            }
        }
        let under_limit = events
            .iter()
            .filter(|e| e.kind == EventKind::Limit && e.version != "*")
            .all(|e| cmp(r.kind, version, &e.version) == Ordering::Less);
        affected && under_limit
    })
}

/// One vulnerability of one package: advisories that alias each other merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Vuln {
    /// The id reported (the ecosystem's own id where there is one).
    pub id: String,
    /// Every id and alias, sorted.
    pub ids: Vec<String>,
    /// CVE ids among them.
    pub cves: Vec<String>,
    /// GHSA ids among them.
    pub ghsas: Vec<String>,
    /// Summary.
    pub summary: String,
    /// Advisory link.
    pub url: String,
    /// The CVSS vector the severity comes from.
    pub cvss_vector: Option<String>,
    /// Its computed base score.
    pub cvss_score: Option<f32>,
    /// Severity: from the CVSS score, else the source's word, else medium.
    pub severity: Severity,
    /// In CISA KEV.
    pub kev: bool,
    /// EPSS probability.
    pub epss: Option<f32>,
    /// Fixed versions above the installed one, ascending.
    pub fixed: Vec<String>,
    /// An OSV `MAL-` record: a malicious package.
    pub malicious: bool,
    /// RustSec informational kind (`unmaintained`…), empty otherwise.
    pub informational: String,
    /// Indexes of the merged advisories.
    pub advisories: Vec<u32>,
}

/// Severity from a CVSS base score.
pub fn severity_of_score(score: f32) -> Severity {
    if score >= 9.0 {
        Severity::Critical
    } else if score >= 7.0 {
        Severity::High
    } else if score >= 4.0 {
        Severity::Medium
    } else if score > 0.0 {
        Severity::Low
    } else {
        Severity::Info
    }
}

fn id_rank(id: &str) -> u8 {
    if id.starts_with("CVE-") {
        3
    } else if id.starts_with("GHSA-") {
        2
    } else if id.starts_with("MAL-") {
        0
    } else {
        1
    }
}

/// Every vulnerability affecting `name@version`, and the smallest version that fixes them all
/// (`None` when there is no such version, or nothing to fix).
pub fn match_package(
    db: &Database,
    eco: Ecosystem,
    name: &str,
    version: &str,
) -> (Vec<Vuln>, Option<String>) {
    let entries = db.affected(eco, name);
    if entries.is_empty() || version.is_empty() {
        return (Vec::new(), None);
    }
    let installed = Installed::new(eco, version);
    let hits: Vec<&Affected> = entries
        .iter()
        .filter(|a| is_affected_at(&installed, a))
        .collect();
    if hits.is_empty() {
        return (Vec::new(), None);
    }
    let vulns = merge(db, eco, hits, Some(&installed));
    let fix = smallest_fix(eco, version, &vulns, entries);
    (vulns, fix)
}

/// Every vulnerability whose affected versions meet a declared range (a manifest dependency
/// no lockfile resolves): the package *may* be affected. `fixed` lists every fixed version.
pub fn match_range(db: &Database, name: &str, range: &crate::range::VersionSet) -> Vec<Vuln> {
    let eco = range.ecosystem;
    let hits: Vec<&Affected> = db
        .affected(eco, name)
        .iter()
        .filter(|a| range.intersects(a))
        .collect();
    if hits.is_empty() {
        return Vec::new();
    }
    merge(db, eco, hits, None)
}

/// Advisories sharing an id or alias merged into one [`Vuln`] each; `fixed` holds the fixed
/// versions above `installed` (all of them without one).
fn merge(
    db: &Database,
    eco: Ecosystem,
    hits: Vec<&Affected>,
    installed: Option<&Installed>,
) -> Vec<Vuln> {
    // Union advisories that share an id or alias.
    let mut groups: Vec<(BTreeSet<String>, Vec<&Affected>)> = Vec::new();
    for a in hits {
        let adv = &db.advisories[a.advisory as usize];
        let mut ids: BTreeSet<String> = adv.aliases.iter().cloned().collect();
        ids.insert(adv.id.clone());
        let mut merged = (ids, vec![a]);
        let mut i = 0;
        while i < groups.len() {
            if groups[i].0.iter().any(|x| merged.0.contains(x)) {
                let g = groups.swap_remove(i);
                merged.0.extend(g.0);
                merged.1.extend(g.1);
            } else {
                i += 1;
            }
        }
        groups.push(merged);
    }
    let mut vulns = Vec::new();
    for (ids, affs) in groups {
        let mut advs: Vec<u32> = affs.iter().map(|a| a.advisory).collect();
        advs.sort_unstable();
        advs.dedup();
        let records: Vec<_> = advs.iter().map(|&i| &db.advisories[i as usize]).collect();
        let primary = records
            .iter()
            .map(|r| r.id.as_str())
            .min_by_key(|id| (id_rank(id), id.to_string()))
            .unwrap_or("")
            .to_string();
        let best = records
            .iter()
            .filter(|r| r.cvss_score >= 0.0)
            .max_by(|a, b| {
                a.cvss_score
                    .partial_cmp(&b.cvss_score)
                    .unwrap_or(Ordering::Equal)
            });
        let malicious = records.iter().any(|r| r.id.starts_with("MAL-"));
        let informational = records
            .iter()
            .map(|r| r.informational.clone())
            .find(|s| !s.is_empty())
            .unwrap_or_default();
        let label = records
            .iter()
            .map(|r| r.severity_label.as_str())
            .find(|s| !s.is_empty());
        let severity = if malicious {
            Severity::Critical
        } else if let Some(b) = best {
            severity_of_score(b.cvss_score)
        } else if let Some(l) = label {
            match l {
                "critical" => Severity::Critical,
                "high" => Severity::High,
                "low" => Severity::Low,
                _ => Severity::Medium,
            }
        } else if !informational.is_empty() {
            Severity::Low
        } else {
            Severity::Medium
        };
        let mut fixed: Vec<String> = Vec::new();
        for a in &affs {
            let p = a.prepared(eco);
            for (r, pr) in a.ranges.iter().zip(&p.ranges) {
                for (e, parsed) in r.events.iter().zip(&pr.parsed) {
                    if e.kind == EventKind::Fixed
                        && installed
                            .is_none_or(|i| parsed.compare(i.get(pr.cmp)) == Ordering::Greater)
                        && !fixed.contains(&e.version)
                    {
                        fixed.push(e.version.clone());
                    }
                }
            }
        }
        fixed.sort_by(|a, b| compare(eco, a, b));
        let ids: Vec<String> = ids.into_iter().collect();
        vulns.push(Vuln {
            id: primary,
            cves: ids
                .iter()
                .filter(|i| i.starts_with("CVE-"))
                .cloned()
                .collect(),
            ghsas: ids
                .iter()
                .filter(|i| i.starts_with("GHSA-"))
                .cloned()
                .collect(),
            ids,
            summary: records
                .iter()
                .map(|r| r.summary.clone())
                .find(|s| !s.is_empty())
                .unwrap_or_default(),
            url: records
                .iter()
                .map(|r| r.url.clone())
                .find(|s| !s.is_empty())
                .unwrap_or_default(),
            cvss_vector: best.map(|b| b.cvss_vector.clone()),
            cvss_score: best.map(|b| b.cvss_score),
            severity,
            kev: records.iter().any(|r| r.kev),
            epss: records
                .iter()
                .map(|r| r.epss)
                .filter(|e| *e >= 0.0)
                .reduce(f32::max),
            fixed,
            malicious,
            informational,
            advisories: advs,
        });
    }
    vulns.sort_by(|a, b| a.id.cmp(&b.id));
    vulns
}

/// The smallest candidate fixed version, above `version`, that none of the matched
/// advisories affects.
fn smallest_fix(
    eco: Ecosystem,
    version: &str,
    vulns: &[Vuln],
    entries: &[Affected],
) -> Option<String> {
    let mut candidates: Vec<&String> = vulns.iter().flat_map(|v| v.fixed.iter()).collect();
    candidates.sort_by(|a, b| compare(eco, a, b));
    candidates.dedup();
    let by_adv: HashMap<u32, Vec<&Affected>> = entries.iter().fold(HashMap::new(), |mut m, a| {
        m.entry(a.advisory).or_default().push(a);
        m
    });
    // No version below the largest "first fix" of any single vulnerability can fix them all.
    let floor = vulns
        .iter()
        .filter_map(|v| v.fixed.first())
        .max_by(|a, b| compare(eco, a, b));
    candidates
        .into_iter()
        .filter(|c| compare(eco, c, version) == Ordering::Greater)
        .filter(|c| floor.is_none_or(|f| compare(eco, c, f) != Ordering::Less))
        .find(|c| {
            let candidate = Installed::new(eco, c);
            vulns.iter().all(|v| {
                v.advisories.iter().all(|adv| {
                    by_adv
                        .get(adv)
                        .is_none_or(|list| list.iter().all(|a| !is_affected_at(&candidate, a)))
                })
            })
        })
        .cloned()
}

/// What [`match_package`] found for one package version, shared between its occurrences.
pub type Matched = Arc<(Vec<Vuln>, Option<String>)>;

type Key = (Ecosystem, String, String);

/// Below this many new package versions, matching stays on the calling thread.
const PARALLEL_FROM: usize = 64;

/// Matches packages against the database, each distinct (ecosystem, normalised name, version)
/// once for the life of the cache (one scan), however many lockfiles list it; new versions are
/// matched in parallel when there are many.
#[derive(Default)]
pub struct MatchCache {
    map: Mutex<HashMap<Key, Matched>>,
}

impl MatchCache {
    /// An empty cache.
    pub fn new() -> MatchCache {
        MatchCache::default()
    }

    /// Distinct package versions matched so far.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing was matched yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Matched>> {
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// [`match_package`] for each `(ecosystem, name, version)`, in order.
    pub fn match_all(&self, db: &Database, items: &[(Ecosystem, &str, &str)]) -> Vec<Matched> {
        let keys: Vec<Key> = items
            .iter()
            .map(|&(e, n, v)| (e, e.normalise_name(n), v.to_string()))
            .collect();
        let missing: Vec<&Key> = {
            let map = self.lock();
            let mut seen = std::collections::HashSet::new();
            keys.iter()
                .filter(|k| !map.contains_key(*k) && seen.insert(*k))
                .collect()
        };
        let one = |k: &&Key| ((*k).clone(), Arc::new(match_package(db, k.0, &k.1, &k.2)));
        let computed: Vec<(Key, Matched)> = if missing.len() >= PARALLEL_FROM {
            missing.par_iter().map(one).collect()
        } else {
            missing.iter().map(one).collect()
        };
        let mut map = self.lock();
        for (k, m) in computed {
            map.entry(k).or_insert(m);
        }
        keys.iter().map(|k| map[k].clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Event, Range};

    fn aff(kind: RangeKind, events: &[(EventKind, &str)], versions: &[&str]) -> Affected {
        Affected {
            advisory: 0,
            ranges: vec![Range {
                kind,
                events: events
                    .iter()
                    .map(|(k, v)| Event {
                        kind: *k,
                        version: v.to_string(),
                    })
                    .collect(),
            }],
            versions: versions.iter().map(|s| s.to_string()).collect(),
            prepared: Default::default(),
        }
    }

    #[test]
    fn range_semantics() {
        use EventKind::*;
        let a = aff(
            RangeKind::Semver,
            &[
                (Introduced, "0"),
                (Fixed, "1.2.0"),
                (Introduced, "2.0.0"),
                (Fixed, "2.0.3"),
            ],
            &[],
        );
        let e = Ecosystem::CratesIo;
        assert!(is_affected(e, "1.1.9", &a));
        assert!(!is_affected(e, "1.2.0", &a));
        assert!(!is_affected(e, "1.9.0", &a));
        assert!(is_affected(e, "2.0.2", &a));
        assert!(!is_affected(e, "2.0.3", &a));
        // Events listed out of order are sorted first.
        let b = aff(
            RangeKind::Ecosystem,
            &[(Fixed, "2.0"), (Introduced, "1.0")],
            &[],
        );
        assert!(is_affected(Ecosystem::PyPI, "1.5", &b));
        assert!(!is_affected(Ecosystem::PyPI, "0.9", &b));
        let c = aff(
            RangeKind::Ecosystem,
            &[(Introduced, "1.0"), (LastAffected, "1.4")],
            &[],
        );
        assert!(is_affected(Ecosystem::PyPI, "1.4", &c));
        assert!(!is_affected(Ecosystem::PyPI, "1.4.1", &c));
        let d = aff(
            RangeKind::Ecosystem,
            &[(Introduced, "0"), (Limit, "3.0")],
            &[],
        );
        assert!(is_affected(Ecosystem::PyPI, "2.9", &d));
        assert!(!is_affected(Ecosystem::PyPI, "3.0", &d));
        let v = aff(RangeKind::Ecosystem, &[], &["1.0.0"]);
        assert!(is_affected(Ecosystem::Npm, "1.0.0", &v));
        assert!(!is_affected(Ecosystem::Npm, "1.0.1", &v));
    }
}
