//! CycloneDX 1.4–1.6 JSON BOMs: every component, nested ones included.

use crate::error::{ImportError, required};
use crate::json::{Field, List, Obj};
use crate::limits::{self, Warnings};
use crate::{Component, Document, purl};
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashSet;

type Str<'a> = Field<Cow<'a, str>>;

/// A list of components being walked: its JSON pointer, its items, the next index.
type Items<'x, 'a> = (String, &'x [Field<Obj<Comp<'a>>>], usize);

/// `metadata`: the component the BOM describes (the project).
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Metadata<'a> {
    #[serde(borrow)]
    component: Field<Obj<Comp<'a>>>,
}

/// A component; `name` is required.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Comp<'a> {
    #[serde(borrow, rename = "bom-ref")]
    bom_ref: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    version: Str<'a>,
    #[serde(borrow)]
    purl: Str<'a>,
    #[serde(borrow)]
    components: Field<List<Obj<Comp<'a>>>>,
    #[serde(borrow)]
    licenses: Field<List<Obj<LicenseChoice<'a>>>>,
}

/// An entry of a component's `licenses`: a licence, or an SPDX expression.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LicenseChoice<'a> {
    #[serde(borrow)]
    license: Field<Obj<License<'a>>>,
    #[serde(borrow)]
    expression: Str<'a>,
}

/// A licence: its SPDX id, else its name.
#[derive(Deserialize, Default)]
#[serde(default)]
struct License<'a> {
    #[serde(borrow)]
    id: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
}

/// The licences a list of texts names, without blanks and repeats, each cut to
/// [`limits::TEXT_MAX_CHARS`], at most [`limits::MAX_LICENSES`].
pub(crate) fn licenses<'x>(
    names: impl Iterator<Item = &'x str>,
    w: &mut Warnings,
    at: &dyn Fn() -> String,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names.map(str::trim).filter(|n| !n.is_empty()) {
        if out.len() == limits::MAX_LICENSES {
            w.add("licenses", || {
                format!(
                    "{}: more than {} licences; the rest are left out",
                    at(),
                    limits::MAX_LICENSES
                )
            });
            break;
        }
        let n = limits::cut_chars(n, limits::TEXT_MAX_CHARS, "licence", w, at);
        if !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

/// An entry of `dependencies`: `ref` depends on each of `dependsOn`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Dep<'a> {
    #[serde(borrow, rename = "ref")]
    reference: Str<'a>,
    #[serde(borrow, rename = "dependsOn")]
    depends_on: Field<List<Cow<'a, str>>>,
}

const ACCEPTED: &str = "CycloneDX 1.4, 1.5 or 1.6 (JSON)";

/// The components of a BOM, depth first in document order.
pub(crate) fn convert(doc: &Document, w: &mut Warnings) -> Result<Vec<Component>, ImportError> {
    let format = required(&doc.bom_format, || "/bomFormat".into(), "\"CycloneDX\"")?;
    if format != "CycloneDX" {
        return Err(ImportError::Invalid {
            pointer: "/bomFormat".into(),
            found: format!("`{format}`"),
            expected: "\"CycloneDX\"".into(),
        });
    }
    let spec = required(
        &doc.spec_version,
        || "/specVersion".into(),
        "a string such as \"1.6\"",
    )?;
    if !matches!(spec.0.as_ref(), "1.4" | "1.5" | "1.6") {
        return Err(ImportError::UnsupportedVersion {
            format: crate::Format::CycloneDx,
            pointer: "/specVersion".into(),
            found: format!("`{}`", spec.0),
            accepted: ACCEPTED,
        });
    }
    let direct = direct_refs(doc, w);
    let mut out = Vec::new();
    w.wrong_type(&doc.components, "components", || "/components".into());
    let top = doc.components.get().map_or(&[][..], |l| &l.0);
    // (pointer prefix, items) pairs, walked depth first without recursion.
    let mut stack: Vec<Items> = vec![("/components".into(), top, 0)];
    while let Some((base, items, k)) = stack.pop() {
        let Some(item) = items.get(k) else { continue };
        stack.push((base.clone(), items, k + 1));
        let at = format!("{base}/{k}");
        let c = required(item, || at.clone(), "a component object")?;
        if out.len() == limits::MAX_COMPONENTS {
            return Err(too_many());
        }
        out.push(component(c, &at, direct.as_ref(), w)?);
        w.wrong_type(&c.components, "components", || format!("{at}/components"));
        if let Some(children) = c.components.get() {
            stack.push((format!("{at}/components"), &children.0, 0));
        }
    }
    Ok(out)
}

pub(crate) fn too_many() -> ImportError {
    ImportError::TooLarge {
        what: format!("more than {} components", limits::MAX_COMPONENTS),
        limit: format!("{} components per upload", limits::MAX_COMPONENTS),
    }
}

fn component(
    c: &Comp,
    at: &str,
    direct: Option<&HashSet<&str>>,
    w: &mut Warnings,
) -> Result<Component, ImportError> {
    let name = required(
        &c.name,
        || format!("{at}/name"),
        "the component's name, a string",
    )?;
    let (purl, parts) = read_purl(&c.purl, w, || format!("{at}/purl"));
    w.wrong_type(&c.version, "version", || format!("{at}/version"));
    w.wrong_type(&c.bom_ref, "bom-ref", || format!("{at}/bom-ref"));
    let version = c.version.str().map(str::to_string);
    w.wrong_type(&c.licenses, "licenses", || format!("{at}/licenses"));
    let choices = c.licenses.get().map_or(&[][..], |l| &l.0);
    let names = choices.iter().filter_map(|l| l.get()).filter_map(|l| {
        l.expression
            .str()
            .or_else(|| l.license.get().and_then(|x| x.id.str().or(x.name.str())))
    });
    let licenses = licenses(names, w, &|| format!("{at}/licenses"));
    Ok(Component {
        licenses,
        name: limits::cut_chars(name, limits::TEXT_MAX_CHARS, "name", w, || {
            format!("{at}/name")
        }),
        version: version_of(version, parts.as_ref(), w, || format!("{at}/version")),
        ecosystem: parts.map(|p| p.ty).unwrap_or_default(),
        purl,
        direct: direct.map(|d| c.bom_ref.str().is_some_and(|r| d.contains(r))),
    })
}

/// The purl as given (bounded) and its parts; a warning when it is not a purl.
pub(crate) fn read_purl(
    f: &Field<Cow<str>>,
    w: &mut Warnings,
    at: impl Fn() -> String,
) -> (Option<String>, Option<purl::Purl>) {
    w.wrong_type(f, "purl", &at);
    let Some(p) = f.str() else {
        return (None, None);
    };
    let parts = purl::parse(p);
    if parts.is_none() {
        w.add("purl value", || {
            format!(
                "{}: `{p}` is not a package URL (pkg:type/name@version); no ecosystem",
                at()
            )
        });
    }
    (
        Some(limits::cut_bytes(p, limits::PATH_MAX_BYTES, "purl", w, at)),
        parts,
    )
}

/// The document's version, else the purl's, else empty.
pub(crate) fn version_of(
    version: Option<String>,
    parts: Option<&purl::Purl>,
    w: &mut Warnings,
    at: impl FnOnce() -> String,
) -> String {
    let v = version
        .filter(|v| !v.is_empty())
        .or_else(|| parts.map(|p| p.version.clone()))
        .unwrap_or_default();
    limits::cut_chars(&v, limits::TEXT_MAX_CHARS, "version", w, at)
}

/// The bom-refs the described component (`metadata.component`) depends on; `None` without a
/// dependency graph, or when the graph has no entry for that component.
fn direct_refs<'d>(doc: &'d Document<'d>, w: &mut Warnings) -> Option<HashSet<&'d str>> {
    w.wrong_type(&doc.dependencies, "dependencies", || "/dependencies".into());
    let deps = &doc.dependencies.get()?.0;
    if deps.is_empty() {
        return None;
    }
    let root = doc
        .metadata
        .get()
        .and_then(|m| m.component.get())
        .and_then(|c| c.bom_ref.str());
    let Some(root) = root else {
        w.add("direct", || {
            "/metadata/component/bom-ref: missing, so direct dependencies are unknown".into()
        });
        return None;
    };
    let mut direct = HashSet::new();
    let mut found = false;
    for (k, d) in deps.iter().enumerate() {
        let at = || format!("/dependencies/{k}");
        w.wrong_type(d, "dependency", at);
        let Some(d) = d.get() else { continue };
        w.wrong_type(&d.depends_on, "dependsOn", || {
            format!("/dependencies/{k}/dependsOn")
        });
        if d.reference.str() == Some(root) {
            found = true;
            direct.extend(
                d.depends_on
                    .get()
                    .map_or(&[][..], |l| &l.0)
                    .iter()
                    .filter_map(|r| r.str()),
            );
        }
    }
    if !found {
        w.add("direct", || {
            format!("/dependencies: no entry for the described component `{root}`, so direct dependencies are unknown")
        });
        return None;
    }
    Some(direct)
}
