//! Drift: the system as the repository describes it (compose services, Kubernetes workloads,
//! Services, Ingresses and NetworkPolicies, Terraform load balancers, open security groups,
//! databases and buckets, and the HTTP routes other engines publish as facts), discovered by
//! light parsers, compared with the model.
//!
//! Drift findings are placed where the repository says something the model does not (a new
//! Ingress line), so `--since` keeps them exactly when a change brought them in; a stale asset
//! is placed at its model line.

use crate::model::{Asset, Model};
use crate::rules::Threat;
use crate::yaml::{self, Node, Value};
use rampart_core::Emitter;

pub mod netpol;
pub mod routes;

pub use netpol::NetworkPolicy;

/// Largest file the discovery reads (bigger ones are generated; the IaC engine covers them).
pub const MAX_BYTES: usize = 2 << 20;

/// YAML documents read per file.
pub const MAX_DOCS: usize = 1_000;

/// Where a discovered item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A compose service.
    Compose,
    /// A Kubernetes object.
    Kubernetes,
    /// A Terraform resource.
    Terraform,
}

/// Something the repository says exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// File, relative to the scan root.
    pub path: String,
    /// Line in it.
    pub line: usize,
    /// Where it comes from.
    pub source: Source,
    /// `web` (compose), `Deployment/web` (Kubernetes), `aws_lb.web` (Terraform).
    pub name: String,
    /// The short name matched against asset ids when a model maps nothing (`web`).
    pub short: String,
    /// Reachable from the internet (published port, LoadBalancer/NodePort Service, Ingress,
    /// public load balancer, security group open to 0.0.0.0/0).
    pub exposed: bool,
    /// Holds data (a database image, a StatefulSet, a database or bucket resource).
    pub datastore: bool,
    /// Container images.
    pub images: Vec<String>,
    /// Short names of other items it calls (compose `depends_on`/`links`, URLs in environment
    /// values, an Ingress's backends).
    pub calls: Vec<String>,
    /// A compose service's build context, relative to the scan root (`services/api`): the code
    /// that runs in it.
    pub build: Option<String>,
    /// A Kubernetes workload's pod labels (what NetworkPolicies select).
    pub labels: Vec<(String, String)>,
    /// A Kubernetes object's namespace, when it names one.
    pub namespace: Option<String>,
}

/// What one file describes: items and NetworkPolicies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discovered {
    /// Things the repository says exist.
    pub items: Vec<Item>,
    /// Kubernetes NetworkPolicies.
    pub policies: Vec<NetworkPolicy>,
}

/// Whether discovery reads a path: compose files, YAML (Kubernetes) and Terraform.
pub fn wants(path: &str) -> bool {
    path.ends_with(".tf") || path.ends_with(".yaml") || path.ends_with(".yml")
}

fn is_compose(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    (name.starts_with("docker-compose") || name.starts_with("compose"))
        && (name.ends_with(".yml") || name.ends_with(".yaml"))
}

const DATA_IMAGES: &[&str] = &[
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "memcached",
    "minio",
    "couchdb",
    "neo4j",
    "influxdb",
    "clickhouse",
    "cockroach",
    "rabbitmq",
    "kafka",
];

/// An image's name without registry, tag or digest (`docker.io/library/postgres:16` →
/// `postgres`).
pub fn image_name(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let base = last.split(':').next().unwrap_or(last);
    let repo = no_digest
        .rsplit_once('/')
        .map(|(r, _)| format!("{r}/"))
        .unwrap_or_default();
    let repo = repo
        .split_once('/')
        .filter(|(host, _)| host.contains('.') || host.contains(':'))
        .map(|(_, rest)| rest.to_string())
        .unwrap_or(repo);
    format!("{}{base}", repo.trim_start_matches("library/"))
}

fn is_data_image(image: &str) -> bool {
    let n = image_name(image);
    let last = n.rsplit('/').next().unwrap_or(&n);
    DATA_IMAGES.iter().any(|d| last.starts_with(d))
}

/// Host names in `http(s)://host[:port]` URLs of a text, and `host:port` pairs of known
/// database schemes (`postgres://`, `redis://`…).
fn url_hosts(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("://") {
        let host: String = text[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '@' | ':'))
            .collect();
        let host = host.rsplit('@').next().unwrap_or(&host);
        let host = host.split(':').next().unwrap_or(host);
        let host = host.split('.').next().unwrap_or(host);
        if !host.is_empty() && host != "localhost" && !host.chars().all(|c| c.is_ascii_digit()) {
            out.push(host.to_string());
        }
    }
    out
}

fn strings(n: &Node, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    match &n.value {
        Value::Str(s) => out.push(s.clone()),
        Value::Seq(items) => items.iter().for_each(|i| strings(i, out, depth + 1)),
        Value::Map(m) => m.iter().for_each(|e| strings(&e.value, out, depth + 1)),
        _ => {}
    }
}

/// Everything a file says exists. Unparsable files give nothing (the IaC engine reports them).
pub fn discover(path: &str, text: &str, out: &mut Emitter) -> Vec<Item> {
    discover_all(path, text, out).items
}

/// Everything a file says exists, and its NetworkPolicies.
pub fn discover_all(path: &str, text: &str, _out: &mut Emitter) -> Discovered {
    if text.len() > MAX_BYTES {
        return Discovered::default();
    }
    // Cheap word checks first: most YAML files (workflows, configs) describe no system.
    if path.ends_with(".tf") {
        return Discovered {
            items: if text.contains("resource") {
                terraform(path, text)
            } else {
                Vec::new()
            },
            policies: Vec::new(),
        };
    }
    let compose_file = is_compose(path);
    let worth_parsing = if compose_file {
        text.contains("services")
    } else {
        text.contains("apiVersion") && text.contains("kind")
    };
    if !worth_parsing {
        return Discovered::default();
    }
    let Ok(docs) = yaml::parse_all(text, MAX_DOCS) else {
        return Discovered::default();
    };
    if compose_file {
        return Discovered {
            items: docs.first().map(|d| compose(path, d)).unwrap_or_default(),
            policies: Vec::new(),
        };
    }
    Discovered {
        items: docs.iter().filter_map(|d| kubernetes(path, d)).collect(),
        policies: docs.iter().filter_map(|d| netpol::read(path, d)).collect(),
    }
}

/// `key: value` pairs of a YAML map of strings (labels, `matchLabels`).
pub(crate) fn string_pairs(n: Option<&Node>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = n
        .map(|n| {
            n.entries()
                .iter()
                .filter_map(|e| Some((e.key.clone(), e.value.text()?)))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn compose(path: &str, doc: &Node) -> Vec<Item> {
    let Some(services) = doc.get("services") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in services.entries() {
        let s = &e.value;
        let image = s.get("image").and_then(Node::text);
        let exposed = s.get("ports").is_some_and(|p| {
            match &p.value {
                Value::Seq(ports) => ports.iter().any(|port| match port.text() {
                    // "8080:80", "0.0.0.0:8080:80"; "127.0.0.1:8080:80" stays on the host.
                    Some(t) => {
                        t.contains(':') && !t.starts_with("127.") && !t.starts_with("localhost")
                    }
                    None => {
                        port.get("published").is_some()
                            && port
                                .get("host_ip")
                                .and_then(Node::text)
                                .is_none_or(|h| !h.starts_with("127."))
                    }
                }),
                _ => false,
            }
        });
        let mut calls = Vec::new();
        for key in ["depends_on", "links"] {
            if let Some(d) = s.get(key) {
                match &d.value {
                    Value::Seq(items) => calls.extend(
                        items
                            .iter()
                            .filter_map(Node::text)
                            .map(|t| t.split(':').next().unwrap_or(&t).to_string()),
                    ),
                    Value::Map(m) => calls.extend(m.iter().map(|e| e.key.clone())),
                    _ => {}
                }
            }
        }
        if let Some(env) = s.get("environment") {
            let mut vals = Vec::new();
            strings(env, &mut vals, 0);
            calls.extend(vals.iter().flat_map(|v| url_hosts(v)));
        }
        calls.retain(|c| c != &e.key);
        calls.sort();
        calls.dedup();
        let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        let build = s
            .get("build")
            .and_then(|b| b.text().or_else(|| b.get("context").and_then(Node::text)))
            .filter(|c| !c.contains("://") && !c.starts_with('/'))
            .map(|c| rampart_core::paths::join(dir, &c));
        out.push(Item {
            path: path.into(),
            line: e.line,
            source: Source::Compose,
            name: e.key.clone(),
            short: e.key.clone(),
            exposed,
            datastore: image.as_deref().is_some_and(is_data_image),
            images: image.into_iter().collect(),
            calls,
            build,
            labels: Vec::new(),
            namespace: None,
        });
    }
    out
}

fn kubernetes(path: &str, doc: &Node) -> Option<Item> {
    let kind = doc.get("kind")?.text()?;
    doc.get("apiVersion")?;
    let name = doc.get("metadata")?.get("name")?.text()?;
    let namespace = doc
        .get("metadata")
        .and_then(|m| m.get("namespace"))
        .and_then(Node::text);
    let spec = doc.get("spec");
    let labels = string_pairs(spec.and_then(|s| {
        match kind.as_str() {
            "Pod" => doc.get("metadata")?.get("labels"),
            "CronJob" => s
                .get("jobTemplate")?
                .get("spec")?
                .get("template")?
                .get("metadata")?
                .get("labels"),
            _ => s.get("template")?.get("metadata")?.get("labels"),
        }
    }));
    let pod = spec.and_then(|s| match kind.as_str() {
        "Pod" => Some(s),
        "CronJob" => s
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec"),
        _ => s.get("template")?.get("spec"),
    });
    let mut images = Vec::new();
    let mut calls = Vec::new();
    if let Some(pod) = pod {
        for key in ["containers", "initContainers"] {
            if let Some(Value::Seq(cs)) = pod.get(key).map(|c| &c.value) {
                for c in cs {
                    images.extend(c.get("image").and_then(Node::text));
                    if let Some(env) = c.get("env") {
                        let mut vals = Vec::new();
                        strings(env, &mut vals, 0);
                        calls.extend(vals.iter().flat_map(|v| url_hosts(v)));
                    }
                }
            }
        }
    }
    let (exposed, workload) = match kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" | "Pod" | "ReplicaSet" => {
            (false, true)
        }
        "Service" => {
            let t = spec
                .and_then(|s| s.get("type"))
                .and_then(Node::text)
                .unwrap_or_default();
            (t == "LoadBalancer" || t == "NodePort", false)
        }
        "Ingress" => {
            let mut vals = Vec::new();
            if let Some(s) = spec {
                collect_backends(s, &mut vals, 0);
            }
            calls.extend(vals);
            (true, false)
        }
        _ => return None,
    };
    calls.retain(|c| *c != name);
    calls.sort();
    calls.dedup();
    Some(Item {
        path: path.into(),
        line: doc.line,
        source: Source::Kubernetes,
        name: format!("{kind}/{name}"),
        short: name,
        exposed,
        datastore: workload && (kind == "StatefulSet" || images.iter().any(|i| is_data_image(i))),
        images,
        calls,
        build: None,
        labels: if workload { labels } else { Vec::new() },
        namespace,
    })
}

fn collect_backends(n: &Node, out: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    if let Some(name) = n
        .get("service")
        .and_then(|s| s.get("name"))
        .and_then(Node::text)
    {
        out.push(name);
    }
    if let Some(name) = n.get("serviceName").and_then(Node::text) {
        out.push(name);
    }
    match &n.value {
        Value::Seq(items) => items
            .iter()
            .for_each(|i| collect_backends(i, out, depth + 1)),
        Value::Map(m) => m
            .iter()
            .for_each(|e| collect_backends(&e.value, out, depth + 1)),
        _ => {}
    }
}

const TF_LBS: &[&str] = &[
    "aws_lb",
    "aws_alb",
    "aws_elb",
    "google_compute_forwarding_rule",
    "google_compute_global_forwarding_rule",
    "azurerm_lb",
    "azurerm_application_gateway",
];
const TF_DATA: &[&str] = &[
    "aws_db_instance",
    "aws_rds_cluster",
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_docdb_cluster",
    "aws_redshift_cluster",
    "google_sql_database_instance",
    "google_storage_bucket",
    "google_bigquery_dataset",
    "azurerm_storage_account",
    "azurerm_postgresql_server",
    "azurerm_postgresql_flexible_server",
    "azurerm_mysql_server",
    "azurerm_mssql_server",
    "azurerm_cosmosdb_account",
];

/// Terraform resources by a line scanner: `resource "TYPE" "NAME" {` and the block up to its
/// closing brace (braces in strings and comments are skipped).
fn terraform(path: &str, text: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim_start();
        let Some(rest) = l.strip_prefix("resource") else {
            i += 1;
            continue;
        };
        let parts: Vec<&str> = rest.split('"').collect();
        if parts.len() < 4 || !rest.trim_end().ends_with('{') {
            i += 1;
            continue;
        }
        let (ty, name) = (parts[1].to_string(), parts[3].to_string());
        let start = i;
        let mut depth = 0i32;
        let mut body = String::new();
        while i < lines.len() {
            let code = lines[i].split('#').next().unwrap_or("");
            let code = code.split("//").next().unwrap_or(code);
            let mut in_str = false;
            for c in code.chars() {
                match c {
                    '"' => in_str = !in_str,
                    '{' if !in_str => depth += 1,
                    '}' if !in_str => depth -= 1,
                    _ => {}
                }
            }
            body.push_str(code);
            body.push('\n');
            i += 1;
            if depth <= 0 {
                break;
            }
        }
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let exposed = if TF_LBS.contains(&ty.as_str()) {
            !compact.contains("internal=true")
                && !compact.contains("load_balancing_scheme=\"INTERNAL")
        } else if ty == "aws_security_group" || ty == "aws_security_group_rule" {
            let ingress = ty == "aws_security_group_rule" && compact.contains("type=\"ingress\"")
                || ty == "aws_security_group" && compact.contains("ingress{");
            ingress && (compact.contains("\"0.0.0.0/0\"") || compact.contains("\"::/0\""))
        } else {
            false
        };
        let datastore = TF_DATA.contains(&ty.as_str());
        if exposed
            || datastore
            || TF_LBS.contains(&ty.as_str())
            || ty.starts_with("aws_security_group")
        {
            out.push(Item {
                path: path.into(),
                line: start + 1,
                source: Source::Terraform,
                name: format!("{ty}.{name}"),
                short: name,
                exposed,
                datastore,
                images: Vec::new(),
                calls: Vec::new(),
                build: None,
                labels: Vec::new(),
                namespace: None,
            });
        }
    }
    out
}

pub(crate) fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// Whether a discovered item is (part of) an asset: named in its `maps`, or, for an asset that
/// maps nothing, by its id or title.
pub fn maps_to(a: &Asset, item: &Item) -> bool {
    let m = &a.maps;
    let listed = match item.source {
        Source::Compose => m.compose.contains(&item.name),
        // By name: `Deployment/web` also stands for the Service `web` in front of it.
        Source::Kubernetes => m
            .kubernetes
            .iter()
            .any(|k| k.rsplit('/').next() == Some(item.short.as_str())),
        Source::Terraform => m.terraform.contains(&item.name),
    };
    let image = !m.images.is_empty()
        && item
            .images
            .iter()
            .any(|i| m.images.iter().any(|x| *x == image_name(i)));
    if listed || image {
        return true;
    }
    m.is_empty() && (item.short == a.id || item.short == slug(&a.title))
}

pub(crate) fn asset_for<'m>(model: &'m Model, item: &Item) -> Option<&'m Asset> {
    model.assets.iter().find(|a| maps_to(a, item))
}

pub(crate) fn threat(
    rule: &str,
    title: &str,
    id: String,
    asset: Option<&Asset>,
    msg: String,
) -> Threat {
    Threat {
        id,
        rule: format!("threat/{rule}"),
        title: title.into(),
        stride: "information-disclosure".into(),
        asset: asset.map(|a| a.id.clone()),
        link: None,
        message: msg,
        likelihood: 1,
        impact: 1,
        risk: 1,
        line: 0,
    }
}

/// The assets an exposed item makes reachable from the internet: its own, and for an Ingress
/// the assets of the Services it routes to. Empty when the item is not exposed.
pub fn exposed_assets<'m>(model: &'m Model, item: &Item) -> Vec<&'m Asset> {
    if !item.exposed {
        return Vec::new();
    }
    let mut v: Vec<&Asset> = asset_for(model, item).into_iter().collect();
    if item.name.starts_with("Ingress/") {
        for c in &item.calls {
            let backend = Item {
                name: format!("Service/{c}"),
                short: c.clone(),
                ..item.clone()
            };
            if let Some(a) = model.assets.iter().find(|a| maps_to(a, &backend)) {
                v.push(a);
            }
        }
    }
    v
}

/// A drift threat, placed in the repository file it comes from (its `path`, with `line`).
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// The threat (rule, id, message, risk).
    pub threat: Threat,
    /// The file the finding is placed in.
    pub path: String,
}

/// Compares the model with the discovered items.
pub fn compare(model: &Model, items: &[&Item]) -> Vec<Drift> {
    let mut out = Vec::new();
    let at = |i: &Item| format!("{} ({}:{})", i.name, i.path, i.line);
    let mut push = |mut t: Threat, path: &str, line: usize, risk: (usize, usize, usize)| {
        (t.likelihood, t.impact, t.risk) = risk;
        t.line = line;
        out.push(Drift {
            threat: t,
            path: path.into(),
        });
    };
    for item in items {
        let asset = asset_for(model, item);
        let exposed_assets = exposed_assets(model, item);
        if item.exposed && exposed_assets.is_empty() {
            let msg = format!(
                "{} is reachable from the internet, but the threat model {} has no asset for it",
                at(item),
                model.path
            );
            let t = threat(
                "drift-internet-exposure",
                "Internet exposure the threat model does not show",
                format!("drift-internet-exposure@{}", item.name),
                None,
                msg,
            );
            push(t, &item.path, item.line, (2, 2, 2));
        }
        for a in exposed_assets.iter().filter(|a| !a.internet) {
            let msg = format!(
                "{} is reachable from the internet, but the threat model ({}:{}) says asset `{}` is internal (internet: false)",
                at(item),
                model.path,
                a.line,
                a.id
            );
            let t = threat(
                "drift-internet-exposure",
                "Internet exposure the threat model does not show",
                format!("drift-internet-exposure@{}@{}", a.id, item.name),
                Some(a),
                msg,
            );
            push(t, &item.path, item.line, (2, 2, 2));
        }
        if item.datastore && asset.is_none() {
            let msg = format!(
                "{} holds data, but the threat model {} has no asset for it: add it with the data it stores",
                at(item),
                model.path
            );
            let t = threat(
                "drift-unknown-datastore",
                "Datastore the threat model does not know",
                format!("drift-unknown-datastore@{}", item.name),
                None,
                msg,
            );
            push(t, &item.path, item.line, (1, 2, 2));
        }
        if let Some(a) = asset {
            for c in &item.calls {
                if item.name.starts_with("Ingress/") {
                    continue;
                }
                let Some(target) = items
                    .iter()
                    .find(|i| i.short == *c && i.source == item.source)
                    .and_then(|i| asset_for(model, i))
                else {
                    continue;
                };
                if target.id == a.id
                    || model.links.iter().any(|l| {
                        (l.source == a.id && l.target == target.id)
                            || (l.source == target.id && l.target == a.id)
                    })
                {
                    continue;
                }
                let msg = format!(
                    "{} calls `{c}` (asset `{}`), but the threat model {} has no link from `{}` to `{}`",
                    at(item),
                    target.id,
                    model.path,
                    a.id,
                    target.id
                );
                let t = threat(
                    "drift-missing-link",
                    "Communication the threat model does not show",
                    format!("drift-missing-link@{}@{}", a.id, target.id),
                    Some(a),
                    msg,
                );
                push(t, &item.path, item.line, (1, 1, 1));
            }
        }
    }
    // Assets whose mapped compose services, workloads or resources are all gone, judged only
    // where the repository has that kind of description at all.
    for a in &model.assets {
        let m = &a.maps;
        let kinds = [
            (Source::Compose, !m.compose.is_empty()),
            (Source::Kubernetes, !m.kubernetes.is_empty()),
            (Source::Terraform, !m.terraform.is_empty()),
        ];
        let judged: Vec<Source> = kinds
            .iter()
            .filter(|(s, mapped)| *mapped && items.iter().any(|i| i.source == *s))
            .map(|(s, _)| *s)
            .collect();
        if judged.is_empty() || items.iter().any(|i| maps_to(a, i)) {
            continue;
        }
        let names: Vec<&String> = m
            .compose
            .iter()
            .chain(&m.kubernetes)
            .chain(&m.terraform)
            .collect();
        let msg = format!(
            "asset `{}` ({}:{}) maps to {} but the repository no longer has any of them",
            a.id,
            model.path,
            a.line,
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let t = threat(
            "drift-stale-asset",
            "Asset in the threat model that no longer exists",
            format!("drift-stale-asset@{}", a.id),
            Some(a),
            msg,
        );
        push(t, &model.path, a.line, (0, 0, 0));
    }
    out.sort_by(|a, b| a.threat.id.cmp(&b.threat.id));
    out.dedup_by(|a, b| a.threat.id == b.threat.id);
    out
}

/// Compares the model with everything discovered under its folder `dir`: items,
/// NetworkPolicies and the HTTP routes other engines published (paths relative to the scan
/// root). One drift per threat id.
pub fn compare_with(
    model: &Model,
    items: &[&Item],
    policies: &[&NetworkPolicy],
    http: &[&rampart_core::HttpRoute],
    dir: &str,
) -> Vec<Drift> {
    let mut out = compare(model, items);
    out.extend(netpol::compare(model, items, policies));
    out.extend(routes::compare(model, items, http, dir));
    out.sort_by(|a, b| a.threat.id.cmp(&b.threat.id));
    out.dedup_by(|a, b| a.threat.id == b.threat.id);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(image_name("docker.io/library/postgres:16"), "postgres");
        assert_eq!(image_name("ghcr.io/acme/web:1.2@sha256:ab"), "acme/web");
        assert_eq!(image_name("acme/web"), "acme/web");
        assert_eq!(image_name("redis"), "redis");
    }

    #[test]
    fn urls() {
        assert_eq!(
            url_hosts("postgres://u:p@db:5432/x http://api.svc.cluster.local/ http://localhost"),
            ["db", "api"]
        );
    }
}
