//! The answers every operation can give besides its own: the policy's 401
//! and 403, a missing item's 404, a body's 400/413/415/422, a filter's 422
//! and the database's 503, each an `application/problem+json` body. Written
//! once here from what the guard and the extractors do, so that no route's
//! annotation has to repeat them and none can forget one.

use serde_json::{Map, Value, json};

use crate::error::PROBLEM_JSON;
use crate::routes::policy;

/// The problem body of `error::problem_response`, as a JSON Schema.
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "An RFC 9457 problem, titled in the request's language.",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "description": "`urn:huzhu:problem:<slug>`"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "description": "422: every field that did not parse, as the request names it (`categories[1]`).",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "row": {"type": "integer", "minimum": 1, "description": "Imports: the spreadsheet row."},
                        "field": {"type": "string"},
                        "message": {"type": "string"}
                    }
                }
            },
            "existing_id": {"type": "string", "format": "uuid", "description": "409: the item the request conflicts with."}
        }
    })
}

fn add(responses: &mut Map<String, Value>, status: &str, description: &str) {
    responses
        .entry(status)
        .or_insert_with(|| json!({ "description": description }));
}

/// Adds the common answers to every operation of `doc` (the document as
/// JSON) and gives every error answer the problem body.
pub fn complete(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                complete_operation(path, method, operation);
            }
        }
    }
    let schemas = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
        .map(|c| c.entry("schemas").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut);
    if let Some(schemas) = schemas {
        schemas.insert("Problem".to_owned(), problem_schema());
    }
}

fn complete_operation(path: &str, method: &str, operation: &mut Value) {
    let has_body = operation.get("requestBody").is_some();
    let has_query = operation
        .get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if policy::needs_login(method, path) {
        add(
            responses,
            "401",
            "not logged in: no token, or one that has ended",
        );
        add(
            responses,
            "403",
            "not for the caller's role, or the caller (a cadre or coordinator) has no readable region",
        );
    }
    if path.contains('{') {
        add(
            responses,
            "404",
            "no such item, or none the caller may see; also a malformed id",
        );
    }
    if has_body {
        add(responses, "400", "the body is not well-formed");
        add(
            responses,
            "413",
            "the body is larger than allowed (1 MiB; imports 20 MiB)",
        );
        add(responses, "415", "the body is not of the documented type");
        add(
            responses,
            "422",
            "invalid field values, each named in `errors`",
        );
    }
    if has_query {
        add(
            responses,
            "422",
            "an invalid query parameter, named in `errors`",
        );
    }
    if path.starts_with("/api/") {
        add(
            responses,
            "503",
            "the database is overloaded or unreachable; try again later",
        );
    }
    for (status, response) in responses.iter_mut() {
        let error = status.starts_with('4') || status.starts_with('5');
        if error && response.get("content").is_none() {
            response["content"] = json!({
                PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
            });
        }
    }
}
