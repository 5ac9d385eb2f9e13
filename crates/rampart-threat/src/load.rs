//! Reading a model file: rampart's own format or Threagile's, into one [`Model`]. Every
//! problem is reported with the file, line and column, unknown references by name; all of them
//! at once.

use crate::model::*;
use crate::yaml::{self, Entry, Node, Value};

/// One problem in a model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelError {
    /// The model file.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

/// Every problem found in a model file (never empty).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct ModelErrors(pub Vec<ModelError>);

/// Which format a parsed document is in: Threagile's has `technical_assets` (or
/// `threagile_version`), rampart's `assets`.
pub fn detect(doc: &Node) -> Format {
    if doc.get("technical_assets").is_some()
        || doc.get("threagile_version").is_some()
        || doc.get("data_assets").is_some()
    {
        Format::Threagile
    } else {
        Format::Rampart
    }
}

/// Parses a model file's text; `path` names it in messages and findings.
pub fn parse(path: &str, text: &str) -> Result<Model, ModelErrors> {
    let doc = yaml::parse(text).map_err(|e| {
        ModelErrors(vec![ModelError {
            path: path.into(),
            line: e.line,
            col: e.col,
            message: format!("invalid YAML: {}", e.message),
        }])
    })?;
    let mut r = Reader {
        path,
        strict: false,
        errors: Vec::new(),
    };
    if !matches!(doc.value, Value::Map(_)) {
        r.err(
            &doc,
            "a threat model is a mapping with `assets` (rampart) or `technical_assets` (Threagile)"
                .into(),
        );
        return Err(ModelErrors(r.errors));
    }
    let format = detect(&doc);
    let mut model = Model {
        path: path.to_string(),
        format,
        title: doc.get("title").and_then(Node::text).unwrap_or_default(),
        data: Vec::new(),
        assets: Vec::new(),
        links: Vec::new(),
        boundaries: Vec::new(),
        runtimes: Vec::new(),
        tracking: Vec::new(),
    };
    match format {
        Format::Threagile => r.threagile(&doc, &mut model),
        Format::Rampart => {
            r.strict = true;
            r.rampart(&doc, &mut model)
        }
    }
    r.references(&model);
    if r.errors.is_empty() {
        Ok(model)
    } else {
        r.errors.sort_by_key(|e| (e.line, e.col));
        Err(ModelErrors(r.errors))
    }
}

struct Reader<'a> {
    path: &'a str,
    /// Unknown keys are errors (rampart's format); Threagile's extra keys are ignored.
    strict: bool,
    errors: Vec<ModelError>,
}

const TOP_KEYS: &[&str] = &[
    "title",
    "description",
    "data",
    "assets",
    "boundaries",
    "runtimes",
    "risk_tracking",
];
const DATA_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "confidentiality",
    "integrity",
    "availability",
    "tags",
];
const ASSET_KEYS: &[&str] = &[
    "id",
    "title",
    "description",
    "type",
    "technology",
    "internet",
    "out_of_scope",
    "encryption",
    "machine",
    "usage",
    "multi_tenant",
    "redundant",
    "custom_developed_parts",
    "used_as_client_by_human",
    "confidentiality",
    "integrity",
    "availability",
    "processes",
    "stores",
    "formats",
    "tags",
    "maps",
    "links",
];
const LINK_KEYS: &[&str] = &[
    "id",
    "title",
    "target",
    "protocol",
    "authentication",
    "authorization",
    "vpn",
    "ip_filtered",
    "readonly",
    "usage",
    "sends",
    "receives",
];
const MAP_KEYS: &[&str] = &["paths", "compose", "kubernetes", "terraform", "images"];
const BOUNDARY_KEYS: &[&str] = &["id", "title", "description", "type", "assets", "boundaries"];
const RUNTIME_KEYS: &[&str] = &["id", "title", "description", "assets"];
const TRACK_KEYS: &[&str] = &["threat", "status", "reason", "expires", "ticket"];

/// Threagile's link ids: the source asset's id, `>`, and the link's title in lower case with
/// every other character than a-z and 0-9 as `-`.
pub fn threagile_link_id(source: &str, title: &str) -> String {
    let t: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{source}>{t}")
}

impl Reader<'_> {
    fn err(&mut self, at: &Node, message: String) {
        self.errors.push(ModelError {
            path: self.path.to_string(),
            line: at.line,
            col: at.col,
            message,
        });
    }

    fn keys(&mut self, node: &Node, what: &str, known: &[&str]) {
        if !self.strict {
            return;
        }
        for e in node.entries() {
            if !known.contains(&e.key.as_str()) {
                self.errors.push(ModelError {
                    path: self.path.to_string(),
                    line: e.line,
                    col: e.col,
                    message: format!(
                        "unknown key `{}` in {what}; expected one of {}",
                        e.key,
                        known.join(", ")
                    ),
                });
            }
        }
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<String> {
        let v = node.get(key)?;
        match &v.value {
            Value::Null => None,
            Value::Seq(_) | Value::Map(_) => {
                self.err(v, format!("`{key}` must be text, not {}", v.kind()));
                None
            }
            _ => v.text(),
        }
    }

    fn required(&mut self, node: &Node, key: &str, what: &str) -> String {
        match self.string(node, key) {
            Some(s) if !s.trim().is_empty() => s,
            _ => {
                self.err(node, format!("{what} has no `{key}`"));
                String::new()
            }
        }
    }

    fn boolean(&mut self, node: &Node, key: &str) -> bool {
        match node.get(key).map(|v| (v, &v.value)) {
            None | Some((_, Value::Null)) => false,
            Some((_, Value::Bool(b))) => *b,
            Some((v, _)) => {
                self.err(v, format!("`{key}` must be true or false"));
                false
            }
        }
    }

    fn one_of(&mut self, node: &Node, key: &str, allowed: &[&str], default: &str) -> String {
        let Some(s) = self.string(node, key) else {
            return default.to_string();
        };
        if allowed.contains(&s.as_str()) {
            s
        } else {
            let at = node.get(key).cloned().unwrap_or_else(|| node.clone());
            self.err(
                &at,
                format!("`{key}` is `{s}`; expected one of {}", allowed.join(", ")),
            );
            default.to_string()
        }
    }

    fn rating(&mut self, node: &Node, key: &str, scale: &[&str]) -> u8 {
        let s = self.one_of(node, key, scale, scale[0]);
        scale.iter().position(|x| *x == s).unwrap_or(0) as u8
    }

    fn list(&mut self, node: &Node, key: &str) -> Vec<String> {
        let Some(v) = node.get(key) else {
            return Vec::new();
        };
        match &v.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => {
                let mut out = Vec::new();
                for i in items {
                    match i.text() {
                        Some(t) => out.push(t),
                        None if i.value == Value::Null => {}
                        None => self.err(i, format!("`{key}` lists text, not {}", i.kind())),
                    }
                }
                out
            }
            _ => match v.text() {
                Some(t) => vec![t],
                None => {
                    self.err(v, format!("`{key}` must be a list"));
                    Vec::new()
                }
            },
        }
    }

    /// The items of a top-level section: a list (rampart) or a mapping of title → item
    /// (Threagile; the title is returned beside the item).
    fn items<'n>(&mut self, doc: &'n Node, key: &str) -> Vec<(Option<&'n Entry>, &'n Node)> {
        let Some(v) = doc.get(key) else {
            return Vec::new();
        };
        match &v.value {
            Value::Null => Vec::new(),
            Value::Seq(s) => s.iter().map(|n| (None, n)).collect(),
            Value::Map(m) => m.iter().map(|e| (Some(e), &e.value)).collect(),
            _ => {
                self.err(v, format!("`{key}` must be a list or a mapping"));
                Vec::new()
            }
        }
    }

    fn object(&mut self, n: &Node, what: &str) -> bool {
        if matches!(n.value, Value::Map(_)) {
            true
        } else {
            self.err(n, format!("{what} must be a mapping, not {}", n.kind()));
            false
        }
    }

    fn asset_common(&mut self, n: &Node, id: String, title: String, line: usize) -> Asset {
        let technology = self.string(n, "technology").unwrap_or_else(|| {
            // Threagile 2 writes a list `technologies`; its first entry stands for all.
            self.list(n, "technologies")
                .into_iter()
                .next()
                .unwrap_or_else(|| "unknown-technology".into())
        });
        if !TECHNOLOGIES.iter().any(|(t, _)| *t == technology) {
            let at = n.get("technology").cloned().unwrap_or_else(|| n.clone());
            self.err(
                &at,
                format!(
                    "unknown technology `{technology}` of asset `{id}` (docs/threat-model.md lists the technologies)"
                ),
            );
        }
        Asset {
            kind: self.one_of(n, "type", ASSET_TYPES, "process"),
            technology,
            internet: self.boolean(n, "internet"),
            out_of_scope: self.boolean(n, "out_of_scope"),
            encryption: self.one_of(n, "encryption", ENCRYPTION, "none"),
            machine: self
                .string(n, "machine")
                .unwrap_or_else(|| "virtual".into()),
            usage: self.string(n, "usage").unwrap_or_else(|| "business".into()),
            multi_tenant: self.boolean(n, "multi_tenant"),
            redundant: self.boolean(n, "redundant"),
            custom_developed_parts: self.boolean(n, "custom_developed_parts"),
            used_as_client_by_human: self.boolean(n, "used_as_client_by_human"),
            confidentiality: self.rating(n, "confidentiality", CONFIDENTIALITY),
            integrity: self.rating(n, "integrity", CRITICALITY),
            availability: self.rating(n, "availability", CRITICALITY),
            tags: self.list(n, "tags"),
            id,
            title,
            line,
            ..Asset::default()
        }
    }

    fn link_common(&mut self, n: &Node, source: &str, id: String, title: String) -> Link {
        let protocol = self.one_of(
            n,
            "protocol",
            &PROTOCOLS.iter().map(|p| p.0).collect::<Vec<_>>(),
            "unknown-protocol",
        );
        Link {
            target: self.required(n, "target", &format!("link `{id}`")),
            protocol,
            authentication: self.one_of(n, "authentication", AUTHENTICATION, "none"),
            authorization: self.one_of(n, "authorization", AUTHORIZATION, "none"),
            vpn: self.boolean(n, "vpn"),
            ip_filtered: self.boolean(n, "ip_filtered"),
            readonly: self.boolean(n, "readonly"),
            usage: self.string(n, "usage").unwrap_or_else(|| "business".into()),
            source: source.to_string(),
            line: n.line,
            id,
            title,
            ..Link::default()
        }
    }

    fn threagile(&mut self, doc: &Node, m: &mut Model) {
        for (e, n) in self.items(doc, "data_assets") {
            if !self.object(n, "a data asset") {
                continue;
            }
            let title = e.map(|e| e.key.clone()).unwrap_or_default();
            m.data.push(DataAsset {
                id: self.required(n, "id", &format!("data asset `{title}`")),
                confidentiality: self.rating(n, "confidentiality", CONFIDENTIALITY),
                integrity: self.rating(n, "integrity", CRITICALITY),
                availability: self.rating(n, "availability", CRITICALITY),
                line: e.map_or(n.line, |e| e.line),
                title,
            });
        }
        for (e, n) in self.items(doc, "technical_assets") {
            if !self.object(n, "a technical asset") {
                continue;
            }
            let title = e.map(|e| e.key.clone()).unwrap_or_default();
            let id = self.required(n, "id", &format!("technical asset `{title}`"));
            let line = e.map_or(n.line, |e| e.line);
            let mut a = self.asset_common(n, id.clone(), title, line);
            a.processes = self.list(n, "data_assets_processed");
            a.stores = self.list(n, "data_assets_stored");
            a.formats = self.list(n, "data_formats_accepted");
            for (le, ln) in self.items(n, "communication_links") {
                if !self.object(ln, "a communication link") {
                    continue;
                }
                let ltitle = le.map(|e| e.key.clone()).unwrap_or_default();
                let lid = threagile_link_id(&id, &ltitle);
                let mut l = self.link_common(ln, &id, lid, ltitle);
                l.line = le.map_or(ln.line, |e| e.line);
                l.sent = self.list(ln, "data_assets_sent");
                l.received = self.list(ln, "data_assets_received");
                m.links.push(l);
            }
            m.assets.push(a);
        }
        self.boundaries(doc, m, "technical_assets_inside", "trust_boundaries_nested");
        for (e, n) in self.items(doc, "shared_runtimes") {
            if !self.object(n, "a shared runtime") {
                continue;
            }
            let title = e.map(|e| e.key.clone()).unwrap_or_default();
            m.runtimes.push(Runtime {
                id: self.required(n, "id", &format!("shared runtime `{title}`")),
                assets: self.list(n, "technical_assets_running"),
                line: e.map_or(n.line, |e| e.line),
                title,
            });
        }
        self.tracking(doc, m);
    }

    fn boundaries(&mut self, doc: &Node, m: &mut Model, assets: &str, nested: &str) {
        let key = if m.format == Format::Threagile {
            "trust_boundaries"
        } else {
            "boundaries"
        };
        for (e, n) in self.items(doc, key) {
            if !self.object(n, "a trust boundary") {
                continue;
            }
            self.keys(n, "a boundary", BOUNDARY_KEYS);
            let title = e
                .map(|e| e.key.clone())
                .or_else(|| self.string(n, "title"))
                .unwrap_or_default();
            m.boundaries.push(Boundary {
                id: self.required(n, "id", &format!("trust boundary `{title}`")),
                kind: self.one_of(n, "type", BOUNDARY_TYPES, "network-on-prem"),
                assets: self.list(n, assets),
                nested: self.list(n, nested),
                line: e.map_or(n.line, |e| e.line),
                title,
            });
        }
    }

    fn tracking(&mut self, doc: &Node, m: &mut Model) {
        let statuses: Vec<&str> = STATUSES.iter().map(|s| s.0).collect();
        for (e, n) in self.items(doc, "risk_tracking") {
            if !self.object(n, "a risk tracking entry") {
                continue;
            }
            self.keys(n, "a risk tracking entry", TRACK_KEYS);
            let pattern = match e {
                Some(e) => e.key.clone(),
                None => self.required(n, "threat", "a risk tracking entry"),
            };
            let justification = self
                .string(n, "reason")
                .or_else(|| self.string(n, "justification"))
                .unwrap_or_default();
            let expires = self.string(n, "expires");
            if let Some(x) = &expires
                && x.parse::<rampart_core::date::Date>().is_err()
            {
                let at = n.get("expires").cloned().unwrap_or_else(|| n.clone());
                self.err(
                    &at,
                    format!("`expires` is `{x}`; write a date as YYYY-MM-DD"),
                );
            }
            m.tracking.push(Tracking {
                pattern,
                status: self.one_of(n, "status", &statuses, "unchecked"),
                justification,
                expires,
                ticket: self.string(n, "ticket"),
                line: e.map_or(n.line, |e| e.line),
            });
        }
    }

    fn rampart(&mut self, doc: &Node, m: &mut Model) {
        self.keys(doc, "the model", TOP_KEYS);
        for (_, n) in self.items(doc, "data") {
            if !self.object(n, "a data asset") {
                continue;
            }
            self.keys(n, "a data asset", DATA_KEYS);
            let id = self.required(n, "id", "a data asset");
            m.data.push(DataAsset {
                title: self.string(n, "title").unwrap_or_else(|| id.clone()),
                confidentiality: self.rating(n, "confidentiality", CONFIDENTIALITY),
                integrity: self.rating(n, "integrity", CRITICALITY),
                availability: self.rating(n, "availability", CRITICALITY),
                line: n.line,
                id,
            });
        }
        for (_, n) in self.items(doc, "assets") {
            if !self.object(n, "an asset") {
                continue;
            }
            self.keys(n, "an asset", ASSET_KEYS);
            let id = self.required(n, "id", "an asset");
            let title = self.string(n, "title").unwrap_or_else(|| id.clone());
            let mut a = self.asset_common(n, id.clone(), title, n.line);
            a.processes = self.list(n, "processes");
            a.stores = self.list(n, "stores");
            a.formats = self.list(n, "formats");
            if let Some(mp) = n.get("maps")
                && self.object(mp, "`maps`")
            {
                self.keys(mp, "`maps`", MAP_KEYS);
                a.maps = Mapping {
                    paths: self.list(mp, "paths"),
                    compose: self.list(mp, "compose"),
                    kubernetes: self.list(mp, "kubernetes"),
                    terraform: self.list(mp, "terraform"),
                    images: self.list(mp, "images"),
                };
                for g in &a.maps.paths {
                    if let Err(e) = globset::Glob::new(g) {
                        self.err(
                            mp,
                            format!("path glob `{g}` of asset `{id}` is invalid: {e}"),
                        );
                    }
                }
            }
            for (_, ln) in self.items(n, "links") {
                if !self.object(ln, "a link") {
                    continue;
                }
                self.keys(ln, "a link", LINK_KEYS);
                let target = self.string(ln, "target").unwrap_or_default();
                let lid = self
                    .string(ln, "id")
                    .unwrap_or_else(|| format!("{id}>{target}"));
                let title = self.string(ln, "title").unwrap_or_else(|| lid.clone());
                let mut l = self.link_common(ln, &id, lid, title);
                l.sent = self.list(ln, "sends");
                l.received = self.list(ln, "receives");
                m.links.push(l);
            }
            m.assets.push(a);
        }
        self.boundaries(doc, m, "assets", "boundaries");
        for (_, n) in self.items(doc, "runtimes") {
            if !self.object(n, "a runtime") {
                continue;
            }
            self.keys(n, "a runtime", RUNTIME_KEYS);
            let id = self.required(n, "id", "a runtime");
            m.runtimes.push(Runtime {
                title: self.string(n, "title").unwrap_or_else(|| id.clone()),
                assets: self.list(n, "assets"),
                line: n.line,
                id,
            });
        }
        self.tracking(doc, m);
    }

    /// Every id unique, every reference to a known asset, data asset or boundary.
    fn references(&mut self, m: &Model) {
        let here = |line: usize| Node {
            value: Value::Null,
            line,
            col: 1,
        };
        let mut seen = std::collections::HashSet::new();
        for (kind, id, line) in m
            .data
            .iter()
            .map(|d| ("data asset", &d.id, d.line))
            .chain(m.assets.iter().map(|a| ("asset", &a.id, a.line)))
            .chain(m.boundaries.iter().map(|b| ("boundary", &b.id, b.line)))
        {
            if !id.is_empty() && !seen.insert((kind, id.clone())) {
                self.err(&here(line), format!("{kind} id `{id}` is used twice"));
            }
        }
        for a in &m.assets {
            for d in a.processes.iter().chain(&a.stores) {
                if m.data_asset(d).is_none() {
                    self.err(
                        &here(a.line),
                        format!("asset `{}` refers to unknown data asset `{d}`", a.id),
                    );
                }
            }
        }
        for l in &m.links {
            if !l.target.is_empty() && m.asset(&l.target).is_none() {
                self.err(
                    &here(l.line),
                    format!(
                        "link `{}` from `{}` targets unknown asset `{}`",
                        l.title, l.source, l.target
                    ),
                );
            }
            for d in l.sent.iter().chain(&l.received) {
                if m.data_asset(d).is_none() {
                    self.err(
                        &here(l.line),
                        format!("link `{}` carries unknown data asset `{d}`", l.title),
                    );
                }
            }
        }
        let mut owner: std::collections::HashMap<&str, &str> = Default::default();
        for b in &m.boundaries {
            for a in &b.assets {
                if m.asset(a).is_none() {
                    self.err(
                        &here(b.line),
                        format!("boundary `{}` holds unknown asset `{a}`", b.id),
                    );
                } else if let Some(prev) = owner.insert(a, &b.id) {
                    self.err(
                        &here(b.line),
                        format!(
                            "asset `{a}` is directly inside two boundaries, `{prev}` and `{}`",
                            b.id
                        ),
                    );
                }
            }
            for n in &b.nested {
                if !m.boundaries.iter().any(|x| x.id == *n) {
                    self.err(
                        &here(b.line),
                        format!("boundary `{}` nests unknown boundary `{n}`", b.id),
                    );
                }
            }
        }
        // Nesting must be a tree: no boundary with two parents, no cycle.
        let parents = m.boundary_parents();
        for b in &m.boundaries {
            let mut cur = b.id.as_str();
            for _ in 0..=m.boundaries.len() {
                match parents.get(cur) {
                    Some(p) if *p == b.id => {
                        self.err(
                            &here(b.line),
                            format!("boundary `{}` is nested inside itself", b.id),
                        );
                        break;
                    }
                    Some(p) => cur = p,
                    None => break,
                }
            }
        }
        for r in &m.runtimes {
            for a in &r.assets {
                if m.asset(a).is_none() {
                    self.err(
                        &here(r.line),
                        format!("runtime `{}` runs unknown asset `{a}`", r.id),
                    );
                }
            }
        }
    }
}
