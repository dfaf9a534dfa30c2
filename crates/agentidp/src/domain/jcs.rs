//! RFC 8785 JSON Canonicalization Scheme: the exact bytes a signature over a JSON document
//! covers, whoever serializes it. Members sorted by their UTF-16 code units, no whitespace,
//! strings escaped as ECMAScript's `JSON.stringify` does.

use serde_json::Value;

/// The canonical form of `value`. Numbers are written as serde_json writes them, which is
/// RFC 8785's form for the integers the documents signed here hold (they carry no fractions).
pub fn canonicalize(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        other => out.push_str(&other.to_string()),
    }
}

/// `"…"` with `"` `\` and control characters escaped (short forms where JSON has them,
/// `\u00xx` in lower-case hex otherwise); everything else as UTF-8.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < ' ' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_sorted_and_strings_escaped_as_rfc_8785_says() {
        let v = json!({"b": [1, "\u{1f}", "é"], "a": {"z": true, "\u{20ac}": null, "y": "q\"\\"}});
        assert_eq!(
            canonicalize(&v),
            "{\"a\":{\"y\":\"q\\\"\\\\\",\"z\":true,\"\u{20ac}\":null},\"b\":[1,\"\\u001f\",\"é\"]}"
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_by_code_points() {
        // U+1F600 is the surrogate pair D83D DE00 in UTF-16, so it sorts before U+FB01 there,
        // and after it by code points or UTF-8 bytes.
        let v = json!({"\u{fb01}": 2, "\u{1f600}": 1});
        assert_eq!(canonicalize(&v), "{\"\u{1f600}\":1,\"\u{fb01}\":2}");
    }
}
