//! Kubernetes AdmissionReview v1, read and answered without a database: which images a
//! request's object runs ([`parse`]), how each image is pinned ([`image_ref`]), and the answer
//! ([`response`]). Pure functions, so the parser is fuzzed on its own
//! (`fuzz/fuzz_targets/server_admission.rs`).
//!
//! Gated kinds and where their pod spec is:
//!
//! | kind (group) | pod spec |
//! |---|---|
//! | Pod (core) | `spec` |
//! | Deployment, StatefulSet, DaemonSet, ReplicaSet (apps); Job (batch); ReplicationController (core) | `spec.template.spec` |
//! | CronJob (batch) | `spec.jobTemplate.spec.template.spec` |
//!
//! In the pod spec, every `containers`, `initContainers` and `ephemeralContainers` entry's
//! `image`. Any other kind, and a request without an object (DELETE, CONNECT), is not gated.

use rampart_attest::Sha256Digest;
use serde_json::{Value, json};

/// The only AdmissionReview version read and written.
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// The most container entries one object may have (a pod holds a handful).
pub const MAX_CONTAINERS: usize = 1024;
/// The longest request uid echoed back (Kubernetes sends a UUID).
pub const MAX_UID_BYTES: usize = 256;

/// Why a body is not an AdmissionReview this endpoint answers (a `400`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    /// Not JSON.
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    /// JSON that ends early.
    #[error("the body is cut short (truncated?): {0}")]
    Truncated(String),
    /// JSON, but not an AdmissionReview v1.
    #[error("not an AdmissionReview: {0}")]
    NotReview(String),
}

/// A container entry that names an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    /// The image reference as written.
    pub image: String,
    /// Which entry: `containers[0]`, `initContainers[1]`…, with its name when it has one
    /// (`containers[0] "api"`).
    pub container: String,
}

/// What the request asks the gate to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gated {
    /// Nothing the gate checks (another kind, a DELETE, no object): allowed as it is. Says why.
    No(String),
    /// The images of a gated kind's pod spec, in order (possibly none).
    Images(Vec<ImageUse>),
    /// A gated kind whose pod spec cannot be read: refused, with what is wrong.
    Unreadable(String),
}

/// A request to judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// `request.uid`, echoed as `response.uid`.
    pub uid: String,
    /// The object's kind (`request.kind.kind`), for messages.
    pub kind: String,
    /// What to judge.
    pub gated: Gated,
}

/// How an image is pinned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRef {
    /// `name@sha256:…` (a tag before the digest is ignored, as the container runtime ignores it).
    Digest {
        /// The repository (and tag), before `@`.
        name: String,
        /// The digest.
        digest: Sha256Digest,
    },
    /// No digest: a tag (or the implied `latest`), which can be moved.
    TagOnly,
    /// An `@` digest that is not a SHA-256 digest; says what is wrong.
    BadDigest(String),
}

/// How `image` is pinned.
pub fn image_ref(image: &str) -> ImageRef {
    let Some((name, digest)) = image.rsplit_once('@') else {
        return ImageRef::TagOnly;
    };
    match Sha256Digest::parse(digest) {
        Ok(d) if !name.is_empty() => ImageRef::Digest {
            name: name.to_string(),
            digest: d,
        },
        Ok(_) => ImageRef::BadDigest("the image reference has no name before '@'".into()),
        Err(e) => ImageRef::BadDigest(e),
    }
}

/// The gated kinds: (group, kind) and the path of their pod spec in the object.
const KINDS: &[(&str, &str, &[&str])] = &[
    ("", "Pod", &["spec"]),
    ("apps", "Deployment", &["spec", "template", "spec"]),
    ("apps", "StatefulSet", &["spec", "template", "spec"]),
    ("apps", "DaemonSet", &["spec", "template", "spec"]),
    ("apps", "ReplicaSet", &["spec", "template", "spec"]),
    ("", "ReplicationController", &["spec", "template", "spec"]),
    ("batch", "Job", &["spec", "template", "spec"]),
    (
        "batch",
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// The container lists of a pod spec.
const CONTAINER_FIELDS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Reads an AdmissionReview v1 request. `Err` (a `400`) when the body is not one; a review
/// of a kind the gate does not check is `Ok` with [`Gated::No`].
pub fn parse(bytes: &[u8]) -> Result<Review, ReviewError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            ReviewError::Truncated(e.to_string())
        } else {
            ReviewError::NotJson(e.to_string())
        }
    })?;
    let bad = |m: String| Err(ReviewError::NotReview(m));
    if !v.is_object() {
        return bad("the body is not a JSON object".into());
    }
    match (str_at(&v, "apiVersion"), str_at(&v, "kind")) {
        (Some(API_VERSION), Some("AdmissionReview")) => {}
        (Some(API_VERSION), other) => {
            return bad(format!("kind is {other:?}, expected \"AdmissionReview\""));
        }
        (other, _) => {
            return bad(format!(
                "apiVersion is {other:?}; rampart reads {API_VERSION} (set admissionReviewVersions: [\"v1\"] in the webhook configuration)"
            ));
        }
    }
    let Some(request) = v.get("request").filter(|r| r.is_object()) else {
        return bad("it has no request object".into());
    };
    let uid = match request.get("uid") {
        Some(Value::String(u)) if !u.is_empty() && u.len() <= MAX_UID_BYTES => u.clone(),
        Some(Value::String(u)) if u.is_empty() => return bad("request.uid is empty".into()),
        Some(Value::String(u)) => {
            return bad(format!(
                "request.uid is {} bytes, over {MAX_UID_BYTES}",
                u.len()
            ));
        }
        _ => return bad("request.uid is missing or not a string".into()),
    };
    let object = request.get("object").filter(|o| !o.is_null());
    // The group and kind: request.kind (always sent by Kubernetes), else the object's own.
    let kind = request
        .get("kind")
        .and_then(|k| str_at(k, "kind"))
        .or_else(|| object.and_then(|o| str_at(o, "kind")))
        .unwrap_or("")
        .to_string();
    let group = match request.get("kind").and_then(|k| str_at(k, "group")) {
        Some(g) => g.to_string(),
        None => object
            .and_then(|o| str_at(o, "apiVersion"))
            .and_then(|a| a.split_once('/'))
            .map_or(String::new(), |(g, _)| g.to_string()),
    };
    let review = |gated| {
        Ok(Review {
            uid: uid.clone(),
            kind: kind.clone(),
            gated,
        })
    };
    let Some(&(_, _, path)) = KINDS.iter().find(|(g, k, _)| *g == group && *k == kind) else {
        let shown = if group.is_empty() {
            kind.clone()
        } else {
            format!("{kind}.{group}")
        };
        return review(Gated::No(format!("kind {shown:?} is not gated")));
    };
    if let Some(op) = str_at(request, "operation")
        && op != "CREATE"
        && op != "UPDATE"
    {
        return review(Gated::No(format!("operation {op} is not gated")));
    }
    let Some(object) = object else {
        return review(Gated::No("the request has no object".into()));
    };
    review(pod_images(object, path))
}

/// The images of the pod spec at `path` in `object`.
fn pod_images(object: &Value, path: &[&str]) -> Gated {
    let mut spec = object;
    for (i, key) in path.iter().enumerate() {
        match spec.get(key) {
            Some(v) if v.is_object() => spec = v,
            _ => {
                return Gated::Unreadable(format!("it has no {} object", path[..=i].join(".")));
            }
        }
    }
    let at = path.join(".");
    let mut images = Vec::new();
    for field in CONTAINER_FIELDS {
        let list = match spec.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(a)) => a,
            Some(_) => return Gated::Unreadable(format!("{at}.{field} is not a list")),
        };
        for (i, c) in list.iter().enumerate() {
            if images.len() == MAX_CONTAINERS {
                return Gated::Unreadable(format!("it has more than {MAX_CONTAINERS} containers"));
            }
            if !c.is_object() {
                return Gated::Unreadable(format!("{at}.{field}[{i}] is not an object"));
            }
            let image = match c.get("image") {
                // Kubernetes' own validation refuses a container without an image.
                None | Some(Value::Null) => continue,
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    return Gated::Unreadable(format!("{at}.{field}[{i}].image is not a string"));
                }
            };
            let container = match str_at(c, "name") {
                Some(n) => format!("{field}[{i}] {n:?}"),
                None => format!("{field}[{i}]"),
            };
            images.push(ImageUse { image, container });
        }
    }
    Gated::Images(images)
}

/// The AdmissionReview v1 answer to request `uid`: `allowed`, and when refused a `403` status
/// with `message`; `warnings` shown to the client (`kubectl` prints them).
pub fn response(uid: &str, allowed: bool, message: &str, warnings: &[String]) -> Value {
    let mut r = json!({"uid": uid, "allowed": allowed});
    if !allowed {
        r["status"] = json!({"code": 403, "message": message});
    } else if !message.is_empty() {
        r["status"] = json!({"code": 200, "message": message});
    }
    if !warnings.is_empty() {
        r["warnings"] = json!(warnings);
    }
    json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": r})
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9";

    #[test]
    fn image_references() {
        assert!(matches!(
            image_ref(&format!("ghcr.io/acme/api@sha256:{HEX}")),
            ImageRef::Digest { ref name, .. } if name == "ghcr.io/acme/api"
        ));
        assert!(matches!(
            image_ref(&format!("localhost:5000/api:1.2@sha256:{HEX}")),
            ImageRef::Digest { ref name, .. } if name == "localhost:5000/api:1.2"
        ));
        assert_eq!(image_ref("nginx"), ImageRef::TagOnly);
        assert_eq!(image_ref("localhost:5000/nginx:1.27"), ImageRef::TagOnly);
        assert!(
            matches!(image_ref("a@sha512:abcd"), ImageRef::BadDigest(m) if m.contains("sha512"))
        );
        assert!(matches!(image_ref("a@sha256:abcd"), ImageRef::BadDigest(_)));
        assert!(matches!(
            image_ref(&format!("@sha256:{HEX}")),
            ImageRef::BadDigest(_)
        ));
    }

    fn review(kind: &str, group: &str, object: Value) -> Value {
        json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "request": {
            "uid": "u-1", "kind": {"group": group, "version": "v1", "kind": kind},
            "operation": "CREATE", "object": object}})
    }

    #[test]
    fn reads_every_container_list() {
        let spec = json!({"containers": [{"name": "a", "image": "x"}],
                          "initContainers": [{"name": "i", "image": "y"}],
                          "ephemeralContainers": [{"image": "z"}]});
        let r = parse(
            review("Pod", "", json!({"spec": spec}))
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        let Gated::Images(images) = r.gated else {
            panic!("{r:?}")
        };
        let got: Vec<(&str, &str)> = images
            .iter()
            .map(|i| (i.image.as_str(), i.container.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("x", "containers[0] \"a\""),
                ("y", "initContainers[0] \"i\""),
                ("z", "ephemeralContainers[0]")
            ]
        );
    }

    #[test]
    fn other_kinds_operations_and_groups_are_not_gated() {
        let r = parse(review("ConfigMap", "", json!({})).to_string().as_bytes()).unwrap();
        assert!(
            matches!(r.gated, Gated::No(ref m) if m.contains("ConfigMap")),
            "{r:?}"
        );
        let r = parse(
            review("Deployment", "example.com", json!({}))
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        assert!(matches!(r.gated, Gated::No(_)), "{r:?}");
        let mut v = review("Pod", "", Value::Null);
        v["request"]["operation"] = json!("DELETE");
        assert!(matches!(
            parse(v.to_string().as_bytes()).unwrap().gated,
            Gated::No(_)
        ));
    }

    #[test]
    fn malformed_reviews_and_pod_specs_say_what_is_wrong() {
        for (body, want) in [
            ("", "cut short"),
            ("{\"apiVersion\": ", "cut short"),
            ("nope", "not JSON"),
            ("[]", "not a JSON object"),
            (
                "{\"apiVersion\": \"admission.k8s.io/v1beta1\", \"kind\": \"AdmissionReview\"}",
                "v1beta1",
            ),
            (
                "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"Pod\"}",
                "kind is",
            ),
            (
                "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\"}",
                "no request",
            ),
            (
                "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": 7}}",
                "uid",
            ),
        ] {
            let e = parse(body.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(want), "{body}: {e}");
        }
        for (object, want) in [
            (json!({}), "no spec object"),
            (json!({"spec": {}}), "no spec.template object"),
            (
                json!({"spec": {"template": {"spec": {"containers": {}}}}}),
                "not a list",
            ),
            (
                json!({"spec": {"template": {"spec": {"containers": [1]}}}}),
                "not an object",
            ),
            (
                json!({"spec": {"template": {"spec": {"containers": [{"image": 1}]}}}}),
                "not a string",
            ),
        ] {
            let r = parse(review("Deployment", "apps", object).to_string().as_bytes()).unwrap();
            assert!(
                matches!(r.gated, Gated::Unreadable(ref m) if m.contains(want)),
                "{want}: {r:?}"
            );
        }
    }

    #[test]
    fn answers_echo_the_uid() {
        let v = response("u-1", false, "image x has no attestation", &[]);
        assert_eq!(v["response"]["uid"], "u-1");
        assert_eq!(v["response"]["allowed"], false);
        assert_eq!(v["response"]["status"]["code"], 403);
        assert!(v["response"].get("warnings").is_none());
        let v = response("u-2", true, "", &["w".into()]);
        assert_eq!(v["response"]["warnings"], json!(["w"]));
        assert!(v["response"].get("status").is_none());
    }
}
