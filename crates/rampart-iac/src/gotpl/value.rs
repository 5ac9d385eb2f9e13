//! Template values (`V`): what pipelines compute, with Go's truth, printing and JSON.

#[allow(unused_imports)]
use super::*;

/// A template value.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    /// `nil` / a missing value.
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<V>),
    /// A map (Go iterates maps in key order).
    Map(BTreeMap<String, V>),
    /// Not computable statically.
    Unknown,
}

impl V {
    /// Go template truth.
    pub fn truth(&self) -> Option<bool> {
        Some(match self {
            V::Nil => false,
            V::Bool(b) => *b,
            V::Int(i) => *i != 0,
            V::Float(f) => *f != 0.0,
            V::Str(s) => !s.is_empty(),
            V::List(l) => !l.is_empty(),
            V::Map(m) => !m.is_empty(),
            V::Unknown => return None,
        })
    }

    pub(crate) fn is_unknown(&self) -> bool {
        match self {
            V::Unknown => true,
            V::List(l) => l.iter().any(V::is_unknown),
            V::Map(m) => m.values().any(V::is_unknown),
            _ => false,
        }
    }

    /// Printed as Go's `fmt.Sprint` would.
    pub fn print(&self) -> String {
        match self {
            V::Nil => String::new(),
            V::Bool(b) => b.to_string(),
            V::Int(i) => i.to_string(),
            V::Float(f) => fmt_float(*f),
            V::Str(s) => s.clone(),
            V::List(l) => format!("[{}]", l.iter().map(V::print).collect::<Vec<_>>().join(" ")),
            V::Map(m) => format!(
                "map[{}]",
                m.iter()
                    .map(|(k, v)| format!("{k}:{}", v.print()))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            V::Unknown => "{{unknown}}".into(),
        }
    }

    pub(crate) fn get(&self, k: &str) -> V {
        match self {
            V::Map(m) => m.get(k).cloned().unwrap_or(V::Nil),
            V::Unknown => V::Unknown,
            _ => V::Nil,
        }
    }

    pub(crate) fn num(&self) -> Option<f64> {
        match self {
            V::Int(i) => Some(*i as f64),
            V::Float(f) => Some(*f),
            V::Str(s) => s.trim().parse().ok(),
            V::Bool(b) => Some(*b as i64 as f64),
            V::Nil => Some(0.0),
            _ => None,
        }
    }

    /// Converts to JSON.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            V::Nil | V::Unknown => J::Null,
            V::Bool(b) => J::Bool(*b),
            V::Int(i) => J::from(*i),
            V::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or(J::Null),
            V::Str(s) => J::String(s.clone()),
            V::List(l) => J::Array(l.iter().map(V::to_json).collect()),
            V::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// From the document model.
    pub fn from_node(n: &crate::model::Node) -> V {
        use crate::model::Value as M;
        match &n.value {
            M::Null => V::Nil,
            M::Bool(b) => V::Bool(*b),
            M::Int(i) => V::Int(*i),
            M::Float(f) => V::Float(*f),
            M::Str(s) => V::Str(s.clone()),
            M::Seq(s) => V::List(s.iter().map(V::from_node).collect()),
            M::Map(m) => V::Map(
                m.iter()
                    .map(|(k, v)| (k.clone(), V::from_node(v)))
                    .collect(),
            ),
            M::Unknown(_) => V::Unknown,
        }
    }
}

pub(crate) fn fmt_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e21 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}
