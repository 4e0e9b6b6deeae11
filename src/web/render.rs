//! Page templates (embedded) and their rendering.

use actix_web::HttpResponse;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};

use crate::i18n::{self, Locale};

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
