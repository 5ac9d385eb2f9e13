//! Where SHAs and digests come from: an offline map file (`--pins`), and the network — the
//! GitHub API for actions (`GITHUB_API_URL`, token from `GITHUB_TOKEN`/`GH_TOKEN`) and the
//! registry v2 API for images (anonymous bearer tokens, or `RAMPART_REGISTRY_TOKEN`). Answers
//! are cached for the run; the first network failure of a kind is remembered so an offline
//! machine is told once, not once per reference.

use super::pin::Resolver;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// References and their pins from a TOML file:
///
/// ```toml
/// [actions]
/// "actions/checkout@v4" = "11bd71901bbe5b1630ceea73d27597364c9af683"
/// [images]
/// "node:20" = "sha256:…"
/// ```
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinMap {
    #[serde(default)]
    actions: BTreeMap<String, String>,
    #[serde(default)]
    images: BTreeMap<String, String>,
}

impl PinMap {
    /// Reads a map file; errors name the file and say what it should hold.
    pub fn read(path: &Path) -> Result<PinMap, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("--pins {}: cannot read it: {e}", path.display()))?;
        let map: PinMap = toml::from_str(&text).map_err(|e| {
            format!(
                "--pins {}: {}; it holds [actions] \"owner/repo@tag\" = \"<40-hex SHA>\" and [images] \"name:tag\" = \"sha256:<hex>\"",
                path.display(),
                e.message()
            )
        })?;
        for (k, v) in &map.actions {
            if v.len() != 40 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "--pins {}: [actions] \"{k}\" = \"{v}\" is not a full 40-character commit SHA",
                    path.display()
                ));
            }
        }
        for (k, v) in &map.images {
            if !is_digest(v) {
                return Err(format!(
                    "--pins {}: [images] \"{k}\" = \"{v}\" is not a sha256:<64 hex> digest",
                    path.display()
                ));
            }
        }
        Ok(map)
    }
}

fn is_digest(v: &str) -> bool {
    v.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The map first, then (unless offline) the network.
pub struct Resolve {
    map: PinMap,
    online: bool,
    agent: ureq::Agent,
    github_api: String,
    cache: RefCell<BTreeMap<String, Result<String, String>>>,
    down: RefCell<BTreeMap<&'static str, String>>,
}

impl Resolve {
    /// A resolver reading `map`, and the network when `online`.
    pub fn new(map: PinMap, online: bool) -> Resolve {
        Resolve {
            map,
            online,
            agent: ureq::Agent::config_builder()
                .timeout_global(Some(Duration::from_secs(30)))
                .http_status_as_error(false)
                .max_redirects(3)
                .build()
                .into(),
            github_api: std::env::var("GITHUB_API_URL")
                .ok()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| "https://api.github.com".into())
                .trim_end_matches('/')
                .to_string(),
            cache: RefCell::new(BTreeMap::new()),
            down: RefCell::new(BTreeMap::new()),
        }
    }

    fn cached(
        &self,
        key: String,
        kind: &'static str,
        get: impl FnOnce() -> Result<String, Failure>,
    ) -> Result<String, String> {
        if let Some(r) = self.cache.borrow().get(&key) {
            return r.clone();
        }
        let r = if let Some(why) = self.down.borrow().get(kind) {
            Err(format!("not resolved: {why}"))
        } else {
            match get() {
                Ok(v) => Ok(v),
                Err(Failure::Unreachable(why)) => {
                    self.down.borrow_mut().insert(kind, why.clone());
                    Err(why)
                }
                Err(Failure::Answer(why)) => Err(why),
            }
        };
        self.cache.borrow_mut().insert(key, r.clone());
        r
    }

    fn get(&self, url: &str, accept: &str, bearer: Option<&str>) -> Result<Reply, Failure> {
        let mut req = self.agent.get(url).header("Accept", accept);
        req = req.header("User-Agent", concat!("rampart/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = bearer {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req
            .call()
            .map_err(|e| Failure::Unreachable(format!("cannot reach {}: {e}", host_of(url))))?;
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let digest = header("docker-content-digest");
        let auth = header("www-authenticate");
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(8 << 20)
            .read_to_vec()
            .unwrap_or_default();
        Ok(Reply {
            status,
            digest,
            auth,
            body,
        })
    }
}

/// A registry's or the GitHub API's answer.
struct Reply {
    status: u16,
    digest: Option<String>,
    auth: Option<String>,
    body: Vec<u8>,
}

/// Why a reference was not resolved.
enum Failure {
    /// The service could not be reached: later references of the kind are not tried.
    Unreachable(String),
    /// The service answered, but not with a pin.
    Answer(String),
}

fn host_of(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url)
}

/// The registry host, the repository path and whether to use plain HTTP (loopback only).
fn registry_of(image: &str) -> (String, String, bool) {
    let (first, rest) = image.split_once('/').unwrap_or(("", image));
    let is_host = first.contains('.') || first.contains(':') || first == "localhost";
    let (host, repo) = if is_host {
        (first.to_string(), rest.to_string())
    } else if first.is_empty() {
        (
            "registry-1.docker.io".to_string(),
            format!("library/{rest}"),
        )
    } else {
        ("registry-1.docker.io".to_string(), image.to_string())
    };
    let host = if host == "docker.io" {
        "registry-1.docker.io".to_string()
    } else {
        host
    };
    let name = host.split(':').next().unwrap_or(&host);
    let plain = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
    (host, repo, plain)
}

const MANIFEST_TYPES: &str = "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

/// `Bearer realm="…",service="…",scope="…"` → the token URL.
fn token_url(challenge: &str) -> Option<String> {
    let rest = challenge.trim().strip_prefix("Bearer ")?;
    let mut realm = None;
    let mut query = Vec::new();
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        let v = v.trim_matches('"');
        match k {
            "realm" => realm = Some(v.to_string()),
            "service" | "scope" => query.push(format!("{k}={v}")),
            _ => {}
        }
    }
    Some(format!("{}?{}", realm?, query.join("&")))
}

impl Resolver for Resolve {
    fn action_commit(&self, repo: &str, reference: &str) -> Result<String, String> {
        let key = format!("{repo}@{reference}");
        if let Some(sha) = self.map.actions.get(&key) {
            return Ok(sha.clone());
        }
        if !self.online {
            return Err(format!("{key} is not in the --pins map (offline)"));
        }
        let url = format!("{}/repos/{repo}/commits/{reference}", self.github_api);
        let token = ["GITHUB_TOKEN", "GH_TOKEN"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|t| !t.is_empty()));
        self.cached(key.clone(), "github", || {
            let r = self.get(&url, "application/vnd.github.sha", token.as_deref())?;
            let sha = String::from_utf8_lossy(&r.body).trim().to_string();
            if r.status == 200 && sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                Ok(sha.to_ascii_lowercase())
            } else {
                Err(Failure::Answer(format!(
                    "{key}: {} answered {} (set GITHUB_TOKEN if it is rate limiting)",
                    host_of(&url),
                    r.status
                )))
            }
        })
    }

    fn image_digest(&self, image: &str, tag: &str) -> Result<String, String> {
        let key = format!("{image}:{tag}");
        if let Some(d) = self.map.images.get(&key) {
            return Ok(d.clone());
        }
        if !self.online {
            return Err(format!("{key} is not in the --pins map (offline)"));
        }
        let (host, repo, plain) = registry_of(image);
        let scheme = if plain { "http" } else { "https" };
        let url = format!("{scheme}://{host}/v2/{repo}/manifests/{tag}");
        self.cached(key.clone(), "registry", || {
            let preset = std::env::var("RAMPART_REGISTRY_TOKEN").ok();
            let mut r = self.get(&url, MANIFEST_TYPES, preset.as_deref())?;
            if r.status == 401
                && let Some(tu) = r.auth.as_deref().and_then(token_url)
            {
                let t = self.get(&tu, "application/json", None)?;
                let v: serde_json::Value = serde_json::from_slice(&t.body).unwrap_or_default();
                if let Some(tok) = v["token"].as_str().or(v["access_token"].as_str()) {
                    r = self.get(&url, MANIFEST_TYPES, Some(tok))?;
                }
            }
            if r.status != 200 {
                return Err(Failure::Answer(format!(
                    "{key}: the registry {host} answered {}",
                    r.status
                )));
            }
            let digest = r
                .digest
                .filter(|d| is_digest(d))
                .unwrap_or_else(|| format!("sha256:{:x}", Sha256::digest(&r.body)));
            Ok(digest)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_and_repositories() {
        assert_eq!(
            registry_of("node"),
            ("registry-1.docker.io".into(), "library/node".into(), false)
        );
        assert_eq!(
            registry_of("bitnami/redis"),
            ("registry-1.docker.io".into(), "bitnami/redis".into(), false)
        );
        assert_eq!(
            registry_of("ghcr.io/o/app"),
            ("ghcr.io".into(), "o/app".into(), false)
        );
        assert_eq!(
            registry_of("127.0.0.1:5000/app"),
            ("127.0.0.1:5000".into(), "app".into(), true)
        );
    }

    #[test]
    fn bearer_challenges() {
        assert_eq!(
            token_url(r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/node:pull""#).as_deref(),
            Some("https://auth.docker.io/token?service=registry.docker.io&scope=repository:library/node:pull")
        );
    }
}
