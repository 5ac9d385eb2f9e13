//! What a Helm chart holds besides what the file walk hands the engine: packaged subcharts
//! (`charts/*.tgz`) and the chart's other files (`.Files`), both read from disk in `finish`.
//!
//! **Paths inside archives.** A file inside a packaged subchart is named
//! `<archive path>!<entry path>`, e.g. `app/charts/redis-17.0.0.tgz!redis/templates/master.yaml`
//! (the `jar:` convention): `!` is a valid URI character, so SARIF `artifactLocation.uri` and
//! JSON paths stay valid, and everything before `!` is the file on disk.

use crate::helm::ChartFiles;
use crate::tgz;
use rampart_core::Diagnostic;
use std::collections::BTreeMap;
use std::path::Path;

/// How large a chart archive on disk may be (compressed).
pub const MAX_ARCHIVE_SIZE: u64 = 16 << 20;
/// How deeply packaged charts may nest (an archive inside an archive's `charts/`).
pub const MAX_ARCHIVE_NESTING: usize = 3;
/// How many files `.Files` may hold per chart.
pub const MAX_FILES: usize = 1_000;
/// How large one file of `.Files` may be.
pub const MAX_FILE_SIZE: u64 = 1 << 20;
/// How many bytes `.Files` may hold per chart.
pub const MAX_FILES_TOTAL: usize = 16 << 20;

/// Adds to `charts` the packaged subcharts of every chart found on disk under `root`, and
/// reads each on-disk chart's `.Files`.
pub(crate) fn load(
    root: &Path,
    charts: &mut BTreeMap<String, ChartFiles>,
    diags: &mut Vec<Diagnostic>,
) {
    let dirs: Vec<String> = charts.keys().cloned().collect();
    for dir in dirs {
        let abs = if dir.is_empty() {
            root.to_path_buf()
        } else {
            root.join(&dir)
        };
        if !abs.is_dir() {
            continue;
        }
        if let Some(c) = charts.get_mut(&dir) {
            c.files = Some(disk_files(&abs));
        }
        let Ok(rd) = std::fs::read_dir(abs.join("charts")) else {
            continue;
        };
        let mut archives: Vec<_> = rd
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tgz"))
            .collect();
        archives.sort_by_key(|e| e.file_name());
        for e in archives {
            let name = e.file_name().to_string_lossy().into_owned();
            let path = if dir.is_empty() {
                format!("charts/{name}")
            } else {
                format!("{dir}/charts/{name}")
            };
            // Skip a packaged chart that is also unpacked next to it (`charts/redis/`).
            let meta = match std::fs::symlink_metadata(e.path()) {
                Ok(m) if m.is_file() => m,
                _ => continue,
            };
            if meta.len() > MAX_ARCHIVE_SIZE {
                diags.push(Diagnostic::warning(
                    &path,
                    format!(
                        "Helm chart archive not read, not scanned: larger than {} MiB",
                        MAX_ARCHIVE_SIZE >> 20
                    ),
                ));
                continue;
            }
            match std::fs::read(e.path()) {
                Ok(data) => add_archive(&path, &data, 0, charts, diags),
                Err(err) => diags.push(Diagnostic::warning(
                    &path,
                    format!("Helm chart archive could not be read: {err}"),
                )),
            }
        }
    }
}

/// Adds the charts of one archive (its top chart and the subcharts inside it).
pub(crate) fn add_archive(
    path: &str,
    data: &[u8],
    depth: usize,
    charts: &mut BTreeMap<String, ChartFiles>,
    diags: &mut Vec<Diagnostic>,
) {
    let a = tgz::read_tgz(data);
    for p in &a.problems {
        diags.push(Diagnostic::warning(
            path,
            format!("Helm chart archive: {p}"),
        ));
    }
    // Chart directories inside the archive: those with a `Chart.yaml`.
    let mut dirs: Vec<&str> = a
        .files
        .iter()
        .filter_map(|(p, _)| p.strip_suffix("/Chart.yaml"))
        .collect();
    if dirs.is_empty() {
        if !a.files.is_empty() {
            diags.push(Diagnostic::warning(
                path,
                "Helm chart archive without a Chart.yaml, not scanned",
            ));
        }
        return;
    }
    dirs.sort_by_key(|d| std::cmp::Reverse(d.len()));
    let mut local: BTreeMap<String, ChartFiles> = BTreeMap::new();
    let mut nested = Vec::new();
    for (p, body) in &a.files {
        let Some(dir) = dirs
            .iter()
            .find(|d| p.len() > d.len() && p.starts_with(**d) && p.as_bytes()[d.len()] == b'/')
        else {
            continue;
        };
        let rel = &p[dir.len() + 1..];
        let vdir = format!("{path}!{dir}");
        let full = format!("{path}!{p}");
        let text = || String::from_utf8_lossy(body).into_owned();
        let c = local.entry(vdir.clone()).or_default();
        let lower = rel.to_ascii_lowercase();
        if rel == "Chart.yaml" {
            c.chart_yaml = Some(text());
        } else if rel == "values.yaml" || rel == "values.yml" {
            c.values = Some((full, text()));
        } else if rel.starts_with("templates/") {
            if lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".tpl") {
                c.templates.push((full, text()));
            }
        } else if let Some(sub) = rel.strip_prefix("charts/") {
            if !sub.contains('/') && lower.ends_with(".tgz") {
                nested.push((format!("{vdir}/{rel}"), body));
            }
        } else {
            let files = c.files.get_or_insert_with(Vec::new);
            let total: usize = files.iter().map(|f| f.1.len()).sum();
            if files.len() < MAX_FILES
                && (body.len() as u64) <= MAX_FILE_SIZE
                && total + body.len() <= MAX_FILES_TOTAL
            {
                files.push((rel.to_string(), body.clone()));
            }
        }
    }
    for (_, c) in local.iter_mut() {
        c.files.get_or_insert_with(Vec::new);
        if let Some(f) = c.files.take() {
            c.files = Some(helmignored(f));
        }
    }
    charts.extend(local);
    for (p, body) in nested {
        if depth + 1 >= MAX_ARCHIVE_NESTING {
            diags.push(Diagnostic::warning(
                &p,
                format!(
                    "Helm chart archive not read: packaged charts nest more than \
                     {MAX_ARCHIVE_NESTING} deep"
                ),
            ));
            continue;
        }
        add_archive(&p, body, depth + 1, charts, diags);
    }
}

/// The files of a chart directory on disk that `.Files` sees: not `templates/`, `charts/`,
/// `Chart.yaml`, `values.yaml`, nor what `.helmignore` excludes; bounded.
fn disk_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut stack = vec![(dir.to_path_buf(), String::new(), 0usize)];
    while let Some((abs, rel, depth)) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&abs) else {
            continue;
        };
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
                continue;
            };
            if meta.is_dir() {
                if depth < 16 && !(rel.is_empty() && (name == "templates" || name == "charts")) {
                    stack.push((e.path(), r, depth + 1));
                }
                continue;
            }
            if !meta.is_file()
                || (rel.is_empty() && matches!(name.as_str(), "Chart.yaml" | "values.yaml"))
                || meta.len() > MAX_FILE_SIZE
                || out.len() >= MAX_FILES
                || total + meta.len() as usize > MAX_FILES_TOTAL
            {
                continue;
            }
            if let Ok(body) = std::fs::read(e.path()) {
                total += body.len();
                out.push((r, body));
            }
        }
    }
    out.sort();
    helmignored(out)
}

/// Drops the files a chart's `.helmignore` (among `files`) excludes.
fn helmignored(files: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    let Some((_, ignore)) = files.iter().find(|(p, _)| p == ".helmignore") else {
        return files;
    };
    let pats: Vec<String> = String::from_utf8_lossy(ignore)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    files
        .into_iter()
        .filter(|(p, _)| !pats.iter().any(|pat| ignored(pat, p)))
        .collect()
}

/// Whether a `.helmignore` pattern excludes a chart-relative path.
fn ignored(pat: &str, path: &str) -> bool {
    let (pat, dir_only) = match pat.strip_suffix('/') {
        Some(p) => (p, true),
        None => (pat, false),
    };
    let pat = pat.trim_start_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    // A pattern without `/` matches any component (a directory's files with it); one with `/`
    // matches from the chart root.
    if !pat.contains('/') {
        let comps = if dir_only {
            &parts[..parts.len() - 1]
        } else {
            &parts[..]
        };
        return comps.iter().any(|c| crate::gotpl::glob_match(pat, c));
    }
    (1..=parts.len()).any(|n| {
        (!dir_only || n < parts.len()) && crate::gotpl::glob_match(pat, &parts[..n].join("/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tgz::tests::tgz;

    #[test]
    fn archive_charts_and_nesting() {
        let data = tgz(&[
            ("redis/Chart.yaml", "name: redis\n"),
            ("redis/values.yaml", "a: 1\n"),
            ("redis/templates/m.yaml", "kind: Pod\n"),
            ("redis/files/x.conf", "x\n"),
            ("redis/secret.key", "k\n"),
            ("redis/.helmignore", "*.key\n"),
            ("redis/charts/sub/Chart.yaml", "name: sub\n"),
            ("redis/charts/sub/templates/s.yaml", "kind: Pod\n"),
        ]);
        let mut charts = BTreeMap::new();
        let mut d = Vec::new();
        add_archive("app/charts/redis-1.tgz", &data, 0, &mut charts, &mut d);
        assert!(d.is_empty(), "{d:?}");
        let keys: Vec<&String> = charts.keys().collect();
        assert_eq!(
            keys,
            [
                "app/charts/redis-1.tgz!redis",
                "app/charts/redis-1.tgz!redis/charts/sub"
            ]
        );
        let r = &charts["app/charts/redis-1.tgz!redis"];
        assert_eq!(
            r.templates[0].0,
            "app/charts/redis-1.tgz!redis/templates/m.yaml"
        );
        let files: Vec<&str> = r
            .files
            .as_ref()
            .unwrap()
            .iter()
            .map(|f| f.0.as_str())
            .collect();
        assert_eq!(files, ["files/x.conf", ".helmignore"]);
        assert!(ignored("files/", "files/a"));
        assert!(ignored("/files/*.conf", "files/a.conf"));
        assert!(!ignored("files/", "files"));
    }
}
