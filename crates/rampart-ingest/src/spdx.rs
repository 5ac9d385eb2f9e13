//! SPDX 2.2–2.3 JSON documents: `packages`, with `direct` from `relationships`.

use crate::cyclonedx::{read_purl, too_many, version_of};
use crate::error::{ImportError, required};
use crate::json::{Field, List, Obj};
use crate::limits::{self, Warnings};
use crate::{Component, Document};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashSet;

type Str<'a> = Field<Cow<'a, str>>;

/// A package; `SPDXID` and `name` are required.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Package<'a> {
    #[serde(borrow, rename = "SPDXID")]
    id: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow, rename = "versionInfo")]
    version: Str<'a>,
    #[serde(borrow, rename = "externalRefs")]
    refs: Field<List<Obj<ExternalRef<'a>>>>,
    #[serde(borrow, rename = "licenseConcluded")]
    concluded: Str<'a>,
    #[serde(borrow, rename = "licenseDeclared")]
    declared: Str<'a>,
}

/// An SPDX licence field that names a licence (not `NOASSERTION` or `NONE`).
fn named<'x>(f: &'x Str<'_>) -> Option<&'x str> {
    f.str()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "NOASSERTION" && *l != "NONE")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExternalRef<'a> {
    #[serde(borrow, rename = "referenceType")]
    ty: Str<'a>,
    #[serde(borrow, rename = "referenceLocator")]
    locator: Str<'a>,
}

/// A relationship: `spdxElementId` `relationshipType` `relatedSpdxElement`, all required.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Relationship<'a> {
    #[serde(borrow, rename = "spdxElementId")]
    from: Str<'a>,
    #[serde(borrow, rename = "relationshipType")]
    ty: Str<'a>,
    #[serde(borrow, rename = "relatedSpdxElement")]
    to: Str<'a>,
}

const ACCEPTED: &str = "SPDX 2.2 or 2.3 (JSON)";

/// The packages of the document, without the described root when it stands for the project.
///
/// A package is direct when a described root `DEPENDS_ON` it, or it is a `DEPENDENCY_OF` (or
/// `DEV_`, `BUILD_`, `RUNTIME_`, `OPTIONAL_`, `PROVIDED_`, `TEST_DEPENDENCY_OF`) a described
/// root; `direct` is `None` when the document has no dependency relationship at all. A
/// described package is left out when other packages are not described and it is the project:
/// it has dependencies or `CONTAINS` others, or has no purl.
pub(crate) fn convert(doc: &Document, w: &mut Warnings) -> Result<Vec<Component>, ImportError> {
    let version = match &doc.spdx_version {
        Field::Missing if doc.context.get().is_some() => {
            return Err(ImportError::UnsupportedVersion {
                format: crate::Format::Spdx,
                pointer: "/@context".into(),
                found: "3 (JSON-LD)".into(),
                accepted: ACCEPTED,
            });
        }
        f => required(f, || "/spdxVersion".into(), "a string such as \"SPDX-2.3\"")?,
    };
    if !matches!(version.0.as_ref(), "SPDX-2.2" | "SPDX-2.3") {
        return Err(ImportError::UnsupportedVersion {
            format: crate::Format::Spdx,
            pointer: "/spdxVersion".into(),
            found: format!("`{}`", version.0),
            accepted: ACCEPTED,
        });
    }
    let doc_id = doc.spdx_id.str().unwrap_or("SPDXRef-DOCUMENT");
    let mut roots: HashSet<&str> = HashSet::new();
    w.wrong_type(&doc.describes, "documentDescribes", || {
        "/documentDescribes".into()
    });
    for d in doc.describes.get().map_or(&[][..], |l| &l.0) {
        roots.extend(d.str());
    }
    // (parent, child) dependency edges; elements that contain others.
    let mut edges: Vec<(&str, &str)> = Vec::new();
    let mut containers: HashSet<&str> = HashSet::new();
    w.wrong_type(&doc.relationships, "relationships", || {
        "/relationships".into()
    });
    for (k, r) in doc
        .relationships
        .get()
        .map_or(&[][..], |l| &l.0)
        .iter()
        .enumerate()
    {
        let at = |s: &str| format!("/relationships/{k}{s}");
        let r = required(r, || at(""), "a relationship object")?;
        let from = required(&r.from, || at("/spdxElementId"), "an SPDX id, a string")?;
        let ty = required(
            &r.ty,
            || at("/relationshipType"),
            "a relationship type, a string",
        )?;
        let to = required(&r.to, || at("/relatedSpdxElement"), "an SPDX id, a string")?;
        let (from, ty, to): (&str, &str, &str) = (from, ty, to);
        match ty {
            "DESCRIBES" if from == doc_id => {
                roots.insert(to);
            }
            "DESCRIBED_BY" if to == doc_id => {
                roots.insert(from);
            }
            "DEPENDS_ON" => edges.push((from, to)),
            "CONTAINS" => {
                containers.insert(from);
            }
            t if t == "DEPENDENCY_OF" || t.ends_with("_DEPENDENCY_OF") => edges.push((to, from)),
            _ => {}
        }
    }
    let direct: Option<HashSet<&str>> = (!edges.is_empty()).then(|| {
        edges
            .iter()
            .filter(|(p, _)| roots.contains(p))
            .map(|&(_, c)| c)
            .collect()
    });
    let parents: HashSet<&str> = edges.iter().map(|&(p, _)| p).collect();
    w.wrong_type(&doc.packages, "packages", || "/packages".into());
    let packages = doc.packages.get().map_or(&[][..], |l| &l.0);
    if packages.len() > limits::MAX_COMPONENTS {
        return Err(too_many());
    }
    let mut ids = Vec::with_capacity(packages.len());
    for (k, p) in packages.iter().enumerate() {
        let p = required(p, || format!("/packages/{k}"), "a package object")?;
        let id = required(
            &p.id,
            || format!("/packages/{k}/SPDXID"),
            "an SPDX id, a string",
        )?;
        ids.push((p, &**id));
    }
    let all_described = ids.iter().all(|(_, id)| roots.contains(id));
    let mut out = Vec::with_capacity(ids.len());
    for (k, (p, id)) in ids.into_iter().enumerate() {
        let at = |s: &str| format!("/packages/{k}{s}");
        let name = required(&p.name, || at("/name"), "the package's name, a string")?;
        let mut purl = Field::Missing;
        w.wrong_type(&p.refs, "externalRefs", || at("/externalRefs"));
        for (j, r) in p.refs.get().map_or(&[][..], |l| &l.0).iter().enumerate() {
            w.wrong_type(r, "externalRef", || at(&format!("/externalRefs/{j}")));
            if let Some(r) = r.get()
                && r.ty.str() == Some("purl")
                && !matches!(r.locator, Field::Missing)
            {
                purl = match &r.locator {
                    Field::Ok(l) => Field::Ok(Cow::Borrowed(&**l)),
                    Field::Wrong(f) => Field::Wrong(*f),
                    Field::Missing => Field::Missing,
                };
                break;
            }
        }
        let is_project =
            parents.contains(id) || containers.contains(id) || matches!(purl, Field::Missing);
        if roots.contains(id) && !all_described && is_project {
            continue;
        }
        let (purl, parts) = read_purl(&purl, w, || at("/externalRefs"));
        w.wrong_type(&p.version, "versionInfo", || at("/versionInfo"));
        let version = p.version.str().map(str::to_string);
        let license = named(&p.concluded).or(named(&p.declared));
        let licenses =
            crate::cyclonedx::licenses(license.into_iter(), w, &|| at("/licenseConcluded"));
        out.push(Component {
            licenses,
            name: limits::cut_chars(name, limits::TEXT_MAX_CHARS, "name", w, || at("/name")),
            version: version_of(version, parts.as_ref(), w, || at("/versionInfo")),
            ecosystem: parts.map(|p| p.ty).unwrap_or_default(),
            purl,
            direct: direct.as_ref().map(|d| d.contains(id)),
        });
    }
    Ok(out)
}
