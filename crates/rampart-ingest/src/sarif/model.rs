//! The parts of a SARIF 2.1.0 log that are read, as lenient serde structs.

use crate::json::{Capped, Count, Entries, Field, First, Head, List, Obj};
use crate::limits::MAX_TRACE_STEPS;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::borrow::Cow;

pub(crate) type Str<'a> = Field<Cow<'a, str>>;

/// One run: a tool, its rules and its results.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Run<'a> {
    #[serde(borrow)]
    pub(crate) tool: Field<Obj<Tool<'a>>>,
    #[serde(borrow)]
    pub(crate) results: Field<List<Obj<SarifResult<'a>>>>,
    #[serde(borrow)]
    pub(crate) original_uri_base_ids: Field<Entries<'a, Obj<ArtifactLocation<'a>>>>,
    #[serde(borrow)]
    pub(crate) artifacts: Field<List<Obj<Artifact<'a>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Tool<'a> {
    #[serde(borrow)]
    pub(crate) driver: Field<Obj<ToolComponent<'a>>>,
    #[serde(borrow)]
    pub(crate) extensions: Field<List<Obj<ToolComponent<'a>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ToolComponent<'a> {
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
    #[serde(borrow)]
    pub(crate) rules: Field<List<Obj<Rule<'a>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Rule<'a> {
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
    #[serde(borrow)]
    pub(crate) short_description: Field<Obj<Text<'a>>>,
    #[serde(borrow)]
    pub(crate) full_description: Field<Obj<Text<'a>>>,
    #[serde(borrow)]
    pub(crate) help: Field<Obj<Text<'a>>>,
    #[serde(borrow)]
    pub(crate) default_configuration: Field<Obj<Config<'a>>>,
    #[serde(borrow)]
    pub(crate) properties: Field<Obj<RuleProperties<'a>>>,
    #[serde(borrow)]
    pub(crate) help_uri: Str<'a>,
    #[serde(borrow)]
    pub(crate) message_strings: Field<Entries<'a, Obj<Text<'a>>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Text<'a> {
    #[serde(borrow)]
    pub(crate) text: Str<'a>,
    #[serde(borrow)]
    pub(crate) markdown: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Config<'a> {
    #[serde(borrow)]
    pub(crate) level: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct RuleProperties<'a> {
    #[serde(borrow)]
    pub(crate) tags: Field<List<Cow<'a, str>>>,
    pub(crate) cwe: Field<Value>,
    #[serde(rename = "security-severity")]
    pub(crate) security_severity: Field<f64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct SarifResult<'a> {
    #[serde(borrow)]
    pub(crate) rule_id: Str<'a>,
    pub(crate) rule_index: Field<u64>,
    #[serde(borrow)]
    pub(crate) rule: Field<Obj<Box<RuleRef<'a>>>>,
    #[serde(borrow)]
    pub(crate) kind: Str<'a>,
    #[serde(borrow)]
    pub(crate) level: Str<'a>,
    #[serde(borrow)]
    pub(crate) message: Field<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(crate) locations: Field<First<Obj<Box<Location<'a>>>>>,
    #[serde(borrow)]
    pub(crate) partial_fingerprints: Field<Entries<'a, Cow<'a, str>>>,
    #[serde(borrow)]
    pub(crate) fingerprints: Field<Entries<'a, Cow<'a, str>>>,
    #[serde(borrow)]
    pub(crate) suppressions: Field<List<Obj<Suppression<'a>>>>,
    pub(crate) properties: Field<Map<String, Value>>,
    #[serde(borrow)]
    pub(crate) code_flows: Field<Head<Obj<Box<CodeFlow<'a>>>>>,
    pub(crate) related_locations: Field<Count>,
    #[serde(borrow)]
    pub(crate) baseline_state: Str<'a>,
}

/// A code flow: only its first thread flow is read.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CodeFlow<'a> {
    #[serde(borrow)]
    pub(crate) thread_flows: Field<First<Obj<ThreadFlow<'a>>>>,
}

/// A thread flow: its steps, at most [`MAX_TRACE_STEPS`] of them read.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThreadFlow<'a> {
    #[serde(borrow)]
    pub(crate) locations: Field<Capped<Obj<ThreadFlowLocation<'a>>, MAX_TRACE_STEPS>>,
}

/// One step of a thread flow.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ThreadFlowLocation<'a> {
    #[serde(borrow)]
    pub(crate) location: Field<Obj<Box<FlowLocation<'a>>>>,
}

/// A step's location: where, what happens there, and in which function.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct FlowLocation<'a> {
    #[serde(borrow)]
    pub(crate) physical_location: Field<Obj<Physical<'a>>>,
    #[serde(borrow)]
    pub(crate) message: Field<Obj<Message<'a>>>,
    #[serde(borrow)]
    pub(crate) logical_locations: Field<First<Obj<Logical<'a>>>>,
}

/// A logical location (a function, a method…).
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Logical<'a> {
    #[serde(borrow)]
    pub(crate) fully_qualified_name: Str<'a>,
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RuleRef<'a> {
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
    pub(crate) index: Field<u64>,
    #[serde(borrow)]
    pub(crate) tool_component: Field<Obj<ComponentRef<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ComponentRef<'a> {
    pub(crate) index: Field<u64>,
    #[serde(borrow)]
    pub(crate) name: Str<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Message<'a> {
    #[serde(borrow)]
    pub(crate) text: Str<'a>,
    #[serde(borrow)]
    pub(crate) markdown: Str<'a>,
    #[serde(borrow)]
    pub(crate) id: Str<'a>,
    #[serde(borrow)]
    pub(crate) arguments: Field<List<Cow<'a, str>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Location<'a> {
    #[serde(borrow)]
    pub(crate) physical_location: Field<Obj<Physical<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Physical<'a> {
    #[serde(borrow)]
    pub(crate) artifact_location: Field<Obj<ArtifactLocation<'a>>>,
    #[serde(borrow)]
    pub(crate) region: Field<Obj<Region<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ArtifactLocation<'a> {
    #[serde(borrow)]
    pub(crate) uri: Str<'a>,
    pub(crate) index: Field<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Region<'a> {
    pub(crate) start_line: Field<u64>,
    pub(crate) start_column: Field<u64>,
    pub(crate) end_line: Field<u64>,
    pub(crate) end_column: Field<u64>,
    #[serde(borrow)]
    pub(crate) snippet: Field<Obj<Text<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Artifact<'a> {
    #[serde(borrow)]
    pub(crate) location: Field<Obj<ArtifactLocation<'a>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct Suppression<'a> {
    #[serde(borrow)]
    pub(crate) status: Str<'a>,
}
