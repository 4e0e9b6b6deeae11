//! Forms as pages send them: the body read with a bound and parsed like an
//! HTML form (a field repeated for each ticked checkbox becomes a list),
//! and the errors shown beside their fields — the API's own `FieldError`s,
//! in the reader's language.

use std::collections::BTreeMap;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::page::{respond, t};
use crate::domain::FieldError;
use crate::i18n::{self, Text};

/// The most a page's form may send: far beyond any real form, and no more
/// is read.
const FORM_LIMIT: usize = 64 * 1024;

/// A submitted form, parsed into `T`. A body that is not a form of `T`'s
/// shape (a crafted request; pages never send one) is a plain 400.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(_: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let mut payload = payload.take();
        Box::pin(async move {
            let refused = |status: StatusCode| {
                respond(
                    actix_web::HttpResponse::build(status)
                        .content_type("text/plain; charset=utf-8")
                        .body(t("无法读取表单。", "The form could not be read.")),
                )
            };
            // Read no more than the limit, whatever the body's length says.
            let mut body = web::BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| refused(StatusCode::BAD_REQUEST))?;
                if body.len() + chunk.len() > FORM_LIMIT {
                    return Err(refused(StatusCode::PAYLOAD_TOO_LARGE));
                }
                body.extend_from_slice(&chunk);
            }
            serde_html_form::from_bytes(&body)
                .map(Form)
                .map_err(|_| refused(StatusCode::BAD_REQUEST))
        })
    }
}

/// The errors of a submitted form, by field (`_form` for the whole form).
#[derive(Debug, Default)]
pub struct Errors(BTreeMap<String, Text>);

impl Errors {
    pub fn none() -> Self {
        Self::default()
    }

    /// One error about the whole form, shown above it.
    pub fn form(message: Text) -> Self {
        Self(BTreeMap::from([("_form".to_owned(), message)]))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `{field: message}` in the reader's language, for the templates.
    pub fn messages(&self) -> Value {
        let locale = i18n::current();
        let map: serde_json::Map<String, Value> = self
            .0
            .iter()
            .map(|(field, text)| (field.clone(), json!(text.get(locale))))
            .collect();
        Value::Object(map)
    }
}

impl From<Vec<FieldError>> for Errors {
    /// The first message of each field: the one to fix first.
    fn from(errors: Vec<FieldError>) -> Self {
        let mut map = BTreeMap::new();
        for e in errors {
            map.entry(e.field).or_insert(e.message);
        }
        Self(map)
    }
}
