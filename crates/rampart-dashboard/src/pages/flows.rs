//! `GET /ui/projects/{id}/flows`: a project's open taint findings on a branch (the default
//! branch unless `?branch=` names another), findings that share a source or a sink location
//! drawn together as one graph ([`crate::flow_merge`]), each group with links to its findings.
//! At most [`MAX_FINDINGS`] findings are read and [`MAX_GROUPS`] groups drawn; the page says
//! when it cut.

use super::query;
use crate::Ui;
use crate::flow_graph::{self, Input};
use crate::flow_merge;
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, viewer_page};
use axum::extract::{Path, RawQuery, State};
use rampart_server::api::project_for;
use rampart_server::auth::Scope;
use rampart_server::flows;
use serde_json::json;
use std::collections::HashMap;

/// Most findings read.
pub const MAX_FINDINGS: i64 = 300;
/// Most groups drawn.
pub const MAX_GROUPS: usize = 12;
/// Most nodes in one group's graph.
pub const MAX_NODES: usize = 80;

/// The project flows page.
pub async fn page(
    State(ui): State<Ui>,
    viewer: Viewer,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    super::id(&id, "project")?;
    let project = project_for(&ui.app, &viewer.who, &id, Scope::Read).await?;
    let q = query(raw.as_deref())?;
    if let Some(k) = q.keys().find(|k| k.as_str() != "branch") {
        return Err(PageError::bad_request(format!(
            "Unknown query parameter `{k}`: this page takes `branch`."
        )));
    }
    let branch = q
        .get("branch")
        .cloned()
        .unwrap_or(project.default_branch.clone());
    if branch.len() > 1000 || branch.chars().any(char::is_control) {
        return Err(PageError::bad_request("The branch name is not valid."));
    }
    let store = &ui.app.store;
    let branches = rampart_server::overview::branches(store, &project).await?;
    let (traced, more) = flows::open_traced(store, project.id, &branch, MAX_FINDINGS).await?;
    let by_id: HashMap<i64, &flows::TracedFinding> = traced.iter().map(|f| (f.id, f)).collect();
    let all = flow_merge::groups(&traced, MAX_NODES);
    let groups: Vec<_> = all
        .iter()
        .take(MAX_GROUPS)
        .enumerate()
        .map(|(g, group)| {
            let inputs: Vec<Input> = group
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    // A node links to its step on the flow page of the first finding through it.
                    let first = n.findings[0];
                    let k = by_id.get(&first).and_then(|f| {
                        f.trace.iter().position(|s| {
                            s.path == n.step.path && s.line == n.step.line && s.col == n.step.col
                        })
                    });
                    Input {
                        path: n.step.path.clone(),
                        function: n.step.function.clone(),
                        message: n.step.message.clone(),
                        line: n.step.line,
                        col: n.step.col,
                        kind: n.kind,
                        href: format!("/ui/findings/{first}/flow#step-{}", k.unwrap_or(0) + 1),
                        number: format!("{}", i + 1),
                    }
                })
                .collect();
            let graph = flow_graph::layout(&inputs, &group.edges);
            let findings: Vec<_> = group
                .findings
                .iter()
                .filter_map(|id| by_id.get(id))
                .map(|f| {
                    let (src, sink) = (&f.trace[0], &f.trace[f.trace.len() - 1]);
                    json!({
                        "id": f.id, "title": f.title, "severity": f.severity, "rule": f.rule, "tool": f.tool,
                        "steps": f.trace.len(),
                        "source": format!("{}:{}", src.path, src.line),
                        "sink": format!("{}:{}", sink.path, sink.line),
                        "drawn": !group.not_drawn.contains(&f.id),
                    })
                })
                .collect();
            json!({"n": g + 1, "graph": graph, "findings": findings, "not_drawn": group.not_drawn.len()})
        })
        .collect();
    let hidden: Vec<i64> = all
        .iter()
        .skip(MAX_GROUPS)
        .flat_map(|g| g.findings.iter().copied())
        .collect();
    let hidden: Vec<_> = hidden
        .iter()
        .filter_map(|id| by_id.get(id))
        .map(|f| json!({"id": f.id, "title": f.title, "severity": f.severity}))
        .collect();
    Ok(viewer_page(
        &viewer,
        "flows.html",
        json!({
            "title": format!("Data flows of {}", project.name),
            "nav": "portfolio",
            "project": {"id": project.id, "name": project.name, "default_branch": project.default_branch},
            "branch": branch,
            "branches": branches,
            "groups": groups,
            "group_count": all.len(),
            "finding_count": traced.len(),
            "more": more,
            "hidden": hidden,
            "max_findings": MAX_FINDINGS,
            "max_groups": MAX_GROUPS,
            "max_nodes": MAX_NODES,
        }),
    ))
}
