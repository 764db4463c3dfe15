//! A minimal JSON writer that keeps object keys in the order they were written.
//!
//! serde_json sorts keys (its map is a `BTreeMap` without the `preserve_order` feature), which
//! would put `claims` before `name` in every case. The files are read by people as well as
//! programs, so the generator writes keys in a deliberate order with this writer; string
//! escaping is still serde_json's.

/// A JSON value with ordered object keys.
#[derive(Clone, Debug)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Int(u64),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
    /// The inner value, written on one line.
    Compact(Box<Json>),
}

impl Json {
    pub(crate) fn str(s: impl Into<String>) -> Json {
        Json::Str(s.into())
    }

    pub(crate) fn opt_str(s: Option<impl Into<String>>) -> Json {
        s.map_or(Json::Null, |s| Json::Str(s.into()))
    }

    pub(crate) fn compact(self) -> Json {
        Json::Compact(Box::new(self))
    }

    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Json::Null | Json::Bool(_) | Json::Int(_) | Json::Str(_)
        )
    }

    /// Pretty-printed with two-space indentation and a trailing newline.
    pub(crate) fn to_pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out.push('\n');
        out
    }

    fn write_pretty(&self, out: &mut String, indent: usize) {
        match self {
            Json::Array(items) if !items.is_empty() && !items.iter().all(Json::is_scalar) => {
                out.push_str("[\n");
                for (i, item) in items.iter().enumerate() {
                    push_indent(out, indent + 2);
                    item.write_pretty(out, indent + 2);
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                push_indent(out, indent);
                out.push(']');
            }
            Json::Object(fields) if !fields.is_empty() => {
                out.push_str("{\n");
                for (i, (key, value)) in fields.iter().enumerate() {
                    push_indent(out, indent + 2);
                    push_string(out, key);
                    out.push_str(": ");
                    value.write_pretty(out, indent + 2);
                    if i + 1 < fields.len() {
                        out.push(',');
                    }
                    out.push('\n');
                }
                push_indent(out, indent);
                out.push('}');
            }
            other => other.write_compact(out),
        }
    }

    fn write_compact(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Str(s) => push_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_compact(out);
                }
                out.push(']');
            }
            Json::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    push_string(out, key);
                    out.push_str(": ");
                    value.write_compact(out);
                }
                out.push('}');
            }
            Json::Compact(inner) => inner.write_compact(out),
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(core::iter::repeat_n(' ', n));
}

fn push_string(out: &mut String, s: &str) {
    // Serialising a &str to JSON cannot fail; the fallback is never used.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| String::from("\"\"")));
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn writes_ordered_pretty_json_that_parses() {
        let v = Json::Object(vec![
            ("z", Json::Int(1)),
            ("a", Json::Array(vec![Json::str("x"), Json::Null])),
            (
                "o",
                Json::Array(vec![
                    Json::Object(vec![("k", Json::Bool(true))]),
                    Json::Object(vec![("q", Json::str("\"张\n"))]).compact(),
                ]),
            ),
            ("e", Json::Object(vec![])),
        ]);
        let text = v.to_pretty();
        assert_eq!(
            text,
            "{\n  \"z\": 1,\n  \"a\": [\"x\", null],\n  \"o\": [\n    {\n      \"k\": true\n    },\n    {\"q\": \"\\\"张\\n\"}\n  ],\n  \"e\": {}\n}\n"
        );
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["o"][1]["q"], "\"张\n");
    }
}
