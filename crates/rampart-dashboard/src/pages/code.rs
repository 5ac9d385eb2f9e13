//! Code frames for pages: lines around places at a scan's commit, read from the project's
//! repository off the async runtime (`rampart_server::flows::frames`), with the report's own
//! frame or nothing as the fallback, each frame saying where its lines came from.

use crate::Ui;
use rampart_server::flows::{self, CodeLine, Frame, FrameSource};
use rampart_server::projects::Project;
use serde_json::{Value, json};

/// Most files one page reads from the repository.
pub const MAX_FILES: usize = 20;

/// A place to frame: path, first line, last line, the frame its report carried.
pub type Wanted = (String, u32, u32, Vec<CodeLine>);

/// Frames of `places` at `commit`, `around` lines each side, as the templates show them:
/// `{source: commit|report|none, commit, lines: [{n, text, mark}], unavailable}`.
pub async fn frames(
    ui: &Ui,
    project: &Project,
    commit: &str,
    places: Vec<Wanted>,
    around: u32,
) -> Vec<Value> {
    let src = flows::source_of(project);
    let data = ui.app.data_dir.clone();
    let commit_owned = commit.to_string();
    let n = places.len();
    let read = tokio::task::spawn_blocking(move || {
        flows::frames(
            data.as_deref().map(|p| p.as_path()),
            &src,
            &commit_owned,
            &places,
            around,
            MAX_FILES,
        )
    })
    .await
    .unwrap_or_else(|e| {
        eprintln!("dashboard: reading code frames failed: {e}");
        (0..n)
            .map(|_| Frame {
                source: FrameSource::None,
                lines: Vec::new(),
                unavailable: Some("reading the code failed".into()),
            })
            .collect()
    });
    read.into_iter()
        .map(|f| {
            json!({
                "source": f.source,
                "commit": commit,
                "unavailable": f.unavailable,
                "lines": f.lines.into_iter().map(|(n, text, mark)| json!({"n": n, "text": text, "mark": mark})).collect::<Vec<_>>(),
            })
        })
        .collect()
}
