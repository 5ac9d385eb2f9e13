//! JSON kept as it is (`serde_json::Value`: SARIF and rampart `properties`, rampart `trace`,
//! `secret`…), with a bound on how many values one import keeps: a `Value` takes ten or more
//! times the bytes of its JSON (`[]` is 2 bytes of input, 32 of `Value`), so without a bound a
//! 256 MiB upload of empty arrays would take gigabytes. The count is per thread and reset by
//! each import.

use crate::json::{Expected, Shape};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;

/// The message of the serde error raised past the bound (recognised by `error.rs`).
pub(crate) const TOO_MANY_KEPT: &str = "too many JSON values kept as they are";

thread_local! {
    static LEFT: Cell<usize> = const { Cell::new(0) };
}

/// Starts an import: up to `n` values may be kept.
pub(crate) fn reset(n: usize) {
    LEFT.with(|l| l.set(n));
}

fn charge<E: de::Error>() -> Result<(), E> {
    LEFT.with(|l| match l.get() {
        0 => Err(E::custom(TOO_MANY_KEPT)),
        n => {
            l.set(n - 1);
            Ok(())
        }
    })
}

/// Reads one value, charging one per value in it.
struct Kept;

impl<'de> DeserializeSeed<'de> for Kept {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(KeptVisitor)
    }
}

struct KeptVisitor;

impl<'de> Visitor<'de> for KeptVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        charge().map(|()| Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        charge().map(|()| Value::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        charge().map(|()| Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        charge().map(|()| Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        charge().map(|()| Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        charge().map(|()| Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        charge().map(|()| Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        charge().map(|()| Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        read_seq(seq).map(Value::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        read_map(map).map(Value::Object)
    }
}

fn read_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Value>, A::Error> {
    charge()?;
    let mut out = Vec::new();
    while let Some(v) = seq.next_element_seed(Kept)? {
        out.push(v);
    }
    Ok(out)
}

fn read_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<Map<String, Value>, A::Error> {
    charge()?;
    let mut out = Map::new();
    while let Some(k) = map.next_key::<String>()? {
        let v = map.next_value_seed(Kept)?;
        out.insert(k, v);
    }
    Ok(out)
}

/// A property bag kept as JSON (SARIF `properties`, rampart `properties`).
impl Expected for Map<String, Value> {
    const EXPECTED: &'static str = "an object";
}

impl<'de> Shape<'de> for Map<String, Value> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        read_map(map).map(Some)
    }
}

/// Any JSON value, kept as it is (rampart `trace`, `secret`…). A scalar costs nothing: it is
/// one per field.
impl Expected for Value {
    const EXPECTED: &'static str = "a JSON value";
}

impl<'de> Shape<'de> for Value {
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(Value::String(s.into_owned()))
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(n.into())
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(n.into())
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(n.into())
    }
    fn from_bool(b: bool) -> Option<Self> {
        Some(b.into())
    }
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        read_map(map).map(|m| Some(Value::Object(m)))
    }
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        read_seq(seq).map(|v| Some(Value::Array(v)))
    }
}
