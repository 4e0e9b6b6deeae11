//! Operation ids and the links between operations: what a list or a
//! creation answers is the id the item's own routes take, so a client (and
//! schemathesis' stateful tests) can follow `GET /needs` to
//! `POST /needs/{id}/claim`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

/// Makes every `operationId` unique, as OpenAPI requires: the derive names
/// an operation after its handler, and several modules have a `list` or a
/// `get`. A shared name becomes `<method>_<path>` (`get_needs_id`).
pub fn unique_ids(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for operation in operations(paths) {
        if let Some(id) = operation.1.get("operationId").and_then(Value::as_str) {
            *seen.entry(id.to_owned()).or_default() += 1;
        }
    }
    for ((path, method), operation) in operations(paths) {
        let shared = operation
            .get("operationId")
            .and_then(Value::as_str)
            .is_none_or(|id| seen.get(id).is_some_and(|n| *n > 1));
        if shared {
            operation["operationId"] = json!(id_of(&method, &path));
        }
    }
}

fn id_of(method: &str, path: &str) -> String {
    let words: Vec<&str> = path
        .trim_start_matches("/api/v1")
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    format!("{method}_{}", words.join("_"))
}

/// Every operation with its path and method.
fn operations(paths: &mut Map<String, Value>) -> Vec<((String, String), &mut Value)> {
    paths
        .iter_mut()
        .filter_map(|(path, item)| Some((path.clone(), item.as_object_mut()?)))
        .flat_map(|(path, item)| {
            item.iter_mut()
                .map(move |(method, op)| ((path.clone(), method.clone()), op))
        })
        .collect()
}

/// Links each list (`GET /x`, its first item) and each creation
/// (`POST /x`, the created item) to the operations on `/x/{id}`, and a
/// claim to the match it made.
pub fn link(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let targets = |prefix: &str, paths: &Map<String, Value>| -> Vec<(String, String)> {
        let own = format!("{prefix}/{{id}}");
        paths
            .iter()
            .filter(|(path, _)| *path == &own || path.starts_with(&format!("{own}/")))
            .flat_map(|(path, item)| {
                let sub = *path != own;
                item.as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(method, op)| (sub, method, op))
            })
            // Deleting a part of an item (`DELETE /households/{id}/key`)
            // needs that part, which a new or listed item may not have.
            .filter(|(sub, method, _)| !(*sub && *method == "delete"))
            .filter_map(|(_, method, op)| {
                let id = op.get("operationId")?.as_str()?.to_owned();
                Some((format!("{method}_{id}"), id))
            })
            .collect()
    };
    let mut links = Vec::new();
    for path in paths.keys() {
        let mut sources = vec![
            ("get", "200", "/items/0/id", path.as_str()),
            ("post", "201", "/id", path.as_str()),
        ];
        if path.ends_with("/claim") {
            sources.push(("post", "201", "/id", "/api/v1/matches"));
        }
        for (method, status, pointer, prefix) in sources {
            let found = targets(prefix, paths);
            if !found.is_empty() {
                links.push((path.clone(), method, status, pointer, found));
            }
        }
    }
    for (path, method, status, pointer, found) in links {
        let Some(response) = paths
            .get_mut(&path)
            .and_then(|item| item.get_mut(method))
            .and_then(|op| op.get_mut("responses"))
            .and_then(|r| r.get_mut(status))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        let entry = response.entry("links").or_insert_with(|| json!({}));
        for (name, id) in found {
            entry[name] = json!({
                "operationId": id,
                "parameters": {"id": format!("$response.body#{pointer}")},
            });
        }
    }
}
