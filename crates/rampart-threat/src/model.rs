//! The threat model, one shape whatever the file format: data assets, technical assets,
//! communication links, trust boundaries, shared runtimes and risk tracking.

use std::collections::BTreeMap;

/// Confidentiality ratings, lowest first.
pub const CONFIDENTIALITY: &[&str] = &[
    "public",
    "internal",
    "restricted",
    "confidential",
    "strictly-confidential",
];

/// Integrity and availability ratings (criticality), lowest first.
pub const CRITICALITY: &[&str] = &[
    "archive",
    "operational",
    "important",
    "critical",
    "mission-critical",
];

/// Technical asset types.
pub const ASSET_TYPES: &[&str] = &["external-entity", "process", "datastore"];

/// Authentication of a link.
pub const AUTHENTICATION: &[&str] = &[
    "none",
    "credentials",
    "session-id",
    "token",
    "client-certificate",
    "two-factor",
    "externalized",
];

/// Authorization of a link.
pub const AUTHORIZATION: &[&str] = &[
    "none",
    "technical-user",
    "enduser-identity-propagation",
    "end-user-identity-propagation",
];

/// Encryption of a technical asset.
pub const ENCRYPTION: &[&str] = &[
    "none",
    "transparent",
    "data-with-symmetric-shared-key",
    "data-with-asymmetric-shared-key",
    "data-with-enduser-individual-key",
    "data-with-end-user-individual-key",
];

/// Trust boundary types; the `network-` ones are network boundaries.
pub const BOUNDARY_TYPES: &[&str] = &[
    "network-on-prem",
    "network-dedicated-hoster",
    "network-virtual-lan",
    "network-cloud-provider",
    "network-cloud-security-group",
    "network-policy-namespace-isolation",
    "execution-environment",
];

/// Every known technology and its traits (what the rules ask about: `"web-app" in
/// asset.traits`). Unknown technologies are refused with the model's position.
pub const TECHNOLOGIES: &[(&str, &[&str])] = &[
    ("unknown-technology", &[]),
    (
        "client-system",
        &["client", "propagates-identity", "less-protected"],
    ),
    (
        "browser",
        &[
            "client",
            "propagates-identity",
            "less-protected",
            "frontend",
        ],
    ),
    (
        "desktop",
        &[
            "client",
            "propagates-identity",
            "less-protected",
            "frontend",
        ],
    ),
    (
        "mobile-app",
        &[
            "client",
            "propagates-identity",
            "less-protected",
            "frontend",
        ],
    ),
    (
        "devops-client",
        &[
            "client",
            "propagates-identity",
            "less-protected",
            "frontend",
            "development",
        ],
    ),
    (
        "web-server",
        &[
            "web-app",
            "propagates-identity",
            "less-protected",
            "end-user-requests",
            "http-internet-ok",
        ],
    ),
    (
        "web-application",
        &[
            "web-app",
            "propagates-identity",
            "less-protected",
            "end-user-requests",
            "http-internet-ok",
        ],
    ),
    (
        "application-server",
        &[
            "web-app",
            "propagates-identity",
            "less-protected",
            "end-user-requests",
        ],
    ),
    ("database", &["end-user-data", "backend", "datastore-like"]),
    (
        "file-server",
        &[
            "end-user-data",
            "backend",
            "ftp-internet-ok",
            "datastore-like",
        ],
    ),
    (
        "local-file-system",
        &["end-user-data", "backend", "datastore-like"],
    ),
    (
        "erp",
        &[
            "web-app",
            "propagates-identity",
            "end-user-requests",
            "end-user-data",
            "backend",
        ],
    ),
    (
        "cms",
        &[
            "web-app",
            "propagates-identity",
            "less-protected",
            "frontend",
        ],
    ),
    (
        "web-service-rest",
        &[
            "web-service",
            "propagates-identity",
            "less-protected",
            "end-user-requests",
        ],
    ),
    (
        "web-service-soap",
        &[
            "web-service",
            "propagates-identity",
            "less-protected",
            "end-user-requests",
            "xml",
        ],
    ),
    (
        "ejb",
        &["propagates-identity", "less-protected", "end-user-requests"],
    ),
    (
        "search-index",
        &["end-user-data", "backend", "search", "datastore-like"],
    ),
    ("search-engine", &["backend", "search"]),
    (
        "service-registry",
        &["backend", "service-registry", "traffic-forwarding"],
    ),
    (
        "reverse-proxy",
        &[
            "propagates-identity",
            "frontend",
            "traffic-forwarding",
            "http-internet-ok",
            "close-to-high-value-ok",
        ],
    ),
    (
        "load-balancer",
        &[
            "frontend",
            "traffic-forwarding",
            "close-to-high-value-ok",
            "load-balancer",
        ],
    ),
    ("build-pipeline", &["development", "build"]),
    ("sourcecode-repository", &["development", "sourcecode"]),
    ("artifact-registry", &["development", "artifact-registry"]),
    ("code-inspection-platform", &["development"]),
    (
        "monitoring",
        &["monitoring", "unprotected-ok", "close-to-high-value-ok"],
    ),
    ("ldap-server", &["backend", "identity", "ldap"]),
    ("container-platform", &["container-platform", "backend"]),
    ("batch-processing", &["less-protected"]),
    ("event-listener", &["less-protected"]),
    (
        "identity-provider",
        &["web-app", "identity", "backend", "end-user-requests"],
    ),
    (
        "identity-store-ldap",
        &["identity", "identity-store", "backend", "ldap"],
    ),
    (
        "identity-store-database",
        &["identity", "identity-store", "backend", "datastore-like"],
    ),
    ("tool", &["less-protected"]),
    ("cli", &["less-protected"]),
    ("threagile", &["less-protected"]),
    ("task", &["less-protected"]),
    ("function", &["less-protected", "serverless"]),
    (
        "gateway",
        &[
            "propagates-identity",
            "less-protected",
            "frontend",
            "http-internet-ok",
        ],
    ),
    ("iot-device", &["client", "less-protected", "frontend"]),
    ("message-queue", &["less-protected", "end-user-data"]),
    ("stream-processing", &["end-user-data"]),
    ("service-mesh", &["propagates-identity", "less-protected"]),
    ("data-lake", &["end-user-data", "backend", "datastore-like"]),
    ("big-data-platform", &["end-user-data", "backend"]),
    (
        "report-engine",
        &["web-app", "end-user-requests", "less-protected"],
    ),
    ("ai", &["less-protected"]),
    ("mail-server", &["less-protected"]),
    ("vault", &["vault", "security-control", "backend"]),
    ("hsm", &["security-control", "backend"]),
    (
        "waf",
        &[
            "security-control",
            "frontend",
            "traffic-forwarding",
            "http-internet-ok",
            "waf",
        ],
    ),
    (
        "ids",
        &[
            "security-control",
            "unprotected-ok",
            "close-to-high-value-ok",
        ],
    ),
    (
        "ips",
        &[
            "security-control",
            "unprotected-ok",
            "close-to-high-value-ok",
        ],
    ),
    ("scheduler", &["less-protected"]),
    ("mainframe", &["end-user-data", "backend"]),
    (
        "block-storage",
        &["end-user-data", "backend", "datastore-like"],
    ),
    ("library", &["embedded"]),
];

/// Every known protocol and its traits (`link.encrypted`, `link.process_local`…).
pub const PROTOCOLS: &[(&str, &[&str])] = &[
    ("unknown-protocol", &[]),
    ("http", &["web"]),
    ("https", &["web", "encrypted"]),
    ("ws", &["web"]),
    ("wss", &["web", "encrypted"]),
    ("reverse-proxy-web-protocol", &["web"]),
    (
        "reverse-proxy-web-protocol-encrypted",
        &["web", "encrypted"],
    ),
    ("mqtt", &[]),
    ("jdbc", &["database"]),
    ("jdbc-encrypted", &["database", "encrypted"]),
    ("odbc", &["database"]),
    ("odbc-encrypted", &["database", "encrypted"]),
    ("sql-access-protocol", &["database"]),
    ("sql-access-protocol-encrypted", &["database", "encrypted"]),
    ("nosql-access-protocol", &["database"]),
    (
        "nosql-access-protocol-encrypted",
        &["database", "encrypted"],
    ),
    ("binary", &[]),
    ("binary-encrypted", &["encrypted"]),
    ("text", &[]),
    ("text-encrypted", &["encrypted"]),
    ("ssh", &["encrypted"]),
    ("ssh-tunnel", &["encrypted"]),
    ("smtp", &[]),
    ("smtp-encrypted", &["encrypted"]),
    ("pop3", &[]),
    ("pop3-encrypted", &["encrypted"]),
    ("imap", &[]),
    ("imap-encrypted", &["encrypted"]),
    ("ftp", &["file-transfer"]),
    ("ftps", &["file-transfer", "encrypted"]),
    ("sftp", &["file-transfer", "encrypted"]),
    ("scp", &["file-transfer", "encrypted"]),
    ("ldap", &["ldap"]),
    ("ldaps", &["ldap", "encrypted"]),
    ("jms", &[]),
    ("nfs", &[]),
    ("smb", &[]),
    ("smb-encrypted", &["encrypted"]),
    ("local-file-access", &["process-local"]),
    ("nrpe", &[]),
    ("xmpp", &[]),
    ("iiop", &[]),
    ("iiop-encrypted", &["encrypted"]),
    ("jrmp", &[]),
    ("jrmp-encrypted", &["encrypted"]),
    ("in-process-library-call", &["process-local"]),
    ("inter-process-communication", &["process-local"]),
    ("container-spawning", &["process-local"]),
];

/// The traits of a technology or protocol in one of the tables above.
pub fn traits(table: &[(&str, &'static [&'static str])], name: &str) -> &'static [&'static str] {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or(&[])
}

/// Which format a model was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// rampart's own `threatmodel.yaml`.
    Rampart,
    /// Threagile's YAML model.
    Threagile,
}

/// A data asset: what is worth protecting, with its ratings (indexes into
/// [`CONFIDENTIALITY`] / [`CRITICALITY`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DataAsset {
    /// Id, referenced by assets and links.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Confidentiality, 0 (public) to 4 (strictly confidential).
    pub confidentiality: u8,
    /// Integrity, 0 (archive) to 4 (mission critical).
    pub integrity: u8,
    /// Availability, 0 (archive) to 4 (mission critical).
    pub availability: u8,
    /// Line in the model file.
    pub line: usize,
}

/// What in the repository belongs to an asset (rampart's format only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Mapping {
    /// Path globs relative to the scan root (`services/web/**`).
    pub paths: Vec<String>,
    /// Compose service names.
    pub compose: Vec<String>,
    /// Kubernetes workloads and services, `Kind/name` or `name`.
    pub kubernetes: Vec<String>,
    /// Terraform resources, `type.name`.
    pub terraform: Vec<String>,
    /// Container image names (without tag).
    pub images: Vec<String>,
}

impl Mapping {
    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
            && self.compose.is_empty()
            && self.kubernetes.is_empty()
            && self.terraform.is_empty()
            && self.images.is_empty()
    }
}

/// A technical asset: a component of the system.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Asset {
    /// Id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// `external-entity`, `process` or `datastore`.
    pub kind: String,
    /// One of [`TECHNOLOGIES`].
    pub technology: String,
    /// Reachable from the internet.
    pub internet: bool,
    /// Outside the model's scope: no threats of its own.
    pub out_of_scope: bool,
    /// One of [`ENCRYPTION`].
    pub encryption: String,
    /// `physical`, `virtual`, `container`, `serverless`.
    pub machine: String,
    /// `business` or `devops`.
    pub usage: String,
    /// Serves several tenants.
    pub multi_tenant: bool,
    /// Runs redundantly.
    pub redundant: bool,
    /// Contains code written by the team (not only off-the-shelf software).
    pub custom_developed_parts: bool,
    /// Used by a human as a client.
    pub used_as_client_by_human: bool,
    /// Own ratings.
    pub confidentiality: u8,
    /// Own integrity rating.
    pub integrity: u8,
    /// Own availability rating.
    pub availability: u8,
    /// Data assets processed.
    pub processes: Vec<String>,
    /// Data assets stored.
    pub stores: Vec<String>,
    /// Data formats accepted (`json`, `xml`, `serialization`, `file`, `csv`).
    pub formats: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Repository parts that belong to it.
    pub maps: Mapping,
    /// Line in the model file.
    pub line: usize,
}

/// A communication link from one technical asset to another.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Link {
    /// Id (`source>title` for Threagile models, as Threagile derives it).
    pub id: String,
    /// Human title.
    pub title: String,
    /// Source asset id.
    pub source: String,
    /// Target asset id.
    pub target: String,
    /// One of [`PROTOCOLS`].
    pub protocol: String,
    /// One of [`AUTHENTICATION`].
    pub authentication: String,
    /// One of [`AUTHORIZATION`].
    pub authorization: String,
    /// Over a VPN.
    pub vpn: bool,
    /// Restricted by IP filtering.
    pub ip_filtered: bool,
    /// Read only.
    pub readonly: bool,
    /// `business` or `devops`.
    pub usage: String,
    /// Data assets sent to the target.
    pub sent: Vec<String>,
    /// Data assets received from the target.
    pub received: Vec<String>,
    /// Line in the model file.
    pub line: usize,
}

/// A trust boundary around assets and other boundaries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Boundary {
    /// Id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// One of [`BOUNDARY_TYPES`].
    pub kind: String,
    /// Assets directly inside.
    pub assets: Vec<String>,
    /// Boundaries directly inside.
    pub nested: Vec<String>,
    /// Line in the model file.
    pub line: usize,
}

/// Assets sharing one runtime (a host, a cluster node).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Runtime {
    /// Id.
    pub id: String,
    /// Human title.
    pub title: String,
    /// Assets running on it.
    pub assets: Vec<String>,
    /// Line in the model file.
    pub line: usize,
}

/// A risk tracking entry: a decision about threats whose id matches `pattern`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// A threat id, `*` matching one `@`-separated part (`missing-vault@*`).
    pub pattern: String,
    /// `accepted`, `mitigated`, `false-positive`, `in-progress`, `in-discussion`, `unchecked`.
    pub status: String,
    /// Why.
    pub justification: String,
    /// `YYYY-MM-DD` after which the decision no longer applies.
    pub expires: Option<String>,
    /// Ticket reference.
    pub ticket: Option<String>,
    /// Line in the model file.
    pub line: usize,
}

/// Risk tracking statuses, and whether each takes a threat out of the gate.
pub const STATUSES: &[(&str, bool)] = &[
    ("unchecked", false),
    ("in-discussion", false),
    ("in-progress", false),
    ("accepted", true),
    ("mitigated", true),
    ("false-positive", true),
];

impl Tracking {
    /// Whether this entry covers the threat id (Threagile's wildcard rule: `*` stands for
    /// one whole `@`-separated part).
    pub fn matches(&self, id: &str) -> bool {
        let p: Vec<&str> = self.pattern.split('@').collect();
        let t: Vec<&str> = id.split('@').collect();
        p.len() == t.len() && p.iter().zip(&t).all(|(a, b)| *a == "*" || a == b)
    }
}

/// A whole threat model.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The model file, relative to the scan root.
    pub path: String,
    /// The format it was read from.
    pub format: Format,
    /// The system's name.
    pub title: String,
    /// Data assets.
    pub data: Vec<DataAsset>,
    /// Technical assets.
    pub assets: Vec<Asset>,
    /// Communication links.
    pub links: Vec<Link>,
    /// Trust boundaries.
    pub boundaries: Vec<Boundary>,
    /// Shared runtimes.
    pub runtimes: Vec<Runtime>,
    /// Risk tracking.
    pub tracking: Vec<Tracking>,
}

impl Model {
    /// The technical asset with this id.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id == id)
    }

    /// The data asset with this id.
    pub fn data_asset(&self, id: &str) -> Option<&DataAsset> {
        self.data.iter().find(|d| d.id == id)
    }

    /// The innermost boundary holding the asset directly.
    pub fn boundary_of(&self, asset: &str) -> Option<&Boundary> {
        self.boundaries
            .iter()
            .find(|b| b.assets.iter().any(|a| a == asset))
    }

    /// The parent of each boundary (by id).
    pub fn boundary_parents(&self) -> BTreeMap<&str, &str> {
        let mut out = BTreeMap::new();
        for b in &self.boundaries {
            for n in &b.nested {
                out.insert(n.as_str(), b.id.as_str());
            }
        }
        out
    }

    /// The innermost network boundary around an asset (a boundary of type `network-*`, found
    /// walking outwards from the asset's own boundary).
    pub fn network_boundary_of(&self, asset: &str) -> Option<&Boundary> {
        let parents = self.boundary_parents();
        let mut cur = self.boundary_of(asset);
        for _ in 0..=self.boundaries.len() {
            let b = cur?;
            if b.kind.starts_with("network-") {
                return Some(b);
            }
            cur = parents
                .get(b.id.as_str())
                .and_then(|p| self.boundaries.iter().find(|x| x.id == *p));
        }
        None
    }

    /// The highest rating (0 = confidentiality, 1 = integrity, 2 = availability) over the
    /// asset's own rating and every data asset it processes or stores.
    pub fn asset_highest(&self, a: &Asset, which: usize) -> u8 {
        let own = [a.confidentiality, a.integrity, a.availability][which];
        a.processes
            .iter()
            .chain(&a.stores)
            .filter_map(|d| self.data_asset(d))
            .map(|d| [d.confidentiality, d.integrity, d.availability][which])
            .fold(own, u8::max)
    }

    /// The highest rating of the data assets a link carries (sent or received).
    pub fn link_highest(&self, l: &Link, which: usize) -> u8 {
        l.sent
            .iter()
            .chain(&l.received)
            .filter_map(|d| self.data_asset(d))
            .map(|d| [d.confidentiality, d.integrity, d.availability][which])
            .max()
            .unwrap_or(0)
    }
}
