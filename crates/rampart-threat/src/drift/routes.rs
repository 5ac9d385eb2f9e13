//! Drift from HTTP routes: the routes the SAST engine's framework models recognised (published
//! as facts), tied to model assets by the code's place, compared with what the model says.
//!
//! A route belongs to the asset whose `maps.paths` globs match its file, else to the asset of the
//! compose service whose build context holds the file, else (for an asset that maps nothing) to
//! the asset whose id or title names one of the file's folders (`services/billing/app.py` →
//! `billing`). Routes in test, example and fixture folders describe no service and are left out.
//!
//! Findings (each placed at a route's line, so `--since` reports what a change added):
//! - `drift-http-undeclared`: an asset serves routes, but the model gives it a technology that
//!   serves no HTTP (a batch job, a database, a queue…) and no incoming HTTP link;
//! - `drift-exposed-admin-route`: an administration or debugging route on an asset reachable
//!   from the internet (by the model or by what the repository exposes);
//! - `drift-unmodelled-service`: a compose service, or a folder of a model whose assets map
//!   their code by paths, serves routes but maps to no asset.

use super::{Drift, Item, asset_for, exposed_assets, slug, threat};
use crate::model::{Asset, Model, PROTOCOLS, traits};
use globset::{Glob, GlobSet, GlobSetBuilder};
use rampart_core::HttpRoute;
use std::collections::BTreeMap;

/// Technologies that serve no HTTP of their own: code of such an asset that declares routes
/// contradicts the model.
pub const NO_HTTP: &[&str] = &[
    "batch-processing",
    "event-listener",
    "task",
    "scheduler",
    "cli",
    "tool",
    "library",
    "database",
    "local-file-system",
    "block-storage",
    "data-lake",
    "message-queue",
    "stream-processing",
    "mainframe",
    "hsm",
    "ldap-server",
    "identity-store-ldap",
    "identity-store-database",
    "mail-server",
    "search-index",
];

/// Path segments of administration and debugging endpoints.
pub const ADMIN_SEGMENTS: &[&str] = &[
    "admin",
    "administrator",
    "adminer",
    "debug",
    "actuator",
    "console",
    "phpmyadmin",
    "pprof",
    "internal",
    "metrics",
    "management",
    "graphiql",
];

/// Folder names whose code serves nothing in production.
const NOT_SERVICE_DIRS: &[&str] = &[
    "test",
    "tests",
    "__tests__",
    "spec",
    "specs",
    "e2e",
    "fixtures",
    "testdata",
    "example",
    "examples",
    "docs",
    "node_modules",
    "vendor",
    "venv",
    ".venv",
    "site-packages",
];

/// Folders that group services rather than being one.
const GROUP_DIRS: &[&str] = &[
    "services",
    "service",
    "apps",
    "packages",
    "cmd",
    "src",
    "components",
    "microservices",
];

/// Whether a route's path names an administration or debugging endpoint (`/admin/users`,
/// `/_debug`, `/actuator/env`, `/api/admin-panel`).
pub fn is_admin_path(path: &str) -> bool {
    path.split(['/', '.'])
        .map(|s| s.trim_matches('_').to_ascii_lowercase())
        .any(|seg| {
            ADMIN_SEGMENTS.iter().any(|w| {
                seg == *w
                    || seg
                        .strip_prefix(w)
                        .is_some_and(|rest| rest.starts_with(['-', '_']))
            })
        })
}

fn route_text(r: &HttpRoute) -> String {
    format!("{} {}", r.method, r.path)
}

fn listed(routes: &[&HttpRoute]) -> String {
    let mut v: Vec<String> = routes.iter().map(|r| route_text(r)).collect();
    v.dedup();
    let more = v.len().saturating_sub(5);
    v.truncate(5);
    let mut s = v.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

/// Where a route belongs.
enum Owner<'m> {
    Asset(&'m Asset),
    /// A compose service (by name) or a folder that maps to no asset.
    Unmodelled(String),
}

struct Index<'m> {
    model: &'m Model,
    globs: Vec<(&'m Asset, GlobSet)>,
    maps_paths: bool,
}

impl<'m> Index<'m> {
    fn new(model: &'m Model) -> Index<'m> {
        let globs: Vec<(&Asset, GlobSet)> = model
            .assets
            .iter()
            .filter(|a| !a.maps.paths.is_empty())
            .map(|a| {
                let mut b = GlobSetBuilder::new();
                for g in &a.maps.paths {
                    if let Ok(g) = Glob::new(g) {
                        b.add(g);
                    }
                }
                (a, b.build().unwrap_or_else(|_| GlobSet::empty()))
            })
            .collect();
        let maps_paths = !globs.is_empty();
        Index {
            model,
            globs,
            maps_paths,
        }
    }

    fn owner(&self, items: &[&Item], r: &HttpRoute, rel: &str) -> Option<Owner<'m>> {
        if let Some((a, _)) = self.globs.iter().find(|(_, g)| g.is_match(&r.file)) {
            return Some(Owner::Asset(a));
        }
        let dirs: Vec<&str> = rel.split('/').collect();
        let dirs = &dirs[..dirs.len().saturating_sub(1)];
        if dirs.iter().any(|d| NOT_SERVICE_DIRS.contains(d)) {
            return None;
        }
        // The compose service built from the folder that holds the file (the innermost one).
        let service = items
            .iter()
            .filter(|i| {
                i.build
                    .as_deref()
                    .is_some_and(|b| b.is_empty() || r.file.starts_with(&format!("{b}/")))
            })
            .max_by_key(|i| i.build.as_deref().map(str::len));
        if let Some(s) = service {
            return Some(match asset_for(self.model, s) {
                Some(a) => Owner::Asset(a),
                None => Owner::Unmodelled(format!("compose service `{}`", s.name)),
            });
        }
        if let Some(a) =
            self.model.assets.iter().find(|a| {
                a.maps.is_empty() && dirs.iter().any(|d| *d == a.id || *d == slug(&a.title))
            })
        {
            return Some(Owner::Asset(a));
        }
        // Code the model's path globs leave out, by its first folder under the model that is
        // not a generic container (`services/billing`, not `services`).
        let end = dirs
            .iter()
            .position(|d| !GROUP_DIRS.contains(d))
            .unwrap_or(dirs.len().saturating_sub(1));
        (self.maps_paths && !dirs.is_empty())
            .then(|| Owner::Unmodelled(format!("folder `{}`", dirs[..=end].join("/"))))
    }
}

/// Route drift of one model: `routes` are every route under the model's folder `dir`.
pub fn compare(model: &Model, items: &[&Item], routes: &[&HttpRoute], dir: &str) -> Vec<Drift> {
    let mut out = Vec::new();
    if routes.is_empty() {
        return out;
    }
    let index = Index::new(model);
    let mut by_asset: BTreeMap<&str, (&Asset, Vec<&HttpRoute>)> = BTreeMap::new();
    let mut unmodelled: BTreeMap<String, Vec<&HttpRoute>> = BTreeMap::new();
    for &r in routes {
        let rel = if dir.is_empty() {
            r.file.as_str()
        } else {
            r.file
                .strip_prefix(dir)
                .and_then(|s| s.strip_prefix('/'))
                .unwrap_or(&r.file)
        };
        match index.owner(items, r, rel) {
            Some(Owner::Asset(a)) => by_asset.entry(&a.id).or_insert((a, Vec::new())).1.push(r),
            Some(Owner::Unmodelled(what)) => unmodelled.entry(what).or_default().push(r),
            None => {}
        }
    }
    // Assets the repository exposes, with the item that does it.
    let mut exposed_by: BTreeMap<&str, &Item> = BTreeMap::new();
    for &i in items {
        for a in exposed_assets(model, i) {
            exposed_by.entry(&a.id).or_insert(i);
        }
    }
    let mut push = |mut t: crate::rules::Threat, r: &HttpRoute, risk: (usize, usize, usize)| {
        (t.likelihood, t.impact, t.risk) = risk;
        t.line = r.line;
        out.push(Drift {
            threat: t,
            path: r.file.clone(),
        });
    };
    for (a, rs) in by_asset.values() {
        let a: &Asset = a;
        let first = rs[0];
        let web_in = model
            .links
            .iter()
            .any(|l| l.target == a.id && traits(PROTOCOLS, &l.protocol).contains(&"web"));
        let no_http = a.kind == "datastore" || NO_HTTP.contains(&a.technology.as_str());
        if no_http && !web_in {
            let msg = format!(
                "the code of asset `{}` serves {} HTTP route(s) ({}; {} at {}:{}), but the threat model ({}:{}) says it is a {} `{}` with no incoming HTTP link: model the HTTP interface (technology, incoming links, authentication) or remove the routes",
                a.id,
                rs.len(),
                listed(rs),
                first.framework,
                first.file,
                first.line,
                model.path,
                a.line,
                a.kind,
                a.technology,
            );
            let t = threat(
                "drift-http-undeclared",
                "Code serves HTTP where the threat model says it does not",
                format!("drift-http-undeclared@{}", a.id),
                Some(a),
                msg,
            );
            push(t, first, (1, 1, 1));
        }
        let exposure = if a.internet {
            Some(format!(
                "the threat model ({}:{}) marks it internet-facing",
                model.path, a.line
            ))
        } else {
            exposed_by.get(a.id.as_str()).map(|i| {
                format!(
                    "{} ({}:{}) exposes it to the internet",
                    i.name, i.path, i.line
                )
            })
        };
        if let Some(exposure) = exposure {
            for r in rs.iter().filter(|r| is_admin_path(&r.path)) {
                let msg = format!(
                    "{} ({}:{}, {}) is an administration or debugging endpoint of asset `{}`, and {}; the model does not show it: move it to an internal asset (its own port or service behind no public ingress) and model it, or restrict and authenticate it",
                    route_text(r),
                    r.file,
                    r.line,
                    r.framework,
                    a.id,
                    exposure
                );
                let t = threat(
                    "drift-exposed-admin-route",
                    "Administration or debugging route on an internet-facing asset",
                    format!("drift-exposed-admin-route@{}@{}", a.id, r.path),
                    Some(a),
                    msg,
                );
                push(t, r, (2, 2, 2));
            }
        }
    }
    for (what, rs) in &unmodelled {
        let first = rs[0];
        let msg = format!(
            "{what} serves {} HTTP route(s) ({}; {} at {}:{}), but the threat model {} has no asset for it: add it with the data it processes and its links",
            rs.len(),
            listed(rs),
            first.framework,
            first.file,
            first.line,
            model.path
        );
        let key = what.split('`').nth(1).unwrap_or(what);
        let t = threat(
            "drift-unmodelled-service",
            "Service the threat model does not have",
            format!("drift-unmodelled-service@{key}"),
            None,
            msg,
        );
        push(t, first, (1, 1, 1));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_paths() {
        for p in [
            "/admin",
            "/admin/users",
            "/_debug",
            "/__debug__/",
            "/actuator/env",
            "/api/admin-panel",
            "/debug/pprof/heap",
            "/internal/jobs",
        ] {
            assert!(is_admin_path(p), "{p}");
        }
        for p in [
            "/",
            "/administrative-law",
            "/users/:id",
            "/adminstration",
            "/debugger-docs",
        ] {
            assert!(!is_admin_path(p), "{p}");
        }
    }
}
