//! What every page shares: the templates (embedded) and their rendering,
//! and the `Site` a handler works with — the application, who is asking,
//! the form token, the flash message — so that every page gets the same
//! layout, navigation, language switch and CSRF protection without asking.

use std::future::{Ready, ready};
use std::ops::Deref;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::error::InternalError;
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::{Value, json};

use super::flash::{FLASH_COOKIE, Notice};
use super::nav;
use crate::context::AppContext;
use crate::domain::{Caller, Role};
use crate::i18n::{self, Locale, Text};
use crate::services::{ServiceError, tokens};

/// The page templates, embedded: `templates/pages/<name>`.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/pages/", $name)))),*]
    };
}

const FILES: &[(&str, &str)] = templates![
    "layout.html",
    "macros.html",
    "home.html",
    "login.html",
    "register.html",
    "forgot.html",
    "confirm.html",
    "message.html",
    "reports.html",
    "place_form.html",
    "volunteer/offers.html",
    "volunteer/offer_form.html",
    "volunteer/needs.html",
    "volunteer/need_parts.html",
    "volunteer/need.html",
    "volunteer/map.html",
    "volunteer/matches.html",
    "volunteer/match.html",
    "volunteer/account.html",
    "volunteer/account_delete.html",
    "cadre/work.html",
    "cadre/households.html",
    "cadre/household.html",
    "cadre/household_form.html",
    "cadre/need.html",
    "cadre/need_form.html",
    "cadre/need_parts.html",
    "cadre/match.html",
    "cadre/import.html",
    "coordinator/followup.html",
    "admin/staff.html",
    "admin/staff_new.html",
    "admin/staff_member.html",
    "admin/staff_active.html",
    "admin/villages.html",
    "coordinator/rounds.html",
    "coordinator/round_preview.html",
    "coordinator/round_running.html",
    "coordinator/round.html",
    "coordinator/round_outcomes.html",
    "coordinator/waiting.html",
    "coordinator/map.html",
    "coordinator/need.html",
    "pairings/list.html",
    "pairings/pairing.html",
    "pairings/visit_form.html",
    "pairings/suggestions.html",
    "pairings/household_part.html",
    "pairings/meetings.html",
    "pairings/meeting.html",
    "pairings/meeting_form.html",
];

/// The compiled page templates.
pub struct Pages {
    env: Environment<'static>,
}

impl Pages {
    pub fn load() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_function("asset", |name: &str| {
            super::assets::url(name).map(str::to_owned).ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("no embedded asset {name}"),
                )
            })
        });
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

/// A page handler's answer: the page, or a page that says why not (a
/// redirect to the login, a refusal, an error), as actix's error carrying
/// its own response.
pub type PageResult = Result<HttpResponse, actix_web::Error>;

/// What a page handler works with: the application's context (through
/// `Deref`, so `site.db` and `&site` as `&AppContext` work), the page
/// templates, and the visitor — logged in or not, their form token, the
/// flash message left for them, the path they are on.
pub struct Site {
    context: web::Data<AppContext>,
    pub pages: web::Data<Pages>,
    pub caller: Option<Caller>,
    csrf: String,
    /// A form token of an anonymous visitor made for this request, to be
    /// set as their cookie.
    fresh_csrf: bool,
    flash: Option<Notice>,
    here: String,
    /// A GET (or HEAD): a page one may come back to after logging in.
    reading: bool,
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
        let (Some(context), Some(pages)) = (context, pages) else {
            return ready(Err(actix_web::error::ErrorInternalServerError(
                "the application data is not registered",
            )));
        };
        let caller = req.extensions().get::<Caller>().cloned();
        let (csrf, fresh_csrf) = match &caller {
            Some(c) => (c.csrf_token.clone(), false),
            None => match req
                .cookie(CSRF_COOKIE)
                .map(|c| c.value().to_owned())
                .filter(|v| v.len() == 64)
            {
                Some(token) => (token, false),
                None => (tokens::new_token(), true),
            },
        };
        let flash = req
            .cookie(FLASH_COOKIE)
            .and_then(|c| Notice::parse(c.value()));
        let here = req
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
        ready(Ok(Self {
            context,
            pages,
            caller,
            csrf,
            fresh_csrf,
            flash,
            here,
            reading: matches!(*req.method(), Method::GET | Method::HEAD),
        }))
    }
}

impl Site {
    /// The token forms on this page carry.
    pub fn csrf_token(&self) -> &str {
        &self.csrf
    }

    /// Whether a submitted form carries this visitor's token: the session's
    /// once logged in, the form cookie's before.
    pub fn form_ok(&self, sent: &str) -> bool {
        !sent.is_empty() && !self.fresh_csrf && sent == self.csrf
    }

    /// Where the visitor is: path and query.
    pub fn here(&self) -> &str {
        &self.here
    }

    /// Renders a page inside the layout: navigation for the visitor's role,
    /// the language switch, the flash message (shown once), and the form
    /// token (`csrf_token`, unless the handler gave one).
    pub fn render(&self, status: StatusCode, name: &str, context: Value) -> HttpResponse {
        let mut context = match context {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        context
            .entry("csrf_token")
            .or_insert_with(|| json!(self.csrf));
        context.insert("chrome".to_owned(), self.chrome());
        let mut response = self.pages.render(status, name, Value::Object(context));
        if self.fresh_csrf {
            let _ = response.add_cookie(&cookie(
                CSRF_COOKIE,
                self.csrf.clone(),
                secure(self),
                CSRF_COOKIE_SECS,
            ));
        }
        if self.flash.is_some() {
            let _ = response.add_cookie(&cookie(FLASH_COOKIE, String::new(), secure(self), 0));
        }
        response
    }

    fn chrome(&self) -> Value {
        let locale = i18n::current();
        let other = match locale {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        };
        let switch = format!(
            "/lang/{}?next={}",
            other.as_str(),
            url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect::<String>()
        );
        json!({
            "me": self.caller.as_ref().map(|c| json!({
                "name": c.name,
                "role": c.role.as_str(),
                "role_label": c.role.label().get(locale),
                "volunteer": c.role == Role::Volunteer,
            })),
            "nav": nav::items(self.caller.as_ref().map(|c| c.role), &self.here),
            "lang_switch": switch,
            "flash": self.flash.as_ref().map(|f| f.text().get(locale).to_owned()),
            "csrf_token": self.csrf,
        })
    }

    /// The logged-in caller, or a redirect to the login page that comes
    /// back here afterwards — to a page, not to a form's action (a button
    /// pressed after the session ended cannot be replayed as a GET).
    pub fn signed_in(&self) -> Result<&Caller, actix_web::Error> {
        self.caller.as_ref().ok_or_else(|| {
            if !self.reading {
                return respond(see_other("/login"));
            }
            let next =
                url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect::<String>();
            respond(see_other(&format!("/login?next={next}")))
        })
    }

    /// The logged-in caller if they have `role`; anyone else is refused
    /// with a page that says so.
    pub fn only(&self, role: Role) -> Result<&Caller, actix_web::Error> {
        let caller = self.signed_in()?;
        if caller.role == role {
            return Ok(caller);
        }
        Err(respond(self.message(
            StatusCode::FORBIDDEN,
            t("无权访问", "Not for your account"),
            format!(
                "{}{}",
                t("此页面仅供", "This page is for "),
                role.label().get(i18n::current())
            ),
            ("/", t("返回首页", "Home")),
        )))
    }

    /// A route guard: the request comes from a logged-in person with one of
    /// `roles`. Lets one path serve each role its own page (`/needs/{id}`
    /// for staff and for volunteers), registered staff first.
    pub fn role_guard(roles: &'static [Role]) -> impl actix_web::guard::Guard {
        actix_web::guard::fn_guard(move |ctx| {
            ctx.req_data()
                .get::<Caller>()
                .is_some_and(|c| roles.contains(&c.role))
        })
    }

    /// The id in a page's path; text that is no id is a page not found,
    /// as an id outside the caller's reach is.
    pub fn path_id(&self, text: &str) -> Result<uuid::Uuid, actix_web::Error> {
        uuid::Uuid::parse_str(text).map_err(|_| self.fail(ServiceError::NotFound))
    }

    /// A page that says what went wrong with a service call, with the
    /// status the API would answer.
    pub fn fail(&self, error: ServiceError) -> actix_web::Error {
        if let Some(outage) = error.outage() {
            let (text, retry_after) = crate::error::outage_text(outage);
            tracing::warn!(?outage, "a page's service call met an outage");
            let mut response = self.message(
                StatusCode::SERVICE_UNAVAILABLE,
                t("暂时无法完成", "Not possible just now"),
                text.get(i18n::current()).to_owned(),
                ("/", t("返回首页", "Home")),
            );
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after),
            );
            return respond(response);
        }
        let (status, heading, text) = match &error {
            ServiceError::NotFound => (
                StatusCode::NOT_FOUND,
                t("找不到", "Not found"),
                t(
                    "没有这一项，或您无权查看。",
                    "There is no such item, or it is not yours to see.",
                ),
            ),
            ServiceError::Forbidden | ServiceError::Unauthorized => (
                StatusCode::FORBIDDEN,
                t("无权操作", "Not allowed"),
                t("您的账号不能做这件事。", "Your account may not do this."),
            ),
            ServiceError::Refused(why) => (
                StatusCode::FORBIDDEN,
                t("无权操作", "Not allowed"),
                why.get(i18n::current()).to_owned(),
            ),
            ServiceError::Conflict(why) | ServiceError::Duplicate { why, .. } => (
                StatusCode::CONFLICT,
                t("未能完成", "Could not be done"),
                why.get(i18n::current()).to_owned(),
            ),
            ServiceError::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                t("输入有误", "Please check the input"),
                errors
                    .iter()
                    .map(|e| e.message.get(i18n::current()).to_owned())
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            ServiceError::Throttled { retry_after_secs } => (
                StatusCode::TOO_MANY_REQUESTS,
                t("请稍后再试", "Please wait"),
                wait_text(*retry_after_secs),
            ),
            ServiceError::Db(_) | ServiceError::Internal(_) => {
                tracing::error!(error = %error, "a page's service call failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    t("出错了", "Something went wrong"),
                    t(
                        "服务器出错，请稍后再试。",
                        "The server failed; please try again later.",
                    ),
                )
            }
        };
        respond(self.message(status, heading, text, ("/", t("返回首页", "Home"))))
    }

    /// After a form: go to `location` and say `flash` there once.
    pub fn done(&self, location: &str, flash: impl Into<Notice>) -> HttpResponse {
        let mut response = see_other(location);
        let _ = response.add_cookie(&cookie(FLASH_COOKIE, flash.into().key(), secure(self), 60));
        response
    }

    /// A page with a heading, a sentence and one link onwards (`next`: its
    /// path and its label).
    pub fn message(
        &self,
        status: StatusCode,
        heading: String,
        text: String,
        next: (&str, String),
    ) -> HttpResponse {
        self.render(
            status,
            "message.html",
            json!({"heading": heading, "message": text, "next_url": next.0, "next_label": next.1}),
        )
    }

    /// The form page again after a refused submission: a stale form token.
    pub fn expired_form(&self) -> Text {
        Text::fixed(
            "页面已过期，请重新提交",
            "The page expired; please submit again",
        )
    }
}

/// Turns a ready response into the error a `PageResult` carries.
pub fn respond(response: HttpResponse) -> actix_web::Error {
    InternalError::from_response("page answer", response).into()
}

/// "Try again in N minutes", for a throttled form.
pub fn wait_text(secs: u64) -> String {
    let minutes = secs.div_ceil(60).max(1);
    match i18n::current() {
        Locale::ZhCn => format!("尝试次数过多，请 {minutes} 分钟后再试。"),
        Locale::En => format!("Too many attempts; please try again in {minutes} minutes."),
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
const CSRF_COOKIE_SECS: i64 = 3600;

pub fn t(zh: &'static str, en: &'static str) -> String {
    Text::fixed(zh, en).get(i18n::current()).to_owned()
}

pub fn secure(ctx: &AppContext) -> bool {
    ctx.public_url.scheme() == "https"
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("location", location))
        .finish()
}

/// A phone number as a `tel:` link wants it: digits and `+` only.
pub fn tel(phone: &str) -> String {
    phone
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '+')
        .collect()
}

/// A path on this site to go back to after a form, from a `next` parameter:
/// only a local path, never another site (`//evil`, `https://…`).
pub fn local_path(next: Option<&str>) -> Option<&str> {
    // Printable ASCII only: browsers drop tabs and newlines from a URL, so
    // `/<TAB>/evil` would become `//evil`, another site.
    next.filter(|p| {
        p.starts_with('/')
            && !p.starts_with("//")
            && !p.contains('\\')
            && p.bytes().all(|b| b.is_ascii_graphic())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_paths_stay_on_this_site() {
        assert_eq!(local_path(Some("/offers?x=1")), Some("/offers?x=1"));
        for outside in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "offers",
            "/\t/evil.example",
            "/\n",
            "/ /evil",
        ] {
            assert_eq!(local_path(Some(outside)), None, "{outside:?}");
        }
    }

    #[test]
    fn every_template_compiles() {
        Pages::load().expect("templates");
    }
}
