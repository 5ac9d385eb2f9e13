//! Why an upload cannot be imported. Every message says where (a JSON pointer, or a line and
//! column when the JSON itself is broken), what is wrong and what is expected.

use crate::Format;
use crate::json::{Field, TOO_MANY};

/// The formats `import` accepts and how it recognises each, for messages.
pub(crate) const ACCEPTED: &str = "SARIF 2.1.0 (an object with `runs`), CycloneDX 1.4–1.6 JSON \
     (`\"bomFormat\": \"CycloneDX\"`), SPDX 2.2–2.3 JSON (`spdxVersion`) or a rampart JSON report \
     1.x (`schema_version` and `findings`)";

/// An upload that cannot be imported. Nothing is returned with it: an error means no `Import`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// No bytes, or only white space.
    #[error("the upload is empty: expected a JSON document, one of {ACCEPTED}")]
    Empty,
    /// The bytes are not JSON (or the document is cut short).
    #[error("the upload is not valid JSON: {reason} at line {line}, column {column}")]
    NotJson {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's description (`expected value`, `EOF while parsing a string`…).
        reason: String,
    },
    /// An XML document (a CycloneDX or SPDX XML export, a SARIF-like XML report).
    #[error(
        "the upload is XML{what}: only JSON is accepted; export it as JSON (one of {ACCEPTED})"
    )]
    Xml {
        /// ` (a CycloneDX BOM)` when the document says so, else empty.
        what: String,
    },
    /// JSON of no accepted format.
    #[error("unknown format: {found}; accepted: {ACCEPTED}")]
    UnknownFormat {
        /// What the document is instead.
        found: String,
    },
    /// The caller declared a format the document does not have.
    #[error("the upload was declared as {} but {found}", .expected.label())]
    WrongFormat {
        /// The declared format.
        expected: Format,
        /// What the document is instead.
        found: String,
    },
    /// A known format in a version this crate does not read.
    #[error("{pointer}: {} version {found} is not supported; accepted: {accepted}", .format.label())]
    UnsupportedVersion {
        /// The format.
        format: Format,
        /// JSON pointer of the version field (`/version`, `/specVersion`…).
        pointer: String,
        /// The version found.
        found: String,
        /// The versions accepted.
        accepted: &'static str,
    },
    /// A required field is absent or `null`.
    #[error("{pointer}: missing; expected {expected}")]
    Missing {
        /// JSON pointer of the field.
        pointer: String,
        /// What should be there.
        expected: String,
    },
    /// A required field has the wrong type or an invalid value.
    #[error("{pointer}: found {found}; expected {expected}")]
    Invalid {
        /// JSON pointer of the field (or `line L, column C` when only that is known).
        pointer: String,
        /// What is there.
        found: String,
        /// What should be there.
        expected: String,
    },
    /// Over a limit: input bytes, findings, components or items in one array.
    #[error("the upload is too large: {what}; the limit is {limit}")]
    TooLarge {
        /// What is too large, and where.
        what: String,
        /// The limit.
        limit: String,
    },
    /// Arrays and objects nested deeper than serde_json's recursion limit.
    #[error(
        "the JSON is nested too deeply at line {line}, column {column}: at most 128 levels of \
         arrays and objects are accepted"
    )]
    TooDeep {
        /// 1-based line where the limit was hit.
        line: usize,
        /// 1-based column where the limit was hit.
        column: usize,
    },
}

impl ImportError {
    /// The error for a serde_json failure while reading the document.
    pub(crate) fn from_json(e: &serde_json::Error) -> ImportError {
        let (line, column) = (e.line(), e.column());
        let text = e.to_string();
        let reason = text
            .strip_suffix(&format!(" at line {line} column {column}"))
            .unwrap_or(&text)
            .to_string();
        if reason.contains("recursion limit exceeded") {
            return ImportError::TooDeep { line, column };
        }
        if reason == TOO_MANY {
            return ImportError::TooLarge {
                what: format!("an array ending at line {line}, column {column} has {TOO_MANY}"),
                limit: format!("{} items", crate::json::MAX_ITEMS),
            };
        }
        if reason == crate::kept::TOO_MANY_KEPT {
            return ImportError::TooLarge {
                what: format!(
                    "more than {} JSON values in properties and other data kept as it is (the \
                     last at line {line}, column {column})",
                    crate::limits::MAX_KEPT_VALUES
                ),
                limit: format!("{} values", crate::limits::MAX_KEPT_VALUES),
            };
        }
        if e.is_data() {
            // The lenient structs accept every type, so this is a repeated key.
            return ImportError::Invalid {
                pointer: format!("line {line}, column {column}"),
                found: reason,
                expected: "each key at most once in an object".into(),
            };
        }
        let reason = if e.is_eof() {
            format!("{reason} (the document ends early: is it truncated?)")
        } else {
            reason
        };
        ImportError::NotJson {
            line,
            column,
            reason,
        }
    }
}

/// A required field's value, or the error naming its pointer.
pub(crate) fn required<'x, T>(
    field: &'x Field<T>,
    pointer: impl FnOnce() -> String,
    expected: &str,
) -> Result<&'x T, ImportError> {
    match field {
        Field::Ok(v) => Ok(v),
        Field::Missing => Err(ImportError::Missing {
            pointer: pointer(),
            expected: expected.to_string(),
        }),
        Field::Wrong(found) => Err(ImportError::Invalid {
            pointer: pointer(),
            found: found.describe().to_string(),
            expected: expected.to_string(),
        }),
    }
}

/// Escapes an object key for a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn pointer_key(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
