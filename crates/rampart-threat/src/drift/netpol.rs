//! Drift from Kubernetes NetworkPolicies: which pods a policy selects (`podSelector`), which
//! directions it governs (`policyTypes`), and whom its `ingress.from` / `egress.to` rules admit
//! (`podSelector`, `namespaceSelector`, `ipBlock`), compared with the model's assets and links:
//! - `drift-network-policy-open`: a policy opens the pods of an asset the model calls internal
//!   to everyone (an ingress rule without `from`, or an `ipBlock` of `0.0.0.0/0` / `::/0`);
//! - `drift-missing-link`: a policy admits traffic between the pods of two assets that the
//!   model links in neither direction;
//! - `drift-blocked-link`: a model link whose traffic the policies selecting its pods admit from
//!   no rule (a default deny without the allow the link needs).
//!
//! Selectors are matched by `matchLabels`; a `matchExpressions` selector, or a
//! `namespaceSelector` other than `kubernetes.io/metadata.name`, cannot be judged from the
//! files and counts as "may match": it never proves a link exists, and never that it is blocked.
//! Findings sit at the rule or peer line that says it (or at the policy for a blocked link), so
//! `--since` reports a change that opens a boundary without touching the model.

use super::{Drift, Item, asset_for, string_pairs, threat};
use crate::model::{Asset, Model};
use crate::yaml::{Node, Value};

/// Rules read per policy direction, and peers per rule.
pub const MAX_RULES: usize = 256;

/// A label selector: `matchLabels`, and whether it has expressions that cannot be judged.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selector {
    /// `matchLabels` (sorted).
    pub labels: Vec<(String, String)>,
    /// It has `matchExpressions`.
    pub expressions: bool,
}

/// Whether a selector matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Match {
    Yes,
    No,
    Maybe,
}

impl Selector {
    fn read(n: Option<&Node>) -> Selector {
        Selector {
            labels: string_pairs(n.and_then(|n| n.get("matchLabels"))),
            expressions: n.and_then(|n| n.get("matchExpressions")).is_some(),
        }
    }

    fn matches(&self, labels: &[(String, String)]) -> Match {
        if !self.labels.iter().all(|l| labels.contains(l)) {
            Match::No
        } else if self.expressions {
            Match::Maybe
        } else {
            Match::Yes
        }
    }
}

/// One peer of a rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (absent: the policy's namespace).
    Pods {
        /// The pods (absent: every pod of the selected namespaces).
        pods: Option<Selector>,
        /// The namespaces.
        namespaces: Option<Selector>,
        /// Line.
        line: usize,
    },
    /// `ipBlock.cidr`.
    Cidr {
        /// The CIDR.
        cidr: String,
        /// Line.
        line: usize,
    },
}

/// One `ingress` or `egress` rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Line of the rule.
    pub line: usize,
    /// Its `from` / `to` peers; empty admits everyone.
    pub peers: Vec<Peer>,
}

/// A NetworkPolicy.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkPolicy {
    /// File, relative to the scan root.
    pub path: String,
    /// Line of the document.
    pub line: usize,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`.
    pub namespace: Option<String>,
    /// `spec.podSelector` (empty: every pod of the namespace).
    pub selector: Selector,
    /// It governs ingress.
    pub ingress_policy: bool,
    /// It governs egress.
    pub egress_policy: bool,
    /// Ingress rules.
    pub ingress: Vec<Rule>,
    /// Egress rules.
    pub egress: Vec<Rule>,
}

fn rules(n: Option<&Node>, peers_key: &str) -> Vec<Rule> {
    let Some(Value::Seq(rs)) = n.map(|n| &n.value) else {
        return Vec::new();
    };
    rs.iter()
        .take(MAX_RULES)
        .map(|r| {
            let peers = match r.get(peers_key).map(|p| &p.value) {
                Some(Value::Seq(ps)) => ps
                    .iter()
                    .take(MAX_RULES)
                    .filter_map(|p| {
                        if let Some(cidr) = p.get("ipBlock").and_then(|b| b.get("cidr")) {
                            return Some(Peer::Cidr {
                                cidr: cidr.text()?,
                                line: p.line,
                            });
                        }
                        let pods = p.get("podSelector").map(|s| Selector::read(Some(s)));
                        let namespaces =
                            p.get("namespaceSelector").map(|s| Selector::read(Some(s)));
                        (pods.is_some() || namespaces.is_some()).then_some(Peer::Pods {
                            pods,
                            namespaces,
                            line: p.line,
                        })
                    })
                    .collect(),
                _ => Vec::new(),
            };
            Rule {
                line: r.line,
                peers,
            }
        })
        .collect()
}

/// The NetworkPolicy a YAML document describes.
pub fn read(path: &str, doc: &Node) -> Option<NetworkPolicy> {
    if doc.get("kind")?.text()? != "NetworkPolicy" {
        return None;
    }
    let meta = doc.get("metadata")?;
    let spec = doc.get("spec")?;
    let types: Option<Vec<String>> = match spec.get("policyTypes").map(|t| &t.value) {
        Some(Value::Seq(ts)) => Some(ts.iter().filter_map(Node::text).collect()),
        _ => None,
    };
    let has = |t: &str| types.as_ref().map(|ts| ts.iter().any(|x| x == t));
    Some(NetworkPolicy {
        path: path.into(),
        line: doc.line,
        name: meta.get("name")?.text()?,
        namespace: meta.get("namespace").and_then(Node::text),
        selector: Selector::read(spec.get("podSelector")),
        // Without policyTypes: Ingress always, Egress when the policy has egress rules.
        ingress_policy: has("Ingress").unwrap_or(true),
        egress_policy: has("Egress").unwrap_or(spec.get("egress").is_some()),
        ingress: rules(spec.get("ingress"), "from"),
        egress: rules(spec.get("egress"), "to"),
    })
}

fn is_workload(i: &Item) -> bool {
    let kind = i.name.split('/').next().unwrap_or_default();
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod" | "ReplicaSet"
    ) && i.source == super::Source::Kubernetes
}

/// Namespaces agree when both name one and it is the same, or either names none (applied
/// wherever `kubectl` points).
fn same_namespace(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

impl NetworkPolicy {
    fn selects(&self, w: &Item) -> Match {
        if !same_namespace(&self.namespace, &w.namespace) {
            return Match::No;
        }
        self.selector.matches(&w.labels)
    }

    fn peer_matches(&self, peer: &Peer, w: &Item) -> Match {
        match peer {
            Peer::Cidr { .. } => Match::Maybe,
            Peer::Pods {
                pods, namespaces, ..
            } => {
                let ns = match namespaces {
                    None => {
                        if same_namespace(&self.namespace, &w.namespace) {
                            Match::Yes
                        } else {
                            Match::No
                        }
                    }
                    Some(sel) if sel.labels.is_empty() && !sel.expressions => Match::Yes,
                    Some(sel) => {
                        let by_name: Vec<(String, String)> = w
                            .namespace
                            .iter()
                            .map(|n| ("kubernetes.io/metadata.name".to_string(), n.clone()))
                            .collect();
                        let only_name = sel
                            .labels
                            .iter()
                            .all(|(k, _)| k == "kubernetes.io/metadata.name");
                        match sel.matches(&by_name) {
                            Match::Yes if only_name => Match::Yes,
                            Match::No if only_name && w.namespace.is_some() => Match::No,
                            _ => Match::Maybe,
                        }
                    }
                };
                let pod = pods.as_ref().map_or(Match::Yes, |p| p.matches(&w.labels));
                match (ns, pod) {
                    (Match::No, _) | (_, Match::No) => Match::No,
                    (Match::Yes, Match::Yes) => Match::Yes,
                    _ => Match::Maybe,
                }
            }
        }
    }

    /// Whether a rule may admit a peer outside the cluster's modelled workloads.
    fn admits_outside(rule: &Rule) -> bool {
        rule.peers.is_empty()
            || rule.peers.iter().any(|p| match p {
                Peer::Cidr { .. } => true,
                Peer::Pods { namespaces, .. } => namespaces.is_some(),
            })
    }

    fn at(&self) -> String {
        format!("NetworkPolicy/{} ({}:{})", self.name, self.path, self.line)
    }
}

fn open_peer(rule: &Rule) -> Option<(usize, String)> {
    if rule.peers.is_empty() {
        return Some((rule.line, "an ingress rule without `from`".into()));
    }
    rule.peers.iter().find_map(|p| match p {
        Peer::Cidr { cidr, line } if cidr == "0.0.0.0/0" || cidr == "::/0" => {
            Some((*line, format!("ipBlock {cidr}")))
        }
        _ => None,
    })
}

fn linked(model: &Model, a: &str, b: &str) -> bool {
    model
        .links
        .iter()
        .any(|l| (l.source == a && l.target == b) || (l.source == b && l.target == a))
}

/// NetworkPolicy drift of one model.
pub fn compare(model: &Model, items: &[&Item], policies: &[&NetworkPolicy]) -> Vec<Drift> {
    let mut out = Vec::new();
    if policies.is_empty() {
        return out;
    }
    let workloads: Vec<(&Item, Option<&Asset>)> = items
        .iter()
        .filter(|i| is_workload(i))
        .map(|i| (*i, asset_for(model, i)))
        .collect();
    let mut push = |mut t: crate::rules::Threat, path: &str, line: usize, risk| {
        (t.likelihood, t.impact, t.risk) = risk;
        t.line = line;
        out.push(Drift {
            threat: t,
            path: path.into(),
        });
    };
    for p in policies {
        let selected: Vec<&Asset> = workloads
            .iter()
            .filter(|(w, _)| p.selects(w) != Match::No)
            .filter_map(|(_, a)| *a)
            .collect();
        if p.ingress_policy {
            for r in &p.ingress {
                let Some((line, how)) = open_peer(r) else {
                    continue;
                };
                for &a in selected.iter().filter(|a| !a.internet) {
                    let msg = format!(
                        "{} admits everyone to the pods of asset `{}` ({how}, line {line}), but the threat model ({}:{}) says `{}` is internal (internet: false): restrict the rule's `from` or model the exposure",
                        p.at(),
                        a.id,
                        model.path,
                        a.line,
                        a.id
                    );
                    let t = threat(
                        "drift-network-policy-open",
                        "NetworkPolicy opens an asset the threat model calls internal",
                        format!(
                            "drift-network-policy-open@{}@NetworkPolicy/{}",
                            a.id, p.name
                        ),
                        Some(a),
                        msg,
                    );
                    push(t, &p.path, line, (1, 2, 2));
                }
            }
        }
        // Pod-to-pod traffic the policy admits: (peer line, source asset, target asset).
        let mut admitted: Vec<(usize, &Asset, &Asset)> = Vec::new();
        for (dir_rules, governs, inbound) in [
            (&p.ingress, p.ingress_policy, true),
            (&p.egress, p.egress_policy, false),
        ] {
            if !governs {
                continue;
            }
            for r in dir_rules.iter() {
                for peer in &r.peers {
                    let line = match peer {
                        Peer::Pods { line, .. } => *line,
                        Peer::Cidr { .. } => continue,
                    };
                    for (w, wa) in &workloads {
                        let Some(wa) = wa else { continue };
                        if p.peer_matches(peer, w) != Match::Yes {
                            continue;
                        }
                        for s in &selected {
                            let (from, to) = if inbound { (*wa, *s) } else { (*s, *wa) };
                            admitted.push((line, from, to));
                        }
                    }
                }
            }
        }
        for (line, from, to) in admitted {
            if from.id == to.id || linked(model, &from.id, &to.id) {
                continue;
            }
            let msg = format!(
                "{} admits traffic from asset `{}` to asset `{}` (line {line}), but the threat model {} has no link between them: add the link with its protocol, authentication and data, or narrow the policy",
                p.at(),
                from.id,
                to.id,
                model.path
            );
            let t = threat(
                "drift-missing-link",
                "Communication the threat model does not show",
                format!("drift-missing-link@{}@{}", from.id, to.id),
                Some(from),
                msg,
            );
            push(t, &p.path, line, (1, 1, 1));
        }
    }
    // Model links that the policies block.
    for l in &model.links {
        if l.source == l.target {
            continue;
        }
        let of = |id: &str| -> Vec<&Item> {
            workloads
                .iter()
                .filter(|(_, a)| a.is_some_and(|a| a.id == id))
                .map(|(w, _)| *w)
                .collect()
        };
        let (sources, targets) = (of(&l.source), of(&l.target));
        let mut blocked_by: Option<(&NetworkPolicy, &str)> = None;
        // Ingress of the target's pods, then egress of the source's pods.
        for (governed, peers_of, inbound) in
            [(&targets, &sources, true), (&sources, &targets, false)]
        {
            if governed.is_empty() || blocked_by.is_some() {
                continue;
            }
            let governing: Vec<&&NetworkPolicy> = policies
                .iter()
                .filter(|p| {
                    if inbound {
                        p.ingress_policy
                    } else {
                        p.egress_policy
                    }
                })
                .filter(|p| governed.iter().any(|w| p.selects(w) == Match::Yes))
                .collect();
            if governing.is_empty() {
                continue;
            }
            let admits = governing.iter().any(|p| {
                let rs = if inbound { &p.ingress } else { &p.egress };
                rs.iter().any(|r| {
                    if peers_of.is_empty() {
                        NetworkPolicy::admits_outside(r)
                    } else {
                        r.peers.is_empty()
                            || r.peers.iter().any(|peer| {
                                peers_of
                                    .iter()
                                    .any(|w| p.peer_matches(peer, w) != Match::No)
                            })
                    }
                })
            });
            if !admits {
                blocked_by = Some((*governing[0], if inbound { "ingress" } else { "egress" }));
            }
        }
        let Some((p, way)) = blocked_by else {
            continue;
        };
        let msg = format!(
            "the threat model's link `{}` ({}:{}) from `{}` to `{}` is blocked: {} governs the {way} of its pods and none of its rules admits the other side; allow it in a policy, or remove the link from the model",
            l.id,
            model.path,
            l.line,
            l.source,
            l.target,
            p.at()
        );
        let a = model.assets.iter().find(|a| a.id == l.source);
        let t = threat(
            "drift-blocked-link",
            "Model link that a NetworkPolicy blocks",
            format!("drift-blocked-link@{}@{}", l.source, l.target),
            a,
            msg,
        );
        push(t, &p.path, p.line, (1, 1, 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn policy(text: &str) -> NetworkPolicy {
        let doc = yaml::parse(text).unwrap();
        read("k8s/np.yaml", &doc).unwrap()
    }

    #[test]
    fn reads_selectors_types_and_peers() {
        let p = policy(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: web}}\n        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress}}\n        - ipBlock: {cidr: 10.0.0.0/8}\n  egress:\n    - {}\n",
        );
        assert_eq!(p.name, "api");
        assert_eq!(p.namespace.as_deref(), Some("shop"));
        assert_eq!(p.selector.labels, [("app".into(), "api".into())]);
        assert!(p.ingress_policy && p.egress_policy);
        assert_eq!(p.ingress[0].peers.len(), 3);
        assert!(p.egress[0].peers.is_empty());
        let deny = policy(
            "kind: NetworkPolicy\nmetadata: {name: deny}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]\n",
        );
        assert!(deny.ingress_policy && !deny.egress_policy && deny.ingress.is_empty());
        assert!(deny.selector.labels.is_empty());
    }

    #[test]
    fn malformed_policies_are_skipped_or_read_as_far_as_they_go() {
        for text in [
            "kind: NetworkPolicy\n",
            "kind: NetworkPolicy\nmetadata: {name: x}\n",
            "kind: NetworkPolicy\nmetadata: {name: x}\nspec: 3\n",
            "kind: NetworkPolicy\nmetadata: {name: x}\nspec: {ingress: 3, egress: [3, {to: 4}], podSelector: [1]}\n",
        ] {
            let doc = yaml::parse(text).unwrap();
            let _ = read("a.yaml", &doc);
        }
    }
}
