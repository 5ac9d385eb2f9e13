//! A package URL splitter: `pkg:type/namespace/name@version?qualifiers#subpath`
//! (<https://github.com/package-url/purl-spec>). Only what an inventory needs: the type (the
//! ecosystem), namespace, name and version, percent-decoded. rampart-deps has its own parser
//! mapped to its ecosystems; this crate depends on the core only.

/// The parts of a package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// The package type, lower-cased (`npm`, `pypi`, `maven`, `golang`, `cargo`…).
    pub ty: String,
    /// The namespace (`@babel`, a Maven group id, `github.com/x`), or empty.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// The version, or empty.
    pub version: String,
}

/// Splits a package URL; `None` when it does not start with `pkg:` and a type followed by `/`.
pub fn parse(purl: &str) -> Option<Purl> {
    let scheme = purl.get(..4)?;
    if !scheme.eq_ignore_ascii_case("pkg:") {
        return None;
    }
    let rest = purl[4..].trim_start_matches('/');
    let rest = rest.split('#').next().unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    let (ty, path) = rest.split_once('/')?;
    if ty.is_empty()
        || !ty
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return None;
    }
    let path = path.trim_matches('/');
    let (path, version) = match path.rfind('@') {
        Some(i) if i > 0 && !path[i..].contains('/') => (&path[..i], decode(&path[i + 1..])),
        _ => (path, String::new()),
    };
    let (namespace, name) = match path.rsplit_once('/') {
        Some((ns, name)) => (
            ns.split('/').map(decode).collect::<Vec<_>>().join("/"),
            decode(name),
        ),
        None => (String::new(), decode(path)),
    };
    if name.is_empty() {
        return None;
    }
    Some(Purl {
        ty: ty.to_ascii_lowercase(),
        namespace,
        name,
        version,
    })
}

/// Percent-decodes one part (a `%` not followed by two hex digits stays as it is).
fn decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                b.get(i + 1).and_then(|c| (*c as char).to_digit(16)),
                b.get(i + 2).and_then(|c| (*c as char).to_digit(16)),
            )
        {
            out.push((hi << 4 | lo) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<(String, String, String, String)> {
        parse(s).map(|p| (p.ty, p.namespace, p.name, p.version))
    }

    fn t(a: &str, b: &str, c: &str, d: &str) -> Option<(String, String, String, String)> {
        Some((a.into(), b.into(), c.into(), d.into()))
    }

    #[test]
    fn splits_the_spec_examples() {
        assert_eq!(
            p("pkg:npm/%40babel/core@7.24.0"),
            t("npm", "@babel", "core", "7.24.0")
        );
        assert_eq!(
            p("pkg:maven/org.apache.commons/io@1.3.4?type=jar#src"),
            t("maven", "org.apache.commons", "io", "1.3.4")
        );
        assert_eq!(
            p("pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c"),
            t(
                "golang",
                "github.com/gorilla",
                "context",
                "234fd47e07d1004f0aed9c"
            )
        );
        assert_eq!(
            p("pkg:PyPI/Django@1.11.1"),
            t("pypi", "", "Django", "1.11.1")
        );
        assert_eq!(
            p("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"),
            t("deb", "debian", "curl", "7.50.3-1")
        );
        assert_eq!(p("pkg:cargo/serde"), t("cargo", "", "serde", ""));
        assert_eq!(
            p("pkg:npm/a@1.0.0%2Bbuild%zz"),
            t("npm", "", "a", "1.0.0+build%zz")
        );
    }

    #[test]
    fn refuses_what_is_not_a_purl() {
        for s in [
            "",
            "pkg",
            "npm/a@1",
            "pkg:npm",
            "pkg:/a",
            "pkg:np m/a",
            "pkg:npm/",
            "pkg:é/a",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
