//! Reads the top level of a JSON object without building its values, for
//! JSONL lines nested deeper than serde_json's recursion limit (128): only
//! the id and text fields matter, and deep metadata beside them must not
//! turn a valid document into an `invalid_json` record.

use serde_json::{Map, Value};

/// The fields of the JSON object `line` whose names are in `wanted`, parsed;
/// every other value is skipped by matching brackets, without recursion.
/// Errors say what is wrong and at which byte.
pub fn object_fields(line: &str, wanted: &[&str]) -> Result<Map<String, Value>, String> {
    let bytes = line.as_bytes();
    let mut at = skip_ws(bytes, 0);
    if bytes.get(at) != Some(&b'{') {
        return Err(format!("expected a JSON object at byte {at}"));
    }
    at = skip_ws(bytes, at + 1);
    let mut fields = Map::new();
    if bytes.get(at) == Some(&b'}') {
        return end(bytes, at + 1, fields);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return Err(format!("expected a field name at byte {at}"));
        }
        let key_end = string_end(bytes, at)?;
        let key: String = serde_json::from_str(&line[at..key_end])
            .map_err(|e| format!("bad field name at byte {at}: {e}"))?;
        at = skip_ws(bytes, key_end);
        if bytes.get(at) != Some(&b':') {
            return Err(format!("expected `:` at byte {at}"));
        }
        let value_start = skip_ws(bytes, at + 1);
        let value_end = value_end(bytes, value_start)?;
        if wanted.contains(&key.as_str()) {
            let value = serde_json::from_str(&line[value_start..value_end])
                .map_err(|e| format!("field `{key}`: {e}"))?;
            fields.insert(key, value);
        }
        at = skip_ws(bytes, value_end);
        match bytes.get(at) {
            Some(b',') => at = skip_ws(bytes, at + 1),
            Some(b'}') => return end(bytes, at + 1, fields),
            _ => return Err(format!("expected `,` or `}}` at byte {at}")),
        }
    }
}

fn end(bytes: &[u8], at: usize, fields: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let rest = skip_ws(bytes, at);
    if rest < bytes.len() {
        return Err(format!("trailing characters at byte {rest}"));
    }
    Ok(fields)
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|b| b" \t\r\n".contains(b)) {
        at += 1;
    }
    at
}

/// The byte after the string that opens at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> Result<usize, String> {
    let mut at = start + 1;
    while let Some(&b) = bytes.get(at) {
        match b {
            b'\\' => at += 2,
            b'"' => return Ok(at + 1),
            _ => at += 1,
        }
    }
    Err(format!("string opened at byte {start} is not closed"))
}

/// The byte after the value that starts at `start`: a string, a scalar, or
/// an array or object whose brackets are matched with a counter.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, String> {
    match bytes.get(start) {
        None => Err(format!("expected a value at byte {start}")),
        Some(b'"') => string_end(bytes, start),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut at = start;
            loop {
                match bytes.get(at) {
                    None => return Err(format!("value at byte {start} is not closed")),
                    Some(b'"') => {
                        at = string_end(bytes, at)?;
                        continue;
                    }
                    Some(b'{' | b'[') => depth += 1,
                    Some(b'}' | b']') => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(at + 1);
                        }
                    }
                    Some(_) => {}
                }
                at += 1;
            }
        }
        Some(_) => {
            let mut at = start;
            while bytes.get(at).is_some_and(|b| !b",}] \t\r\n".contains(b)) {
                at += 1;
            }
            if at == start {
                return Err(format!("expected a value at byte {start}"));
            }
            Ok(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_values_are_skipped_and_wanted_ones_parsed() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let line = format!(
            r#"{{"meta": {deep}, "id": "a\"b", "x": {{"y": "}}]"}}, "text": "Kim left.", "n": -1.5e3}}"#
        );
        let fields = object_fields(&line, &["id", "text"]).unwrap();
        assert_eq!(fields["id"], "a\"b");
        assert_eq!(fields["text"], "Kim left.");
        assert_eq!(fields.len(), 2);
        assert!(object_fields(&format!(r#"{{"meta": {deep}"#), &["id"]).is_err());
        assert!(object_fields("[1]", &["id"]).is_err());
        assert!(object_fields(r#"{"id": "a"} x"#, &["id"]).is_err());
    }
}
