//! Lenient typed JSON: serde structs whose fields record a value of the wrong JSON type instead
//! of failing the whole parse, so that each format can decide per field whether that is an error
//! (a required field, named by its JSON pointer) or a warning (an optional one).
//!
//! Every field is read through `deserialize_any`, so serde_json's recursion limit (128 nested
//! arrays and objects) bounds the parse; values nobody reads are skipped by serde_json's
//! iterative `IgnoredAny`. Strings without escapes are borrowed from the input.

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Most items read from one JSON array (results, components, packages, relationships…).
pub(crate) const MAX_ITEMS: usize = 1_000_000;

/// The message of the serde error raised past [`MAX_ITEMS`] (recognised by `error.rs`).
pub(crate) const TOO_MANY: &str = "more than 1000000 items in one array";

/// A field as found: absent or `null`, of the expected type, or of another JSON type.
#[derive(Debug, Default)]
pub(crate) enum Field<T> {
    /// Absent or `null`.
    #[default]
    Missing,
    /// Of the expected type.
    Ok(T),
    /// Of another type.
    Wrong(Found),
}

/// The JSON type of a value that was not of the expected type (one byte, to keep fields small).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    Str,
    Num,
    Negative,
    Fraction,
    Bool,
    Object,
    Array,
}

impl Found {
    /// For messages: "a string", "an object"…
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Found::Str => "a string",
            Found::Num => "a number",
            Found::Negative => "a negative number",
            Found::Fraction => "a fractional number",
            Found::Bool => "a boolean",
            Found::Object => "an object",
            Found::Array => "an array",
        }
    }
}

/// The JSON type a field expects, for messages.
pub(crate) trait Expected {
    /// "a string", "an array"…
    const EXPECTED: &'static str;
}

impl<T> Field<T> {
    /// The value, when it has the expected type.
    pub(crate) fn get(&self) -> Option<&T> {
        match self {
            Field::Ok(t) => Some(t),
            _ => None,
        }
    }
}

impl Field<Cow<'_, str>> {
    /// The string, when it is one.
    pub(crate) fn str(&self) -> Option<&str> {
        self.get().map(|s| s.as_ref())
    }
}

/// What a lenient field accepts: each `from_*` returns `None` for a JSON type it does not take.
pub(crate) trait Shape<'de>: Sized + Expected {
    fn from_str(_: Cow<'de, str>) -> Option<Self> {
        None
    }
    fn from_u64(_: u64) -> Option<Self> {
        None
    }
    fn from_i64(_: i64) -> Option<Self> {
        None
    }
    fn from_f64(_: f64) -> Option<Self> {
        None
    }
    fn from_bool(_: bool) -> Option<Self> {
        None
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Shape<'de>> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FieldVisitor(PhantomData))
    }
}

struct FieldVisitor<T>(PhantomData<T>);

fn found<T>(v: Option<T>, found: Found) -> Field<T> {
    match v {
        Some(t) => Field::Ok(t),
        None => Field::Wrong(found),
    }
}

impl<'de, T: Shape<'de>> Visitor<'de> for FieldVisitor<T> {
    type Value = Field<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(found(T::from_str(Cow::Borrowed(v)), Found::Str))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(found(T::from_str(Cow::Owned(v.to_owned())), Found::Str))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(found(T::from_str(Cow::Owned(v)), Found::Str))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(found(T::from_u64(v), Found::Num))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(found(T::from_i64(v), Found::Negative))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(found(T::from_f64(v), Found::Fraction))
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(found(T::from_bool(v), Found::Bool))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Field::Missing)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Field::Missing)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Ok(found(T::from_map(map)?, Found::Object))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok(found(T::from_seq(seq)?, Found::Array))
    }
}

impl<'a> Expected for Cow<'a, str> {
    const EXPECTED: &'static str = "a string";
}

impl<'de: 'a, 'a> Shape<'de> for Cow<'a, str> {
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(s)
    }
}

impl Expected for u64 {
    const EXPECTED: &'static str = "a non-negative integer";
}

impl Shape<'_> for u64 {
    fn from_u64(n: u64) -> Option<Self> {
        Some(n)
    }
}

impl Expected for bool {
    const EXPECTED: &'static str = "a boolean";
}

impl Shape<'_> for bool {
    fn from_bool(b: bool) -> Option<Self> {
        Some(b)
    }
}

/// A number, or a string holding one (SARIF's `security-severity` is a string by convention).
impl Expected for f64 {
    const EXPECTED: &'static str = "a number";
}

impl Shape<'_> for f64 {
    fn from_str(s: Cow<'_, str>) -> Option<Self> {
        s.trim().parse().ok()
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(n as f64)
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(n as f64)
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(n)
    }
}

/// A string or a number, as text (`version` is a string in SARIF and a number in CycloneDX).
#[derive(Debug)]
pub(crate) struct Scalar<'a>(pub Cow<'a, str>);

impl<'a> Expected for Scalar<'a> {
    const EXPECTED: &'static str = "a string or a number";
}

impl<'de: 'a, 'a> Shape<'de> for Scalar<'a> {
    fn from_str(s: Cow<'de, str>) -> Option<Self> {
        Some(Scalar(s))
    }
    fn from_u64(n: u64) -> Option<Self> {
        Some(Scalar(Cow::Owned(n.to_string())))
    }
    fn from_i64(n: i64) -> Option<Self> {
        Some(Scalar(Cow::Owned(n.to_string())))
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(Scalar(Cow::Owned(n.to_string())))
    }
}

/// An object read into the struct `T` (whose fields are all lenient).
#[derive(Debug)]
pub(crate) struct Obj<T>(pub T);

impl<T> std::ops::Deref for Obj<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> Expected for Obj<T> {
    const EXPECTED: &'static str = "an object";
}

impl<'de, T: Deserialize<'de>> Shape<'de> for Obj<T> {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| Some(Obj(t)))
    }
}

/// An array whose items are each lenient, at most [`MAX_ITEMS`] of them.
#[derive(Debug)]
pub(crate) struct List<T>(pub Vec<Field<T>>);

impl<T> Expected for List<T> {
    const EXPECTED: &'static str = "an array";
}

impl<'de, T: Shape<'de>> Shape<'de> for List<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Field<T>>()? {
            if items.len() == MAX_ITEMS {
                return Err(de::Error::custom(TOO_MANY));
            }
            items.push(item);
        }
        Ok(Some(List(items)))
    }
}

/// An array of which only the first item is kept (SARIF `locations`: the primary one).
#[derive(Debug)]
pub(crate) struct First<T>(pub Option<Field<T>>);

impl<T> Expected for First<T> {
    const EXPECTED: &'static str = "an array";
}

impl<'de, T: Shape<'de>> Shape<'de> for First<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let first = seq.next_element::<Field<T>>()?;
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Some(First(first)))
    }
}

/// An array of which the first item is kept, with the array's length (SARIF `codeFlows`: the
/// first flow becomes the trace, the count is kept).
#[derive(Debug)]
pub(crate) struct Head<T> {
    /// The first item.
    pub first: Option<Field<T>>,
    /// How many items the array has.
    pub len: usize,
}

impl<T> Expected for Head<T> {
    const EXPECTED: &'static str = "an array";
}

impl<'de, T: Shape<'de>> Shape<'de> for Head<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let first = seq.next_element::<Field<T>>()?;
        let mut len = usize::from(first.is_some());
        while seq.next_element::<IgnoredAny>()?.is_some() {
            len += 1;
        }
        Ok(Some(Head { first, len }))
    }
}

thread_local! {
    /// Items every [`Capped`] array of this import may still keep together.
    static CAPPED_LEFT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Starts an import: its [`Capped`] arrays keep at most `n` items together.
pub(crate) fn reset_capped(n: usize) {
    CAPPED_LEFT.with(|l| l.set(n));
}

/// An array of which the first `N` items are kept (fewer once the import's budget set by
/// [`reset_capped`] is spent), with the array's length (SARIF thread-flow locations: a trace of
/// at most `N` steps).
#[derive(Debug)]
pub(crate) struct Capped<T, const N: usize> {
    /// The first `N` items (or all of them).
    pub items: Vec<Field<T>>,
    /// How many items the array has.
    pub len: usize,
}

impl<T, const N: usize> Expected for Capped<T, N> {
    const EXPECTED: &'static str = "an array";
}

impl<'de, T: Shape<'de>, const N: usize> Shape<'de> for Capped<T, N> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::new();
        let left = CAPPED_LEFT.with(|l| l.get());
        while items.len() < N.min(left) {
            match seq.next_element::<Field<T>>()? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        CAPPED_LEFT.with(|l| l.set(left - items.len()));
        let mut len = items.len();
        if items.len() == N.min(left) {
            while seq.next_element::<IgnoredAny>()?.is_some() {
                len += 1;
            }
        }
        Ok(Some(Capped { items, len }))
    }
}

/// The length of an array whose items are not read (SARIF `relatedLocations`).
#[derive(Debug)]
pub(crate) struct Count(pub usize);

impl Expected for Count {
    const EXPECTED: &'static str = "an array";
}

impl<'de> Shape<'de> for Count {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut n = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            n += 1;
        }
        Ok(Some(Count(n)))
    }
}

/// An object read as (key, lenient value) pairs in document order.
#[derive(Debug)]
pub(crate) struct Entries<'a, T>(pub Vec<(Cow<'a, str>, Field<T>)>);

impl<'a, T> Expected for Entries<'a, T> {
    const EXPECTED: &'static str = "an object";
}

impl<'de: 'a, 'a, T: Shape<'de>> Shape<'de> for Entries<'a, T> {
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        let mut out = Vec::new();
        while let Some((Key(k), v)) = map.next_entry::<Key<'a>, Field<T>>()? {
            if out.len() == MAX_ITEMS {
                return Err(de::Error::custom(TOO_MANY));
            }
            out.push((k, v));
        }
        Ok(Some(Entries(out)))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}
