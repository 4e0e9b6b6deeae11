//! What every page shares: the templates (embedded) and their rendering,
//! the `Site` a handler works with, texts in the reader's language, the
//! CSRF cookie of forms shown before login, and the message page.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};

use crate::context::AppContext;
use crate::i18n::{self, Locale, Text};
use crate::services::tokens;

const FILES: &[(&str, &str)] = &[
    (
        "layout.html",
        include_str!("../../templates/pages/layout.html"),
    ),
    ("home.html", include_str!("../../templates/pages/home.html")),
    (
        "login.html",
        include_str!("../../templates/pages/login.html"),
    ),
    (
        "confirm.html",
        include_str!("../../templates/pages/confirm.html"),
    ),
    (
        "message.html",
        include_str!("../../templates/pages/message.html"),
    ),
    (
        "reports.html",
        include_str!("../../templates/pages/reports.html"),
    ),
];

/// The compiled page templates.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn load() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, source) in FILES {
            env.add_template(name, source)?;
        }
        Ok(Self { env })
    }

    /// Renders `name` with `context` plus the request's language.
    pub fn render(&self, status: StatusCode, name: &str, context: Value) -> HttpResponse {
        let locale = i18n::current();
        let mut context = match context {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        context.insert("lang".to_owned(), json!(locale.as_str()));
        context.insert("zh".to_owned(), json!(locale == Locale::ZhCn));
        context.insert(
            "stylesheet".to_owned(),
            json!(super::assets::stylesheet_path()),
        );
        let value = minijinja::Value::from(minijinja::value::Serde(&context));
        match self.env.get_template(name).and_then(|t| t.render(value)) {
            Ok(html) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("cache-control", "no-store"))
                .body(html),
            Err(e) => {
                tracing::error!(template = name, error = %e, "page rendering failed");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

/// What a page handler works with: the application's context (through
/// `Deref`, so `site.db` and `&site` as `&AppContext` work) and the page
/// templates, which are app data of their own: nothing below the web layer
/// knows that pages exist.
pub struct Site {
    context: web::Data<AppContext>,
    pub pages: web::Data<Pages>,
}

impl Deref for Site {
    type Target = AppContext;

    fn deref(&self) -> &AppContext {
        &self.context
    }
}

impl FromRequest for Site {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let context = req.app_data::<web::Data<AppContext>>().cloned();
        let pages = req.app_data::<web::Data<Pages>>().cloned();
        ready(match (context, pages) {
            (Some(context), Some(pages)) => Ok(Self { context, pages }),
            _ => Err(actix_web::error::ErrorInternalServerError(
                "the application data is not registered",
            )),
        })
    }
}

/// A cookie only our pages can read back: HttpOnly, SameSite=Lax, Secure when
/// huzhu is served over https.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_secs: i64,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(actix_web::cookie::time::Duration::seconds(max_age_secs))
        .finish()
}

/// The cookie holding the CSRF token of forms shown before login.
const CSRF_COOKIE: &str = "huzhu_csrf";

pub fn t(zh: &'static str, en: &'static str) -> String {
    Text::fixed(zh, en).get(i18n::current()).to_owned()
}

pub fn secure(ctx: &Site) -> bool {
    ctx.public_url.scheme() == "https"
}

/// The pre-login CSRF token: the cookie's, or a new one.
pub fn form_token(req: &HttpRequest) -> String {
    req.cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64)
        .unwrap_or_else(tokens::new_token)
}

pub fn form_token_matches(req: &HttpRequest, sent: &str) -> bool {
    req.cookie(CSRF_COOKIE)
        .is_some_and(|c| !sent.is_empty() && c.value() == sent)
}

pub fn with_csrf_cookie(ctx: &Site, mut response: HttpResponse, token: String) -> HttpResponse {
    let _ = response.add_cookie(&cookie(CSRF_COOKIE, token, secure(ctx), 3600));
    response
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .finish()
}

/// A page with a heading, a sentence and one link onwards (`next`: its
/// path and its label).
pub fn message(
    site: &Site,
    status: StatusCode,
    heading: String,
    text: String,
    next: (&str, String),
) -> HttpResponse {
    site.pages.render(
        status,
        "message.html",
        json!({"heading": heading, "message": text, "next_url": next.0, "next_label": next.1}),
    )
}
