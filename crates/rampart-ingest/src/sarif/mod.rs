//! SARIF 2.1.0 logs: one finding per result of every run.

mod model;
mod rules;

pub(crate) use model::Run;
pub(crate) use rules::{cwe_of, push_cwe};

use crate::error::{ImportError, pointer_key, required};
use crate::fingerprint::{self, Pending};
use crate::json::{Field, Obj};
use crate::limits::{self, Warnings};
use crate::{Document, Imported};
use model::{Artifact, SarifResult, ToolComponent};
use rules::{
    RuleInfo, add_cwe_value, add_tags, find_rule, from_level, from_score, message_text, rule_info,
    valid_score,
};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// A SARIF log's findings, the tools of its runs, and the docs of the rules that have findings.
pub(crate) type Converted = (Vec<Imported>, Vec<String>, Vec<crate::RuleDoc>);

/// The findings of every run of a SARIF log.
pub(crate) fn convert<'d>(
    doc: &'d Document<'d>,
    input_len: usize,
    w: &mut Warnings,
) -> Result<Converted, ImportError> {
    let version = required(
        &doc.version,
        || "/version".into(),
        "the SARIF version \"2.1.0\"",
    )?;
    if version.0 != "2.1.0" {
        return Err(ImportError::UnsupportedVersion {
            format: crate::Format::Sarif,
            pointer: "/version".into(),
            found: format!("`{}`", version.0),
            accepted: "SARIF 2.1.0",
        });
    }
    let runs = required(&doc.runs, || "/runs".into(), "an array of runs")?;
    let total: usize = runs
        .0
        .iter()
        .filter_map(|r| r.get()?.results.get().map(|l| l.0.len()))
        .sum();
    if total > limits::MAX_FINDINGS {
        return Err(crate::rampart_json::too_many(total));
    }
    let mut out = Vec::with_capacity(total);
    let mut tools = Vec::new();
    let mut budget = limits::Budget::new(input_len);
    let mut docs = Vec::new();
    for (i, run) in runs.0.iter().enumerate() {
        let run = required(run, || format!("/runs/{i}"), "a run object")?;
        let tool = convert_run(i, run, w, &mut budget, &mut out, &mut docs)?;
        if !tools.contains(&tool) {
            tools.push(tool);
        }
    }
    // Two runs of one tool may both document a rule: the first says it.
    let mut seen = std::collections::HashSet::new();
    docs.retain(|d| seen.insert((d.tool.clone(), d.rule.clone())));
    Ok((out, tools, docs))
}

/// Most `originalUriBaseIds` entries a run's absolute URIs are made relative to.
const MAX_ROOTS: usize = 64;

/// `Semgrep OSS` → `semgrep`, `CodeQL command-line toolchain` → `codeql`; others lower-cased.
fn tool_name(name: &str) -> String {
    let t = name.trim().to_lowercase();
    for family in ["semgrep", "codeql"] {
        if t.starts_with(family) {
            return family.into();
        }
    }
    t
}

/// The findings of run `i`, appended to `out`, and the docs of their rules, appended to `docs`
/// (once per tool and rule); returns the run's tool name.
fn convert_run<'d>(
    i: usize,
    run: &'d Run<'d>,
    w: &mut Warnings,
    budget: &mut limits::Budget,
    out: &mut Vec<Imported>,
    docs: &mut Vec<crate::RuleDoc>,
) -> Result<String, ImportError> {
    let at = |s: &str| format!("/runs/{i}{s}");
    let tool = required(&run.tool, || at("/tool"), "an object with `driver`")?;
    let driver = required(&tool.driver, || at("/tool/driver"), "an object with `name`")?;
    let name = required(
        &driver.name,
        || at("/tool/driver/name"),
        "the tool's name, a string",
    )?;
    let tool_name = limits::cut_chars(
        &tool_name(name),
        limits::TEXT_MAX_CHARS,
        "tool name",
        w,
        || at("/tool/driver/name"),
    );
    // Rules of the driver (component 0) and of each extension (component k + 1).
    let mut components: Vec<(Option<&ToolComponent>, String)> =
        vec![(Some(&driver.0), at("/tool/driver"))];
    w.wrong_type(&tool.extensions, "tool.extensions", || {
        at("/tool/extensions")
    });
    for (k, e) in tool
        .extensions
        .get()
        .map_or(&[][..], |l| &l.0)
        .iter()
        .enumerate()
    {
        components.push((e.get().map(|o| &o.0), at(&format!("/tool/extensions/{k}"))));
    }
    let mut rules: Vec<Vec<RuleInfo>> = Vec::with_capacity(components.len());
    let mut by_id: HashMap<&str, (usize, usize)> = HashMap::new();
    for (c, (component, base)) in components.iter().enumerate() {
        let mut list = Vec::new();
        if let Some(component) = component {
            w.wrong_type(&component.rules, "rules", || format!("{base}/rules"));
            for (k, r) in component
                .rules
                .get()
                .map_or(&[][..], |l| &l.0)
                .iter()
                .enumerate()
            {
                let info = rule_info(r.get().map(|o| &o.0), w, &|| format!("{base}/rules/{k}"));
                if let Some(id) = info.id {
                    by_id.entry(id).or_insert((c, k));
                }
                list.push(info);
            }
        }
        rules.push(list);
    }
    let roots: Vec<&str> = run
        .original_uri_base_ids
        .get()
        .map_or(&[][..], |e| &e.0)
        .iter()
        .filter_map(|(_, v)| v.get()?.uri.str())
        .take(MAX_ROOTS)
        .collect();
    let artifacts = run.artifacts.get().map_or(&[][..], |l| &l.0);
    let results = match &run.results {
        Field::Missing => &[][..],
        f => &required(f, || at("/results"), "an array of results")?.0,
    };
    let mut pending = Vec::with_capacity(results.len());
    let mut documented = std::collections::HashSet::new();
    for (j, r) in results.iter().enumerate() {
        let at = |s: &str| format!("/runs/{i}/results/{j}{s}");
        let r = required(r, || at(""), "a result object")?;
        let kind = r.kind.str().unwrap_or("fail");
        let state = r.baseline_state.str().unwrap_or("");
        if matches!(kind, "pass" | "notApplicable") || state == "absent" {
            w.add("skipped result", || {
                format!(
                    "{}: a result of kind `{kind}`{} is not a finding; skipped",
                    at(""),
                    if state == "absent" {
                        " and baselineState `absent`"
                    } else {
                        ""
                    }
                )
            });
            continue;
        }
        let rule = find_rule(r, &rules, &by_id, w, &at);
        if let Some(info) = rule.filter(|info| info.id.is_some_and(|id| documented.insert(id))) {
            docs.extend(rules::doc_of(&tool_name, info, w, &|| at("/ruleId")));
        }
        let p = result(r, rule, &tool_name, &roots, artifacts, w, &at)?;
        budget.spend(&p.finding)?;
        pending.push(p);
    }
    fingerprint::assign(&mut pending, w, i);
    out.extend(pending.into_iter().map(|p| p.finding));
    Ok(tool_name)
}

/// One result as a finding waiting for its fingerprint.
fn result<'d>(
    r: &'d SarifResult<'d>,
    rule: Option<&RuleInfo<'d>>,
    tool: &str,
    roots: &[&str],
    artifacts: &'d [Field<Obj<Artifact<'d>>>],
    w: &mut Warnings,
    at: &dyn Fn(&str) -> String,
) -> Result<Pending<'d>, ImportError> {
    for (f, kind, p) in [
        (&r.rule_id, "ruleId", "/ruleId"),
        (&r.level, "level", "/level"),
        (&r.kind, "kind", "/kind"),
    ] {
        w.wrong_type(f, kind, || at(p));
    }
    let id = r
        .rule_id
        .str()
        .or(r.rule.get().and_then(|x| x.id.str()))
        .or(rule.and_then(|x| x.id))
        .unwrap_or("unknown");
    let rule_id = limits::cut_chars(id, limits::TEXT_MAX_CHARS, "rule id", w, || at("/ruleId"));
    let title = rule.and_then(|x| x.title).unwrap_or(id);
    let title = limits::cut_chars(title, limits::TEXT_MAX_CHARS, "title", w, || at("/ruleId"));
    let message = required(&r.message, || at("/message"), "an object with `text`")?;
    let text = message_text(message, rule).unwrap_or_else(|| {
        w.add("message", || {
            format!(
                "{}: a message without `text` or a known `id`; the rule title stands for it",
                at("/message")
            )
        });
        Cow::Owned(title.clone())
    });
    let props = r.properties.get();
    w.wrong_type(&r.properties, "properties", || at("/properties"));

    // Location: the first of `locations`.
    let loc = r.locations.get().and_then(|f| f.0.as_ref());
    let phys = loc
        .and_then(|l| l.get())
        .and_then(|l| l.physical_location.get());
    let path = path_of(phys, roots, artifacts);
    let path = limits::cut_bytes(&path, limits::PATH_MAX_BYTES, "path", w, || {
        at("/locations/0/physicalLocation/artifactLocation/uri")
    });
    let region = phys.and_then(|p| p.region.get());
    let mut num = |f: Option<&Field<u64>>, name: &'static str| -> u32 {
        let Some(f) = f else { return 0 };
        w.wrong_type(f, name, || {
            at(&format!("/locations/0/physicalLocation/region/{name}"))
        });
        f.get().and_then(|&n| u32::try_from(n).ok()).unwrap_or(0)
    };
    let start_line = num(region.map(|r| &r.start_line), "startLine");
    let start_col = num(region.map(|r| &r.start_column), "startColumn");
    let end_line = num(region.map(|r| &r.end_line), "endLine");
    let end_line = if end_line == 0 { start_line } else { end_line };
    let end_col = num(region.map(|r| &r.end_column), "endColumn");
    let snippet = region
        .and_then(|r| r.snippet.get())
        .and_then(|s| s.text.str())
        .unwrap_or("");

    // Severity: security-severity (result, then rule), else level (result, then rule).
    let mut score = None;
    if let Some(v) = props.and_then(|p| p.get("security-severity")) {
        score = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|s| valid_score(*s));
        if score.is_none() {
            w.add("security-severity", || {
                format!(
                    "{}: `{v}` is not a score from 0 to 10; ignored",
                    at("/properties/security-severity")
                )
            });
        }
    }
    let level = r.level.str().or(rule.and_then(|x| x.level));
    let severity = match score.or(rule.and_then(|x| x.score)) {
        Some(s) => from_score(s),
        None => from_level(level, w, at),
    };

    let mut cwe = rule.map_or_else(Vec::new, |x| x.cwe.clone());
    if let Some(p) = props {
        if let Some(Value::Array(tags)) = p.get("tags") {
            add_tags(tags.iter().filter_map(|t| t.as_str()), &mut cwe);
        }
        if let Some(v) = p.get("cwe") {
            add_cwe_value(v, &mut cwe);
        }
    }
    w.wrong_type(&r.suppressions, "suppressions", || at("/suppressions"));
    let suppressed = r.suppressions.get().is_some_and(|l| {
        l.0.iter()
            .any(|s| s.get().is_some_and(|s| s.status.str() != Some("rejected")))
    });

    let mut extra = Map::new();
    if let Some(p) = props.filter(|p| !p.is_empty()) {
        extra.insert("properties".into(), Value::Object(p.clone()));
    }
    w.wrong_type(&r.code_flows, "codeFlows", || at("/codeFlows"));
    for (key, count) in [
        ("codeFlows", r.code_flows.get().map(|c| c.len)),
        ("relatedLocations", r.related_locations.get().map(|c| c.0)),
    ] {
        if let Some(n) = count.filter(|&n| n > 0) {
            extra.insert(key.into(), n.into());
        }
    }
    if let Some(trace) = trace_of(r, roots, artifacts, w, at) {
        extra.insert("trace".into(), trace);
    }
    if let Some(u) = rule.and_then(|x| x.help_uri) {
        let u = limits::cut_bytes(u, limits::PATH_MAX_BYTES, "helpUri", w, || {
            format!("{}: the rule's", at("/ruleId"))
        });
        extra.insert("helpUri".into(), u.into());
    }
    if let Some(s) = r.baseline_state.str() {
        extra.insert("baselineState".into(), s.into());
    }

    let finding = Imported {
        tool: tool.to_string(),
        rule: rule_id,
        fingerprint: String::new(),
        severity,
        title,
        message: limits::cut_chars(&text, limits::MESSAGE_MAX_CHARS, "message", w, || {
            at("/message")
        }),
        path,
        start_line,
        start_col,
        end_line,
        end_col,
        snippet: limits::cut_chars(snippet, limits::SNIPPET_MAX_CHARS, "snippet", w, || {
            at("/locations/0/physicalLocation/region/snippet/text")
        }),
        cwe,
        suppressed,
        extra: if extra.is_empty() {
            Value::Null
        } else {
            Value::Object(extra)
        },
    };
    Ok(Pending::new(
        finding,
        [&r.partial_fingerprints, &r.fingerprints],
        snippet,
        text,
        w,
        at,
    ))
}

/// The path of a physical location: its artifact's URI (or the URI of the run's artifact it
/// points to by index), as rampart path text; empty when there is none.
fn path_of(
    phys: Option<&Obj<model::Physical<'_>>>,
    roots: &[&str],
    artifacts: &[Field<Obj<Artifact<'_>>>],
) -> String {
    let art = phys.and_then(|p| p.artifact_location.get());
    let uri = art.and_then(|a| a.uri.str()).or_else(|| {
        let k = usize::try_from(*art?.index.get()?).ok()?;
        artifacts.get(k)?.get()?.location.get()?.uri.str()
    });
    uri.map_or(String::new(), |u| crate::uri::to_path(u, roots))
}

/// The first thread flow of the first code flow of `r` as a rampart trace: `[{location: {path,
/// start_line, start_col, end_line, end_col}, message, function?}]`, source first, at most
/// [`limits::MAX_TRACE_STEPS`] steps; `None` without one. A step without a place in a file is
/// left out.
fn trace_of(
    r: &SarifResult<'_>,
    roots: &[&str],
    artifacts: &[Field<Obj<Artifact<'_>>>],
    w: &mut Warnings,
    at: &dyn Fn(&str) -> String,
) -> Option<Value> {
    let flow = r.code_flows.get()?.first.as_ref()?;
    w.wrong_type(flow, "codeFlow", || at("/codeFlows/0"));
    let thread = flow.get()?.thread_flows.get()?.0.as_ref()?;
    w.wrong_type(thread, "threadFlow", || at("/codeFlows/0/threadFlows/0"));
    let locations = &thread.get()?.locations;
    let base = "/codeFlows/0/threadFlows/0/locations";
    w.wrong_type(locations, "threadFlow locations", || at(base));
    let locations = locations.get()?;
    if locations.items.len() == limits::MAX_TRACE_STEPS && locations.len > locations.items.len() {
        w.add("trace steps", || {
            format!(
                "{}: a code flow of {} steps; the first {} are kept as the trace (every longer \
                 flow is cut to that length)",
                at(base),
                locations.len,
                limits::MAX_TRACE_STEPS
            )
        });
    } else if locations.len > locations.items.len() {
        w.add("trace budget", || {
            format!(
                "{}: the upload's code flows hold more than {} steps; later steps are not kept \
                 (from here on, traces are cut or left out)",
                at(base),
                limits::MAX_TRACE_STEPS_PER_UPLOAD
            )
        });
    }
    let mut steps = Vec::with_capacity(locations.items.len());
    for (k, l) in locations.items.iter().enumerate() {
        let Some(loc) = l.get().and_then(|l| l.location.get()) else {
            continue;
        };
        let phys = loc.physical_location.get();
        let path = path_of(phys, roots, artifacts);
        if path.is_empty() {
            continue;
        }
        let path = limits::cut_bytes(&path, limits::PATH_MAX_BYTES, "path", w, || {
            at(&format!(
                "{base}/{k}/location/physicalLocation/artifactLocation/uri"
            ))
        });
        let region = phys.and_then(|p| p.region.get());
        let num = |f: Option<&Field<u64>>| {
            f.and_then(|f| f.get())
                .and_then(|&n| u32::try_from(n).ok())
                .unwrap_or(0)
        };
        let start_line = num(region.map(|r| &r.start_line));
        let end_line = num(region.map(|r| &r.end_line));
        let message = loc.message.get().and_then(|m| m.text.str()).unwrap_or("");
        let message = limits::cut_chars(
            message,
            limits::TRACE_TEXT_MAX_CHARS,
            "trace message",
            w,
            || at(&format!("{base}/{k}/location/message/text")),
        );
        let mut step = serde_json::json!({
            "location": {
                "path": path,
                "start_line": start_line,
                "start_col": num(region.map(|r| &r.start_column)),
                "end_line": if end_line == 0 { start_line } else { end_line },
                "end_col": num(region.map(|r| &r.end_column)),
            },
            "message": message,
        });
        let logical = loc
            .logical_locations
            .get()
            .and_then(|f| f.0.as_ref())
            .and_then(|l| l.get());
        if let Some(name) = logical
            .and_then(|l| l.fully_qualified_name.str().or(l.name.str()))
            .filter(|n| !n.trim().is_empty())
        {
            step["function"] = limits::cut_chars(
                name,
                limits::TRACE_TEXT_MAX_CHARS,
                "function name",
                w,
                || at(&format!("{base}/{k}/location/logicalLocations/0")),
            )
            .into();
        }
        steps.push(step);
    }
    (!steps.is_empty()).then_some(Value::Array(steps))
}

/// A JSON pointer to a fingerprint key of a result.
pub(crate) fn fingerprint_pointer(at: &str, map: &str, key: &str) -> String {
    format!("{at}/{map}/{}", pointer_key(key))
}

#[cfg(test)]
mod size {
    /// Every result of a log is held typed until its run is converted: one with nothing in it
    /// (`{}`, 3 bytes of input) must not cost much more than a few hundred bytes.
    #[test]
    fn a_parsed_result_stays_small() {
        use super::model::SarifResult;
        use crate::json::{Field, Obj};
        let n = std::mem::size_of::<Field<Obj<SarifResult>>>();
        assert!(n <= 400, "{n} bytes");
        assert!(std::mem::size_of::<crate::Imported>() <= 256);
    }
}
