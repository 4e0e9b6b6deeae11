//! Request extractors that turn every malformed input into the right problem:
//! wrong content type 415, too large 413, unparsable 400, wrong values 422
//! naming the field as the request spells it (`categories[1]`).

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::error::{ApiError, FieldError};
use crate::i18n::Text;

/// The largest JSON body accepted.
pub const JSON_LIMIT: usize = 1 << 20;

/// A JSON request body, deserialized with field paths for errors.
#[derive(Debug)]
pub struct Json<T>(pub T);

fn is_json(req: &HttpRequest) -> bool {
    let Some(value) = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// Reads the whole body, refusing it as soon as it passes `limit`.
pub async fn read_body(
    req: &HttpRequest,
    mut payload: Payload,
    limit: usize,
) -> Result<web::Bytes, ApiError> {
    if declared_length(req).is_some_and(|n| n > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| {
            ApiError::BadRequest(Text::fixed("请求体读取失败", "The body could not be read"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Deserializes JSON, mapping syntax errors to 400 and value errors to 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Whether the body is JSON at all is decided before it is mapped onto
    // `T`: otherwise a truncated `[1, 2` meets a type error at `[0]` before
    // the parser reaches the missing end, and the client is sent to fix a
    // field of a body that was never whole. `IgnoredAny` keeps nothing.
    let mut check = serde_json::Deserializer::from_slice(bytes);
    IgnoredAny::deserialize(&mut check)
        .and_then(|_| check.end())
        .map_err(|e| syntax_error(&e))?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let result = serde_path_to_error::deserialize::<_, T>(&mut de);
    match result {
        Ok(value) => de.end().map(|()| value).map_err(|e| syntax_error(&e)),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_data() {
                Err(value_error(&path, &inner.to_string()))
            } else {
                Err(syntax_error(&inner))
            }
        }
    }
}

fn syntax_error(err: &serde_json::Error) -> ApiError {
    ApiError::BadRequest(Text::owned(
        format!("JSON 格式错误：第 {} 行第 {} 列", err.line(), err.column()),
        format!(
            "Malformed JSON at line {}, column {}",
            err.line(),
            err.column()
        ),
    ))
}

/// A 422 for a value serde refused; `path` is `.` for the body as a whole.
fn value_error(path: &str, reason: &str) -> ApiError {
    // serde's message names the expected shape; strip its position suffix.
    let reason = reason
        .split(" at line ")
        .next()
        .unwrap_or(reason)
        .to_owned();
    let mut field = if path == "." {
        String::new()
    } else {
        path.to_owned()
    };
    // A missing field is reported on its parent; name the field itself.
    if let Some(name) = reason
        .strip_prefix("missing field `")
        .and_then(|r| r.strip_suffix('`'))
    {
        field = if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        };
    }
    ApiError::Validation(vec![FieldError::new(
        field,
        Text::owned(
            format!("值无效：{reason}"),
            format!("Invalid value: {reason}"),
        ),
    )])
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            if !is_json(&req) {
                return Err(ApiError::UnsupportedMediaType);
            }
            let bytes = read_body(&req, payload, JSON_LIMIT).await?;
            parse_json(&bytes).map(Json)
        })
    }
}

/// A JSON body that may be left out (no body at all gives the default);
/// a body that is sent must be valid JSON of the right type.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<T: DeserializeOwned + Default + 'static> FromRequest for OptionalJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(&req, payload, JSON_LIMIT).await?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(OptionalJson(T::default()));
            }
            if !is_json(&req) {
                return Err(ApiError::UnsupportedMediaType);
            }
            parse_json(&bytes).map(OptionalJson)
        })
    }
}

/// Query parameters, deserialized with field names for errors (422).
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pairs = url::form_urlencoded::parse(req.query_string().as_bytes());
        let de = serde_urlencoded::Deserializer::new(pairs);
        let result = serde_path_to_error::deserialize::<_, T>(de)
            .map(Query)
            .map_err(|err| {
                let path = err.path().to_string();
                value_error(&path, &err.into_inner().to_string())
            });
        std::future::ready(result)
    }
}

/// The `?limit=` of every list, checked against the contract's bounds
/// (1 to 500, default 50).
pub fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(50),
        Some(n @ 1..=500) => Ok(n),
        Some(_) => Err(ApiError::field(
            "limit",
            Text::fixed("limit 取值为 1 到 500", "limit is from 1 to 500"),
        )),
    }
}

/// `?limit=&cursor=` of a list that has no other filter.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1 to 500 (default 50).
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a list: `{"items":[...],"next_cursor":string|null}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A whole number sent as a JSON number, `2` or `2.0`: JSON does not tell
/// them apart, and neither does JSON Schema's `integer`. Anything else, or
/// one out of `i64`'s range, is refused as serde refuses a wrong type.
pub fn whole<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Option<i64>, D::Error> {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let Some(n) = Option::<serde_json::Number>::deserialize(de)? else {
        return Ok(None);
    };
    n.as_i64()
        .or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && (-LIMIT..LIMIT).contains(f))
                .map(|f| f as i64)
        })
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!("invalid value: {n}, expected a whole number"))
        })
}

/// A whole list, short enough to need no pages: `{"items":[...]}`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

impl<T> Page<T> {
    /// Makes a page from up to `limit + 1` fetched rows: the extra row only
    /// says that another page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: u64, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let next_cursor = if more {
            rows.last().map(cursor_of)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }
}

/// The one answer to a cursor this service did not write.
pub fn invalid_cursor() -> ApiError {
    ApiError::field("cursor", Text::fixed("游标无效", "Invalid cursor"))
}

/// A `cursor=` that is an id: where a list ordered by id continues.
pub fn uuid_cursor(text: Option<&str>) -> Result<Option<uuid::Uuid>, ApiError> {
    text.map(|c| uuid::Uuid::parse_str(c).map_err(|_| invalid_cursor()))
        .transpose()
}

/// A `cursor=` that is a `number_id` key (`domain::cursor`): where a list
/// ordered by a time or a cost continues.
pub fn key_cursor(text: Option<&str>) -> Result<Option<(i64, uuid::Uuid)>, ApiError> {
    text.map(|c| crate::domain::cursor::parse_key(c).ok_or_else(invalid_cursor))
        .transpose()
}

/// A `region=` filter: a region code or its significant prefix.
pub fn region_filter(text: Option<&str>) -> Result<Option<crate::domain::RegionPrefix>, ApiError> {
    text.map(|r| {
        crate::domain::RegionPrefix::parse(r).map_err(|_| {
            ApiError::field(
                "region",
                Text::fixed("地区代码格式不正确", "Not a region code"),
            )
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};
    use serde::Deserialize;

    use super::Json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        categories: Vec<String>,
        capacity: u32,
    }

    async fn echo(Json(body): Json<Body>) -> HttpResponse {
        HttpResponse::Ok().body(body.title)
    }

    async fn status_and_body(request: test::TestRequest) -> (u16, serde_json::Value) {
        let app = test::init_service(
            App::new()
                .route("/", web::post().to(echo))
                .wrap(from_fn(crate::error::problem_layer)),
        )
        .await;
        let response = test::call_service(
            &app,
            request
                .uri("/")
                .method(actix_web::http::Method::POST)
                .to_request(),
        )
        .await;
        let status = response.status().as_u16();
        let bytes = test::read_body(response).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    fn json(body: &str) -> test::TestRequest {
        test::TestRequest::default()
            .insert_header(("content-type", "application/json"))
            .set_payload(body.to_owned())
    }

    #[actix_web::test]
    async fn each_kind_of_bad_body_gets_its_own_status_and_field() {
        let cases = [
            (
                json(r#"{"title":"x","categories":["a"],"capacity":1}"#),
                200,
                None,
            ),
            (json(r#"{"title":"x","#), 400, None),
            (json("[1, 2"), 400, None),
            (json(r#"{"title":"x","categories":["a",7"#), 400, None),
            (
                json(r#"{"title":5,"categories":[],"capacity":1"#),
                400,
                None,
            ),
            (json(&"[".repeat(10_000)), 400, None),
            (json(r#"[1, 2]"#), 422, Some("[0]")),
            (json(""), 400, None),
            (
                json(r#"{"title":"x","categories":["a"],"capacity":1} trailing"#),
                400,
                None,
            ),
            (
                json(r#"{"title":"x","categories":["a",7],"capacity":1}"#),
                422,
                Some("categories[1]"),
            ),
            (
                json(r#"{"title":"x","categories":[],"capacity":-1}"#),
                422,
                Some("capacity"),
            ),
            (
                json(r#"{"categories":[],"capacity":1}"#),
                422,
                Some("title"),
            ),
            (json(r#"null"#), 422, Some("")),
            (
                test::TestRequest::default()
                    .insert_header(("content-type", "text/plain"))
                    .set_payload("{}"),
                415,
                None,
            ),
            (test::TestRequest::default().set_payload("{}"), 415, None),
            (
                json(&format!(
                    r#"{{"title":"{}"}}"#,
                    "x".repeat(super::JSON_LIMIT)
                )),
                413,
                None,
            ),
        ];
        for (request, status, field) in cases {
            let (got, body) = status_and_body(request).await;
            assert_eq!(got, status, "{body}");
            if got >= 400 {
                assert_eq!(body["status"], status);
            }
            if let Some(field) = field {
                assert_eq!(body["errors"][0]["field"], field, "{body}");
            }
        }
    }
}
