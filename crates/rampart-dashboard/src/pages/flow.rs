//! `GET /ui/findings/{id}/flow`: a taint finding's data flow, source to sink, as a graph (one
//! node per step, grouped by file and function: [`crate::flow_graph`]) over the list of its
//! steps, each with its code at the commit of the scan that last saw the finding. Each node
//! links to its step (`#step-N`), so clicking a node shows the code without script.
//!
//! The trace shown is the first of the finding's places (in file order) that has two steps or
//! more; a finding without one is a 404 page.

use super::finding::finding_for;
use crate::Ui;
use crate::flow_graph::{self, Input, Kind};
use crate::render::{PageError, PageResult};
use crate::session::{Viewer, viewer_page};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use rampart_server::flows::{self, Step};
use serde_json::json;

/// Lines shown each side of a step.
const AROUND: u32 = 2;

/// The graph's input for a trace: one node per step, the first the source, the last the sink.
pub fn nodes_of(trace: &[Step]) -> Vec<Input> {
    let last = trace.len().saturating_sub(1);
    trace
        .iter()
        .enumerate()
        .map(|(i, s)| Input {
            path: s.path.clone(),
            function: s.function.clone(),
            message: s.message.clone(),
            line: s.line,
            col: s.col,
            kind: if i == 0 {
                Kind::Source
            } else if i == last {
                Kind::Sink
            } else {
                Kind::Step
            },
            href: format!("#step-{}", i + 1),
            number: (i + 1).to_string(),
        })
        .collect()
}

/// The data-flow page.
pub async fn page(State(ui): State<Ui>, viewer: Viewer, Path(id): Path<String>) -> PageResult {
    let d = finding_for(&ui, &viewer, &id).await?;
    let project = rampart_server::projects::get(&ui.app.store, viewer.who.tenant, d.project)
        .await?
        .ok_or_else(|| PageError::not_found("finding"))?;
    let no_flow = || {
        PageError::new(
            StatusCode::NOT_FOUND,
            "No data flow",
            "This finding has no data-flow trace of two steps or more (only taint findings have one).",
        )
    };
    let fl = flows::of_finding(&ui.app.store, viewer.who.tenant, d.id)
        .await?
        .ok_or_else(no_flow)?;
    let traced: Vec<_> = fl.places.iter().filter(|p| p.trace.len() >= 2).collect();
    let place = *traced.first().ok_or_else(no_flow)?;
    let trace = &place.trace;
    let chain: Vec<(usize, usize)> = (1..trace.len()).map(|i| (i - 1, i)).collect();
    let graph = flow_graph::layout(&nodes_of(trace), &chain);
    let wanted = trace
        .iter()
        .map(|s| {
            // The report's frame belongs to the finding's own place (usually the sink).
            let report = if s.path == place.path && s.line == place.line {
                place.context.clone()
            } else {
                Vec::new()
            };
            (s.path.clone(), s.line, s.end_line.max(s.line), report)
        })
        .collect();
    let frames = super::code::frames(&ui, &project, &fl.commit, wanted, AROUND).await;
    let last = trace.len() - 1;
    let steps: Vec<_> = trace
        .iter()
        .zip(frames)
        .enumerate()
        .map(|(i, (s, frame))| {
            json!({
                "n": i + 1,
                "kind": if i == 0 { "source" } else if i == last { "sink" } else { "step" },
                "step": s,
                "frame": frame,
            })
        })
        .collect();
    let files = {
        let mut f: Vec<&str> = trace.iter().map(|s| s.path.as_str()).collect();
        f.sort_unstable();
        f.dedup();
        f.len()
    };
    Ok(viewer_page(
        &viewer,
        "flow.html",
        json!({
            "title": format!("Data flow: {}", d.title),
            "nav": "portfolio",
            "project": {"id": project.id, "name": project.name},
            "f": {"id": d.id, "title": d.title, "severity": d.severity, "rule": d.rule, "tool": d.tool},
            "graph": graph,
            "steps": steps,
            "files": files,
            "commit": fl.commit,
            "other_traces": traced.len() - 1,
        }),
    ))
}
