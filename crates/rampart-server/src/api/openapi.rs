//! The OpenAPI 3.1 document of the API, served at `/api/v1/openapi.json`, built from [`OPS`]:
//! one entry per route and method. `tests/openapi.rs` checks the table against the router (every
//! entry answers; every other method is `405`; every `.route(…)` in this folder is listed), so
//! the document cannot drift from the code.

use serde_json::{Map, Value, json};

/// One operation: a method on a path.
pub struct Op {
    /// `get`, `post`, `patch`, `delete`.
    pub method: &'static str,
    /// The path under the server root, `{name}` for path parameters.
    pub path: &'static str,
    /// What it does.
    pub summary: &'static str,
    /// The token scope it needs (`None`: no token, e.g. webhooks verified by their secret).
    pub scope: Option<&'static str>,
    /// Only a tenant-wide token may call it (tokens, teams, the audit log, new projects); else a
    /// team-bound token may too, on its teams' projects as its role there allows.
    pub tenant_wide: bool,
    /// Query parameters: name, description.
    pub query: &'static [(&'static str, &'static str)],
    /// The request body's media type, when it takes one.
    pub body: Option<&'static str>,
    /// The success status.
    pub ok: u16,
}

const fn op(
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    scope: Option<&'static str>,
    ok: u16,
) -> Op {
    Op {
        method,
        path,
        summary,
        scope,
        tenant_wide: false,
        query: &[],
        body: None,
        ok,
    }
}

const PAGE: (&str, &str) = ("cursor", "the `next` value of the previous page");
const LIMIT: (&str, &str) = ("limit", "page size, 1 to 500 (default 100)");

/// Every operation of the API.
pub const OPS: &[Op] = &[
    op(
        "get",
        "/healthz",
        "Whether the server and its database answer",
        None,
        200,
    ),
    op("get", "/api/v1/openapi.json", "This document", None, 200),
    op(
        "get",
        "/api/v1/projects",
        "The caller's projects",
        Some("read"),
        200,
    ),
    Op {
        tenant_wide: true,
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/projects",
            "Create a project",
            Some("admin"),
            201,
        )
    },
    op(
        "get",
        "/api/v1/projects/{id}",
        "One project",
        Some("read"),
        200,
    ),
    Op {
        body: Some("application/json"),
        ..op(
            "patch",
            "/api/v1/projects/{id}",
            "Change a project's fields (name, remote, branch, tags, owners, webhook secret, SLA, schedule, forge settings, fix_requests, policy: docs/server.md)",
            Some("admin"),
            200,
        )
    },
    Op {
        query: &[
            (
                "branch",
                "the branch (default: the project's default branch)",
            ),
            ("tool", "only this tool"),
            ("rule", "only this rule"),
            (
                "severity",
                "at least this severity: critical, high, medium, low, info",
            ),
            (
                "path",
                "only findings whose first place (the least path) in the latest scan that saw them starts with this path",
            ),
            ("status", "open (default), fixed or all"),
            (
                "new_since_scan",
                "only findings first seen by this scan or later",
            ),
            (
                "triage",
                "untriaged, in_triage, exploitable, false_positive, not_affected, resolved or any",
            ),
            ("overdue", "true: only open findings past their due date"),
            (
                "sort",
                "id (default: the order first stored), severity (most severe first), newest (latest first seen first) or rule",
            ),
            PAGE,
            LIMIT,
        ],
        ..op(
            "get",
            "/api/v1/projects/{id}/findings",
            "A page of a branch's findings",
            Some("read"),
            200,
        )
    },
    Op {
        query: &[PAGE, LIMIT],
        ..op(
            "get",
            "/api/v1/projects/{id}/scans",
            "The project's scans, newest first",
            Some("read"),
            200,
        )
    },
    Op {
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/projects/{id}/scans",
            "Ask for a scan: of a commit (its hash), or of the local folder as it is",
            Some("upload"),
            202,
        )
    },
    Op {
        query: &[
            ("commit", "the commit the results are for (required)"),
            (
                "branch",
                "the branch (default: the project's default branch)",
            ),
            ("base_commit", "for a pull request: the merge base"),
            (
                "tool",
                "the tool the results cover, when the file does not say",
            ),
            (
                "format",
                "rampart, sarif, cyclonedx or spdx (default: detected)",
            ),
        ],
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/projects/{id}/results",
            "Upload results (201) or, over 8 MiB, queue them (202)",
            Some("upload"),
            201,
        )
    },
    Op {
        query: &[
            ("format", "openvex or rampart-toml"),
            (
                "branch",
                "the branch (default: the project's default branch)",
            ),
        ],
        ..op(
            "get",
            "/api/v1/projects/{id}/triage/export",
            "The decisions in effect, as OpenVEX or [[suppress]] entries",
            Some("read"),
            200,
        )
    },
    op(
        "get",
        "/api/v1/findings/{id}",
        "One finding: branches, history, places, triage",
        Some("read"),
        200,
    ),
    Op {
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/findings/{id}/triage",
            "Record a triage decision",
            Some("triage"),
            201,
        )
    },
    Op {
        query: &[
            ("purl", "a package URL with its version"),
            ("name", "a package name, any version"),
            ("ecosystem", "with name: the purl type"),
            PAGE,
            LIMIT,
        ],
        ..op(
            "get",
            "/api/v1/components",
            "Which projects and branches use a package now",
            Some("read"),
            200,
        )
    },
    Op {
        query: &[(
            "project",
            "the project the attestation belongs to (required)",
        )],
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/attestations",
            "Store signed attestations (DSSE envelopes, one or JSON lines); signatures are checked when they are used",
            Some("upload"),
            201,
        )
    },
    Op {
        query: &[
            ("project", "only this project's"),
            ("cursor", "the `next` value of the previous page"),
            ("limit", "page size, 1 to 100 (default 20)"),
        ],
        ..op(
            "get",
            "/api/v1/attestations/{digest}",
            "The attestations about a SHA-256 digest (sha256:HEX or HEX), newest first, with their envelopes",
            Some("read"),
            200,
        )
    },
    Op {
        query: &[
            (
                "environment",
                "the environment it runs in (required): production, staging…",
            ),
            (
                "artifact",
                "the artifact's digest, sha256: and 64 hex digits (required)",
            ),
            ("commit", "the commit it was built from"),
        ],
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/projects/{id}/deployments",
            "Record a deployment: the body is the artifact's SBOM (CycloneDX or SPDX JSON); supersedes the previous one in the environment",
            Some("upload"),
            201,
        )
    },
    op(
        "get",
        "/api/v1/projects/{id}/deployments",
        "The project's current deployments, one per environment, with their findings (advisories and drift)",
        Some("read"),
        200,
    ),
    op(
        "get",
        "/api/v1/deployments/{id}",
        "One deployment, current or superseded, with its findings",
        Some("read"),
        200,
    ),
    Op {
        tenant_wide: true,
        ..op(
            "post",
            "/api/v1/admin/vuln-db/update",
            "Update the server's vulnerability database now and match the current deployments against its new and changed advisories",
            Some("admin"),
            200,
        )
    },
    op(
        "get",
        "/api/v1/jobs/{id}",
        "A background job's state and result",
        Some("read"),
        200,
    ),
    Op {
        tenant_wide: true,
        ..op(
            "get",
            "/api/v1/tokens",
            "The tenant's API tokens (never their secrets)",
            Some("admin"),
            200,
        )
    },
    Op {
        tenant_wide: true,
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/tokens",
            "Issue a token (its secret is shown once)",
            Some("admin"),
            201,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "delete",
            "/api/v1/tokens/{id}",
            "Revoke a token",
            Some("admin"),
            204,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "get",
            "/api/v1/notification-rules",
            "The tenant's notification rules (secrets not shown) and recent failed deliveries",
            Some("admin"),
            200,
        )
    },
    Op {
        tenant_wide: true,
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/notification-rules",
            "Create a notification rule: events, project tags, minimum severity, publisher (webhook, slack, github, gitlab, jira, email) and its config, daily digest",
            Some("admin"),
            201,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "delete",
            "/api/v1/notification-rules/{id}",
            "Delete a notification rule (its unsent deliveries are cancelled)",
            Some("admin"),
            204,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "get",
            "/api/v1/teams",
            "The tenant's teams, with members and roles",
            Some("admin"),
            200,
        )
    },
    Op {
        tenant_wide: true,
        body: Some("application/json"),
        ..op("post", "/api/v1/teams", "Create a team", Some("admin"), 201)
    },
    Op {
        tenant_wide: true,
        ..op(
            "get",
            "/api/v1/teams/{id}",
            "One team, with members and roles",
            Some("admin"),
            200,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "delete",
            "/api/v1/teams/{id}",
            "Delete a team, its memberships and roles",
            Some("admin"),
            204,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "put",
            "/api/v1/teams/{id}/members/{token}",
            "Make a token a member of a team",
            Some("admin"),
            204,
        )
    },
    Op {
        tenant_wide: true,
        ..op(
            "delete",
            "/api/v1/teams/{id}/members/{token}",
            "Remove a token from a team",
            Some("admin"),
            204,
        )
    },
    op(
        "get",
        "/api/v1/projects/{id}/roles",
        "The teams' roles on a project",
        Some("admin"),
        200,
    ),
    Op {
        body: Some("application/json"),
        ..op(
            "put",
            "/api/v1/projects/{id}/roles/{team}",
            "Grant a team a role on a project: viewer, developer, security or admin",
            Some("admin"),
            204,
        )
    },
    op(
        "delete",
        "/api/v1/projects/{id}/roles/{team}",
        "Take a team's role on a project away",
        Some("admin"),
        204,
    ),
    Op {
        tenant_wide: true,
        query: &[PAGE, LIMIT],
        ..op(
            "get",
            "/api/v1/audit",
            "The tenant's audit log, newest first: triage, tokens, teams, roles, projects",
            Some("admin"),
            200,
        )
    },
    Op {
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/hooks/github/{project}",
            "GitHub webhook (X-Hub-Signature-256)",
            None,
            202,
        )
    },
    Op {
        body: Some("application/json"),
        ..op(
            "post",
            "/api/v1/hooks/gitlab/{project}",
            "GitLab webhook (X-Gitlab-Token)",
            None,
            202,
        )
    },
    Op {
        body: Some("application/json"),
        ..op(
            "post",
            "/k8s/admission",
            "Kubernetes validating admission webhook (AdmissionReview v1; no token; 404 when the server has no --admission-key)",
            None,
            200,
        )
    },
];

fn error_response(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for o in OPS {
        let mut params: Vec<Value> = o
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        params.extend(o.query.iter().map(|(name, description)| {
            json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}})
        }));
        let mut responses = Map::new();
        responses.insert(
            o.ok.to_string(),
            if o.ok == 204 {
                json!({"description": "done"})
            } else {
                json!({"description": "success", "content": {"application/json": {"schema": {"type": "object"}}}})
            },
        );
        for (code, what) in [
            ("400", "a field is missing or wrong"),
            ("404", "no such thing, or not the caller's"),
            ("413", "the body is too large"),
            ("422", "the body cannot be processed"),
            ("429", "over the rate (see Retry-After)"),
            ("503", "the database is unavailable"),
        ] {
            responses.insert(code.into(), error_response(what));
        }
        let mut operation = json!({
            "summary": o.summary,
            "operationId": format!("{}{}", o.method, o.path.replace(['/', '{', '}', '.'], "_")),
            "parameters": params,
            "responses": responses,
        });
        match o.scope {
            Some(scope) => {
                operation["security"] = json!([{"token": []}]);
                operation["description"] = json!(if o.tenant_wide {
                    format!("Needs a tenant-wide token with the `{scope}` scope.")
                } else {
                    format!(
                        "Needs a token with the `{scope}` scope (or `admin`); a team-bound token also needs a role on the project that allows `{scope}` (viewer: read; developer: + upload; security: + triage; admin: all)."
                    )
                });
                operation["responses"]["401"] = error_response("no valid token");
                operation["responses"]["403"] = error_response(
                    "the token lacks the scope, or its role on the project does not allow it",
                );
            }
            None => operation["security"] = json!([]),
        }
        if let Some(media) = o.body {
            operation["requestBody"] =
                json!({"required": true, "content": {media: {"schema": {"type": "object"}}}});
        }
        paths
            .entry(o.path.to_string())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item is an object")
            .insert(o.method.to_string(), operation);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "rampart server", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Findings over time per project, branch and commit; uploads; scans as jobs; triage."},
        "paths": paths,
        "components": {
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer", "description": "an API token, rpt_…"}},
            "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {"code": {"type": "string", "description": "stable, machine-readable"},
                               "field": {"type": ["string", "null"], "description": "the request field at fault"},
                               "message": {"type": "string"}}}}}}
        }
    })
}
