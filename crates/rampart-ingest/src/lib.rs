//! Reads scan results uploaded from CI into one normalised model: rampart's JSON report,
//! SARIF 2.1.0 from any tool (semgrep, CodeQL, bandit, checkov, zizmor, trivy…), and the
//! CycloneDX 1.4–1.6 and SPDX 2.2–2.3 JSON inventories. See `docs/ingest.md`.
//!
//! [`import`] reads the whole document in one typed pass (strings without escapes are borrowed
//! from the input), then converts it. Input is treated as hostile: sizes are bounded
//! ([`limits`]), nesting is bounded by serde_json's recursion limit, and anything wrong with a
//! required field is an [`ImportError`] naming its JSON pointer; an error means no [`Import`].

#![forbid(unsafe_code)]

mod cyclonedx;
mod error;
mod fingerprint;
mod json;
mod kept;
pub mod limits;
pub mod purl;
mod rampart_json;
mod rule_docs;
mod sarif;
mod spdx;
mod uri;

pub use error::ImportError;

use json::{Field, List, Obj, Scalar};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What an upload holds, whatever its format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    /// The format read.
    pub format: Format,
    /// Findings (SARIF results, rampart findings); empty for inventories.
    pub findings: Vec<Imported>,
    /// Packages (CycloneDX components, SPDX packages); empty for result formats.
    pub components: Vec<Component>,
    /// What was skipped or cut, one line per kind of problem with its first JSON pointer.
    pub warnings: Vec<String>,
    /// The tools whose results these are, even those that found nothing (each SARIF run's
    /// tool; `rampart` for a rampart report; none for inventories): a finding of one of these
    /// tools that is absent here is gone.
    pub tools: Vec<String>,
    /// What the tools say about the rules of these findings (one entry per tool and rule that
    /// has a finding here and some text).
    pub rules: Vec<RuleDoc>,
    /// The report's own policy verdict, when it carries one (a rampart report's `summary`).
    pub verdict: Option<Verdict>,
}

/// What a tool says about one of its rules, shown beside the rule's findings: a rampart
/// report's `rules` entry, or a SARIF rule's `fullDescription` and `help`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleDoc {
    /// The tool, as in [`Imported::tool`].
    pub tool: String,
    /// The rule id, as in [`Imported::rule`].
    pub rule: String,
    /// Title or short description (may be empty).
    pub title: String,
    /// Why it is dangerous (rampart's `why`; SARIF `fullDescription`), or empty.
    pub why: String,
    /// How to fix it (rampart's `fix`; SARIF `help`, text else Markdown source), or empty.
    pub fix: String,
    /// CWE ids of the rule (`CWE-79` form).
    pub cwe: Vec<String>,
    /// Links to read more (rampart's `references`; SARIF `helpUri`), `http(s)` only.
    pub references: Vec<String>,
}

/// The verdict of the policy gate a scan ran under (rampart's `summary`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the scan passed its gate.
    pub passed: bool,
    /// Active findings at or above the threshold.
    pub failing: u64,
    /// The threshold (`high`…), or `never`.
    pub fail_on: String,
}

/// The formats [`import`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A rampart JSON report (`rampart scan --format json`), schema 1.x.
    Rampart,
    /// A SARIF 2.1.0 log.
    Sarif,
    /// A CycloneDX 1.4–1.6 JSON BOM.
    #[serde(rename = "cyclonedx")]
    CycloneDx,
    /// An SPDX 2.2–2.3 JSON document.
    Spdx,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 4] = [
        Format::Rampart,
        Format::Sarif,
        Format::CycloneDx,
        Format::Spdx,
    ];

    /// Lower-case name: `rampart`, `sarif`, `cyclonedx`, `spdx`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Rampart => "rampart",
            Format::Sarif => "sarif",
            Format::CycloneDx => "cyclonedx",
            Format::Spdx => "spdx",
        }
    }

    /// The format named by [`Format::as_str`] (ASCII case ignored).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// Name for messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Format::Rampart => "a rampart JSON report",
            Format::Sarif => "SARIF",
            Format::CycloneDx => "CycloneDX",
            Format::Spdx => "SPDX",
        }
    }
}

/// One finding from one tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Imported {
    /// The tool: `rampart`, or SARIF `run.tool.driver.name` lower-cased and trimmed
    /// (`Semgrep OSS`/`Semgrep Pro` → `semgrep`, `CodeQL command-line toolchain` → `codeql`).
    pub tool: String,
    /// Rule id (SARIF `ruleId`, else the id of the rule referenced, else `unknown`).
    pub rule: String,
    /// Identity of the finding within (tool, rule), stable when lines move: see `docs/ingest.md`.
    pub fingerprint: String,
    /// Severity (SARIF: `security-severity`, else `level`).
    pub severity: rampart_core::Severity,
    /// Rule title or short description, else the rule id.
    pub title: String,
    /// What was found here (at most [`limits::MESSAGE_MAX_CHARS`] characters).
    pub message: String,
    /// Relative `/`-separated path (rampart's path text: see `docs/json-report.md`), or empty.
    pub path: String,
    /// First line, 1-based; 0 when unknown.
    pub start_line: u32,
    /// First column, 1-based; 0 when unknown.
    pub start_col: u32,
    /// Last line, 1-based; 0 when unknown.
    pub end_line: u32,
    /// Column past the end, 1-based; 0 when unknown.
    pub end_col: u32,
    /// The matched text as the tool gave it (at most [`limits::SNIPPET_MAX_CHARS`] characters).
    pub snippet: String,
    /// CWE ids, `CWE-79` form, without repeats.
    pub cwe: Vec<String>,
    /// Suppressed by the tool (rampart: a `suppression`; SARIF: a suppression not `rejected`).
    pub suppressed: bool,
    /// Tool-specific data worth keeping (see `docs/ingest.md`), `Value::Null` when none.
    pub extra: serde_json::Value,
}

/// One package in an inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Component {
    /// The package URL as given.
    pub purl: Option<String>,
    /// Name as the document gives it.
    pub name: String,
    /// Version as the document gives it (else the purl's), or empty.
    pub version: String,
    /// The purl type (`npm`, `pypi`, `maven`…), or empty without a purl.
    pub ecosystem: String,
    /// Whether the project depends on it directly; `None` when the document has no dependency graph.
    pub direct: Option<bool>,
    /// Its licences as the document gives them (SPDX ids, expressions or names; CycloneDX
    /// `licenses`, SPDX `licenseConcluded` else `licenseDeclared`), at most
    /// [`limits::MAX_LICENSES`]; empty when it names none.
    pub licenses: Vec<String>,
}

/// The top level of every accepted format, read in one pass; each format uses its own fields.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Document<'a> {
    #[serde(borrow, rename = "$schema")]
    schema: Field<Cow<'a, str>>,
    #[serde(borrow)]
    version: Field<Scalar<'a>>,
    #[serde(borrow)]
    runs: Field<List<Obj<sarif::Run<'a>>>>,
    #[serde(borrow, rename = "bomFormat")]
    bom_format: Field<Cow<'a, str>>,
    #[serde(borrow, rename = "specVersion")]
    spec_version: Field<Scalar<'a>>,
    #[serde(borrow)]
    metadata: Field<Obj<cyclonedx::Metadata<'a>>>,
    #[serde(borrow)]
    components: Field<List<Obj<cyclonedx::Comp<'a>>>>,
    #[serde(borrow)]
    dependencies: Field<List<Obj<cyclonedx::Dep<'a>>>>,
    #[serde(borrow, rename = "spdxVersion")]
    spdx_version: Field<Scalar<'a>>,
    #[serde(borrow, rename = "SPDXID")]
    spdx_id: Field<Cow<'a, str>>,
    #[serde(borrow)]
    packages: Field<List<Obj<spdx::Package<'a>>>>,
    #[serde(borrow)]
    relationships: Field<List<Obj<spdx::Relationship<'a>>>>,
    #[serde(borrow, rename = "documentDescribes")]
    describes: Field<List<Cow<'a, str>>>,
    #[serde(rename = "@context")]
    context: Field<serde_json::Value>,
    #[serde(borrow)]
    schema_version: Field<Scalar<'a>>,
    #[serde(borrow)]
    tool: Field<Obj<ToolName<'a>>>,
    #[serde(borrow)]
    findings: Field<List<Obj<rampart_json::Finding<'a>>>>,
    #[serde(borrow)]
    rules: Field<List<Obj<rule_docs::RampartRule<'a>>>>,
    #[serde(borrow)]
    summary: Field<Obj<rule_docs::Summary<'a>>>,
}

/// rampart's `tool` object.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ToolName<'a> {
    #[serde(borrow)]
    name: Field<Cow<'a, str>>,
}

/// What sniffing looks at.
struct Marks<'x> {
    schema: Option<&'x str>,
    has_runs: bool,
    bom_format: Option<&'x str>,
    has_spdx_version: bool,
    spdx_context: bool,
    has_schema_version: bool,
    tool_name: Option<&'x str>,
    has_findings: bool,
}

impl Marks<'_> {
    fn format(&self) -> Option<Format> {
        let schema = self.schema.unwrap_or("").to_ascii_lowercase();
        if self
            .bom_format
            .is_some_and(|b| b.eq_ignore_ascii_case("cyclonedx"))
            || schema.contains("cyclonedx")
        {
            Some(Format::CycloneDx)
        } else if self.has_spdx_version || self.spdx_context {
            Some(Format::Spdx)
        } else if self.has_runs || schema.contains("sarif") {
            Some(Format::Sarif)
        } else if self.has_schema_version
            && (self.tool_name == Some("rampart") || self.has_findings)
        {
            Some(Format::Rampart)
        } else {
            None
        }
    }
}

/// The format of a parsed JSON document, by its marks: `bomFormat: "CycloneDX"` (or a CycloneDX
/// `$schema`) → CycloneDX; `spdxVersion` (or an SPDX `@context`) → SPDX; `runs` (or a SARIF
/// `$schema`) → SARIF; `schema_version` with `findings` or `tool.name == "rampart"` → rampart.
/// Versions are not checked here ([`import`] does).
pub fn sniff(v: &serde_json::Value) -> Option<Format> {
    let o = v.as_object()?;
    let s = |k: &str| o.get(k).and_then(|v| v.as_str());
    Marks {
        schema: s("$schema"),
        has_runs: o.contains_key("runs"),
        bom_format: s("bomFormat"),
        has_spdx_version: o.contains_key("spdxVersion"),
        spdx_context: o.get("@context").is_some_and(mentions_spdx),
        has_schema_version: o.contains_key("schema_version"),
        tool_name: o
            .get("tool")
            .and_then(|t| t.get("name"))
            .and_then(|n| n.as_str()),
        has_findings: o.contains_key("findings"),
    }
    .format()
}

fn mentions_spdx(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains("spdx"),
        serde_json::Value::Array(a) => a.iter().any(mentions_spdx),
        _ => false,
    }
}

/// Reads an upload. With `hint`, the document must be of that format; without, it is sniffed
/// ([`sniff`]). Errors name the JSON pointer (or line and column) of the problem.
pub fn import(bytes: &[u8], hint: Option<Format>) -> Result<Import, ImportError> {
    if bytes.len() > limits::MAX_INPUT_BYTES {
        return Err(ImportError::TooLarge {
            what: format!("{} bytes", bytes.len()),
            limit: format!("{} bytes (256 MiB)", limits::MAX_INPUT_BYTES),
        });
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let Some(start) = start else {
        return Err(ImportError::Empty);
    };
    if bytes[start] == b'<' {
        return Err(xml_error(&bytes[start..]));
    }
    kept::reset(limits::MAX_KEPT_VALUES);
    json::reset_capped(limits::MAX_TRACE_STEPS_PER_UPLOAD);
    let top: Field<Obj<Document>> =
        serde_json::from_slice(bytes).map_err(|e| ImportError::from_json(&e))?;
    let doc = match top {
        Field::Ok(Obj(doc)) => doc,
        Field::Missing => return Err(not_an_object("null")),
        Field::Wrong(found) => return Err(not_an_object(found.describe())),
    };
    let marks = Marks {
        schema: doc.schema.str(),
        has_runs: !matches!(doc.runs, Field::Missing),
        bom_format: doc.bom_format.str(),
        has_spdx_version: !matches!(doc.spdx_version, Field::Missing),
        spdx_context: doc.context.get().is_some_and(mentions_spdx),
        has_schema_version: !matches!(doc.schema_version, Field::Missing),
        tool_name: doc.tool.get().and_then(|t| t.name.str()),
        has_findings: !matches!(doc.findings, Field::Missing),
    };
    let sniffed = marks.format();
    let format = match (hint, sniffed) {
        (Some(h), Some(s)) if h != s => {
            return Err(ImportError::WrongFormat {
                expected: h,
                found: format!("it looks like {}", s.label()),
            });
        }
        (Some(h), None) => {
            return Err(ImportError::WrongFormat {
                expected: h,
                found: format!(
                    "it has none of the marks of any accepted format ({})",
                    marks_of(h)
                ),
            });
        }
        (_, Some(s)) => s,
        (None, None) => {
            return Err(ImportError::UnknownFormat {
                found: "a JSON object without `runs`, `bomFormat`, `spdxVersion` or \
                        `schema_version` and `findings`"
                    .into(),
            });
        }
    };
    let mut warnings = limits::Warnings::default();
    let mut rules = Vec::new();
    let mut verdict = None;
    let (findings, components, tools) = match format {
        Format::Sarif => {
            let (findings, tools, docs) = sarif::convert(&doc, bytes.len(), &mut warnings)?;
            rules = docs;
            (findings, Vec::new(), tools)
        }
        Format::Rampart => {
            let findings = rampart_json::convert(&doc, &mut warnings)?;
            rules = rule_docs::from_rampart(&doc.rules, &findings, &mut warnings);
            verdict = rule_docs::verdict(&doc.summary);
            (findings, Vec::new(), vec!["rampart".to_string()])
        }
        Format::CycloneDx => (
            Vec::new(),
            cyclonedx::convert(&doc, &mut warnings)?,
            Vec::new(),
        ),
        Format::Spdx => (Vec::new(), spdx::convert(&doc, &mut warnings)?, Vec::new()),
    };
    Ok(Import {
        format,
        findings,
        components,
        warnings: warnings.finish(),
        tools,
        rules,
        verdict,
    })
}

fn marks_of(f: Format) -> &'static str {
    match f {
        Format::Sarif => "SARIF has `runs`",
        Format::CycloneDx => "CycloneDX has `\"bomFormat\": \"CycloneDX\"`",
        Format::Spdx => "SPDX has `spdxVersion`",
        Format::Rampart => "a rampart report has `schema_version` and `findings`",
    }
}

fn not_an_object(found: &str) -> ImportError {
    ImportError::UnknownFormat {
        found: format!("the top-level JSON value is {found}, not an object"),
    }
}

fn xml_error(bytes: &[u8]) -> ImportError {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    let what = if head.contains("cyclonedx") {
        " (a CycloneDX BOM)"
    } else if head.contains("spdx") {
        " (an SPDX document)"
    } else {
        ""
    };
    ImportError::Xml { what: what.into() }
}
