//! Matching installed versions against OSV ranges, with exact OSV semantics, and merging
//! advisories that are aliases of each other into one vulnerability.

use crate::db::{Affected, Database, EventKind, RangeKind};
use crate::ecosystem::Ecosystem;
use crate::version::{compare, semver_cmp};
use rampart_core::Severity;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

fn cmp(eco: Ecosystem, kind: RangeKind, a: &str, b: &str) -> Ordering {
    match kind {
        RangeKind::Semver => semver_cmp(a, b),
        RangeKind::Ecosystem => compare(eco, a, b),
    }
}

/// Whether `version` is affected according to one affected entry: listed in `versions`, or
/// inside a SEMVER/ECOSYSTEM range. Events are evaluated in version order: `introduced`
/// (`0` = from the start) opens, `fixed` closes at that version, `last_affected` closes after
/// it, and `limit` bounds the range from above.
pub fn is_affected(eco: Ecosystem, version: &str, a: &Affected) -> bool {
    if a.versions
        .iter()
        .any(|v| v == version || compare(eco, v, version) == Ordering::Equal)
    {
        return true;
    }
    a.ranges.iter().any(|r| {
        let mut events: Vec<_> = r.events.iter().collect();
        let in_order = events.windows(2).all(|w| {
            (w[0].kind == EventKind::Introduced && w[0].version == "0")
                || cmp(eco, r.kind, &w[0].version, &w[1].version) != Ordering::Greater
        });
        if !in_order {
            events.sort_by(|x, y| {
                let zx = x.kind == EventKind::Introduced && x.version == "0";
                let zy = y.kind == EventKind::Introduced && y.version == "0";
                match (zx, zy) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    _ => cmp(eco, r.kind, &x.version, &y.version),
                }
            });
        }
        let mut affected = false;
        for e in &events {
            match e.kind {
                EventKind::Introduced => {
                    if e.version == "0" || cmp(eco, r.kind, version, &e.version) != Ordering::Less {
                        affected = true;
                    }
                }
                EventKind::Fixed => {
                    if cmp(eco, r.kind, version, &e.version) != Ordering::Less {
                        affected = false;
                    }
                }
                EventKind::LastAffected => {
                    if cmp(eco, r.kind, version, &e.version) == Ordering::Greater {
                        affected = false;
                    }
                }
                EventKind::Limit => {}
            }
        }
        let under_limit = events
            .iter()
            .filter(|e| e.kind == EventKind::Limit && e.version != "*")
            .all(|e| cmp(eco, r.kind, version, &e.version) == Ordering::Less);
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
    let hits: Vec<&Affected> = entries
        .iter()
        .filter(|a| is_affected(eco, version, a))
        .collect();
    if hits.is_empty() {
        return (Vec::new(), None);
    }
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
            for r in &a.ranges {
                for e in &r.events {
                    if e.kind == EventKind::Fixed
                        && cmp(eco, r.kind, &e.version, version) == Ordering::Greater
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
    let fix = smallest_fix(eco, version, &vulns, entries);
    (vulns, fix)
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
            vulns.iter().all(|v| {
                v.advisories.iter().all(|adv| {
                    by_adv
                        .get(adv)
                        .is_none_or(|list| list.iter().all(|a| !is_affected(eco, c, a)))
                })
            })
        })
        .cloned()
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
