//! Native capabilities: the logic a rule file names with `check = "…"`, configured by its
//! `params`. Each one is generic enough that a similar rule is a new data file only
//! (`schema-keywords` serves the string, integer and array limits; `property-names` both mass
//! assignment and sensitive response fields).

mod ops;
mod schemas;
mod security;

use crate::api::Api;
use crate::rules::Params;
use crate::spec::At;

/// One place a rule fires.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    /// The node the finding is about.
    pub at: At<'a>,
    /// A stable key for the fingerprint (no line numbers): what and where, logically.
    pub key: String,
    /// The message: what is wrong here.
    pub message: String,
    /// Values for the rule's message template (`{op}`, `{name}`…).
    pub vars: Vec<(&'static str, String)>,
}

impl<'a> Hit<'a> {
    /// A hit with its key and default message.
    pub fn new(at: At<'a>, key: impl Into<String>, message: impl Into<String>) -> Hit<'a> {
        Hit {
            at,
            key: key.into(),
            message: message.into(),
            vars: Vec::new(),
        }
    }

    /// Adds a template variable.
    pub fn var(mut self, name: &'static str, value: impl Into<String>) -> Hit<'a> {
        self.vars.push((name, value.into()));
        self
    }
}

/// A capability: its name, the parameters it takes, and its function.
pub struct Cap {
    /// The name rule files use.
    pub name: &'static str,
    /// Parameter names it reads.
    pub params: &'static [&'static str],
    /// Runs it over one spec.
    pub run: for<'a> fn(&Api<'a>, &Params, &mut Vec<Hit<'a>>),
}

const CAPS: &[Cap] = &[
    Cap {
        name: "operation-security",
        params: &["methods", "when", "except_path_pattern"],
        run: ops::operation_security,
    },
    Cap {
        name: "response-missing",
        params: &["codes", "methods", "secured_only"],
        run: ops::response_missing,
    },
    Cap {
        name: "response-header-missing",
        params: &["codes_pattern", "headers"],
        run: ops::response_header_missing,
    },
    Cap {
        name: "admin-security-unique",
        params: &["path_pattern"],
        run: ops::admin_security_unique,
    },
    Cap {
        name: "parameter-name",
        params: &["name_pattern", "in", "types"],
        run: ops::parameter_name,
    },
    Cap {
        name: "security-scheme",
        params: &["type", "scheme", "in"],
        run: security::security_scheme,
    },
    Cap {
        name: "oauth-flows",
        params: &["flows", "require"],
        run: security::oauth_flows,
    },
    Cap {
        name: "jwt-practice",
        params: &["description_pattern"],
        run: security::jwt_practice,
    },
    Cap {
        name: "server-url",
        params: &["url_pattern", "except_pattern"],
        run: security::server_url,
    },
    Cap {
        name: "servers-missing",
        params: &[],
        run: security::servers_missing,
    },
    Cap {
        name: "server-field",
        params: &["field", "value_pattern"],
        run: security::server_field,
    },
    Cap {
        name: "schema-keywords",
        params: &["types", "require", "when", "uses"],
        run: schemas::schema_keywords,
    },
    Cap {
        name: "property-names",
        params: &["name_pattern", "uses", "methods", "except_path_pattern"],
        run: schemas::property_names,
    },
    Cap {
        name: "example-secrets",
        params: &["value_pattern", "key_pattern", "placeholder_pattern"],
        run: schemas::example_secrets,
    },
];

/// The capability named `name`.
pub fn get(name: &str) -> Option<&'static Cap> {
    CAPS.iter().find(|c| c.name == name)
}

/// Every capability's name.
pub fn names() -> Vec<&'static str> {
    CAPS.iter().map(|c| c.name).collect()
}
