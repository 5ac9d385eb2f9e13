//! Container image references: name, tag and digest (Dockerfile `FROM`, Kustomize `images`).

/// Splits an image reference into name, tag and digest: `reg:5000/a/b:1.2@sha256:x` →
/// (`reg:5000/a/b`, `1.2`, `sha256:x`); a registry port is not a tag.
pub fn split_image(img: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match img.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (img, None),
    };
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[slash..].rfind(':') {
        Some(c) => (&rest[..slash + c], Some(&rest[slash + c + 1..]), digest),
        None => (rest, None, digest),
    }
}
