//! What the derive cannot say about requests, laid over the generated
//! document: which body fields are required, their limits (lengths, ranges,
//! patterns, enums, formats) as `domain` checks them, and the shape of a
//! few lists. `overlay.json` mirrors the document: objects merge key by key,
//! anything else replaces; an operation's `parameters` given as an object
//! merge by parameter name into the generated list (`null` drops one that
//! the operation shares with others but does not read).
//!
//! A string starting with `@` stands for a schema written once here:
//! `@line MIN MAX` and `@lines MIN MAX` are texts as `domain::text` cleans
//! them (trimmed, then MIN to MAX characters, one line without control or
//! format characters, or several lines; `@any MIN MAX` any characters),
//! `@code` a 12-digit region code,
//! `@prefix` a region code or its significant prefix (`@prefix-or-blank`
//! also blank, the default), `@word-or-blank A B…` one of the words or
//! blank (trimmed, as a filter reads it), `@phone` a mobile
//! number, `@category` and `@tag` a category or household tag by code or
//! Chinese name; `@kind?` also takes null. A `null` in the overlay removes
//! the key.

use serde_json::{Value, json};

use crate::domain::Category;
use crate::domain::household::HouseholdTag;

const OVERLAY: &str = include_str!("overlay.json");

/// Lays `overlay.json` over `doc`.
pub fn apply(doc: &mut Value) {
    match serde_json::from_str::<Value>(OVERLAY) {
        Ok(mut overlay) => {
            expand(&mut overlay);
            merge(doc, &overlay);
            bound_limits(doc);
            pin_formats(doc);
        }
        Err(e) => tracing::error!(error = %e, "openapi overlay.json is not JSON"),
    }
}

/// Every list's `?limit=` is 1 to 500 (`extract::page_limit`).
fn bound_limits(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for parameter in parameters {
            if parameter["name"] == "limit" && parameter["in"] == "query" {
                parameter["schema"]["minimum"] = json!(1);
                parameter["schema"]["maximum"] = json!(500);
            }
        }
    }
}

/// The patterns of the formats the server parses (`format` alone only
/// annotates in JSON Schema 2020-12): ids, days, and RFC 3339 times.
fn format_pattern(format: &str) -> Option<&'static str> {
    Some(match format {
        "uuid" => "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "date" => "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "date-time" => {
            "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})$"
        }
        _ => return None,
    })
}

/// Gives every string schema with a parsed `format` its pattern.
fn pin_formats(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            let pattern = fields
                .get("format")
                .and_then(Value::as_str)
                .and_then(format_pattern);
            if let Some(pattern) = pattern
                && !fields.contains_key("pattern")
            {
                fields.insert("pattern".to_owned(), json!(pattern));
            }
            fields.values_mut().for_each(pin_formats);
        }
        Value::Array(items) => items.iter_mut().for_each(pin_formats),
        _ => {}
    }
}

/// What `clean_text` trims: Unicode's White_Space.
const SPACE: &str = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000";
/// What a one-line text may not hold: control characters, line and
/// paragraph separators, and the format characters of the BMP.
const NOT_IN_LINE: &str = r"\x00-\x1f\x7f-\x9f\u2028\u2029\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb";
/// What a text of several lines may not hold: control characters other
/// than line breaks and tabs.
const NOT_IN_LINES: &str = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f";

/// A pattern for a text of `min` to `max` characters once trimmed.
fn text_pattern(bad: &str, min: u32, max: u32) -> String {
    let edge = format!("[^{SPACE}{bad}]");
    let inner = match max {
        0 => String::new(),
        1 => edge.clone(),
        _ if bad.is_empty() => format!("{edge}(?:[\\s\\S]{{0,{}}}{edge})?", max - 2),
        _ => format!("{edge}(?:[^{bad}]{{0,{}}}{edge})?", max - 2),
    };
    let inner = if min == 0 {
        format!("(?:{inner})?")
    } else {
        inner
    };
    format!("^[{SPACE}]*{inner}[{SPACE}]*$")
}

/// `domain::account::Phone`: 11 digits from 13 to 19, after dropping
/// spaces, dashes and a `+86` or `0086`.
const PHONE: &str =
    r"^[ -]*(?:\+[ -]*8[ -]*6|0[ -]*0[ -]*8[ -]*6)?[ -]*1[ -]*[3-9](?:[ -]*[0-9]){9}[ -]*$";

/// The schema an `@` shorthand stands for; `@kind?` also takes null.
fn shorthand(text: &str) -> Option<Value> {
    let mut words = text.strip_prefix('@')?.split_whitespace();
    let kind = words.next()?;
    let (kind, nullable) = match kind.strip_suffix('?') {
        Some(kind) => (kind, true),
        None => (kind, false),
    };
    let mut bound = || words.next().and_then(|w| w.parse::<u32>().ok());
    let string = |pattern: &str| json!({"type": "string", "pattern": pattern});
    let words_of = |names: Vec<String>| json!({"type": "string", "enum": names});
    let mut schema = match kind {
        "line" | "lines" | "any" => {
            let (min, max) = (bound()?, bound()?);
            let bad = match kind {
                "line" => NOT_IN_LINE,
                "lines" => NOT_IN_LINES,
                _ => "",
            };
            string(&text_pattern(bad, min, max))
        }
        "code" => string("^[0-9]{12}$"),
        "prefix" => string("^(?:[0-9]{6}|[0-9]{9}|[0-9]{12})$"),
        "prefix-or-blank" => string(&format!(
            "^[{SPACE}]*(?:[0-9]{{6}}|[0-9]{{9}}|[0-9]{{12}})?[{SPACE}]*$"
        )),
        "phone" => string(PHONE),
        "word-or-blank" => {
            let choices: Vec<&str> = words.by_ref().collect();
            let mut schema = string(&format!("^[{SPACE}]*(?:{})?[{SPACE}]*$", choices.join("|")));
            schema["description"] = json!(format!("{}; blank is none", choices.join(", ")));
            schema
        }
        "category" => words_of(
            Category::ALL
                .iter()
                .flat_map(|c| [c.code().to_owned(), c.name_zh().to_owned()])
                .collect(),
        ),
        "tag" => words_of(
            HouseholdTag::ALL
                .iter()
                .flat_map(|t| [t.code().to_owned(), t.label().zh.into_owned()])
                .collect(),
        ),
        _ => return None,
    };
    if nullable {
        schema["type"] = json!([schema["type"], "null"]);
        if let Some(names) = schema.get_mut("enum").and_then(Value::as_array_mut) {
            names.push(Value::Null);
        }
    }
    Some(schema)
}

/// Replaces every `@` shorthand in `value` by its schema.
fn expand(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(schema) = shorthand(text) {
                *value = schema;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(expand),
        Value::Object(fields) => fields.values_mut().for_each(expand),
        _ => {}
    }
}

fn merge(target: &mut Value, overlay: &Value) {
    let Value::Object(fields) = overlay else {
        *target = overlay.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Default::default());
    }
    for (key, value) in fields {
        if key == "parameters"
            && value.is_object()
            && let Some(list) = target.get_mut("parameters").and_then(Value::as_array_mut)
        {
            merge_parameters(list, value);
            continue;
        }
        if value.is_null() {
            if let Some(object) = target.as_object_mut() {
                object.remove(key);
            }
            continue;
        }
        match target.get_mut(key) {
            Some(slot) => merge(slot, value),
            None => {
                target[key] = value.clone();
            }
        }
    }
}

fn merge_parameters(list: &mut Vec<Value>, by_name: &Value) {
    let Value::Object(by_name) = by_name else {
        return;
    };
    list.retain(|parameter| {
        let name = parameter["name"].as_str().unwrap_or_default();
        !by_name.get(name).is_some_and(Value::is_null)
    });
    for parameter in list.iter_mut() {
        let name = parameter["name"].as_str().unwrap_or_default().to_owned();
        if let Some(change) = by_name.get(&name) {
            merge(parameter, change);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn objects_merge_parameters_by_name_and_the_rest_replaces() {
        let mut doc =
            json!({"a": {"b": 1, "c": [1]}, "parameters": [{"name": "limit", "in": "query"}]});
        super::merge(
            &mut doc,
            &json!({"a": {"c": [2], "d": true}, "parameters": {"limit": {"schema": {"minimum": 1}}}}),
        );
        assert_eq!(
            doc,
            json!({"a": {"b": 1, "c": [2], "d": true},
                "parameters": [{"name": "limit", "in": "query", "schema": {"minimum": 1}}]})
        );
    }

    #[test]
    fn the_overlay_is_json() {
        serde_json::from_str::<serde_json::Value>(super::OVERLAY).expect("overlay.json");
    }
}
