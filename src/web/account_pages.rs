//! Home, register, login, logout, forgotten password, and the verify and
//! set-password pages that account emails link to. Each form is parsed by
//! the same rules as the API's (`NewVolunteer`, `Password`), so a page
//! shows the API's field messages beside its fields.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Site;
use super::flash::Flash;
use super::form::{Errors, Form};
use super::page::{PageResult, cookie, local_path, secure, see_other, t, wait_text};
use crate::domain::Role;
use crate::domain::new_account::NewVolunteer;
use crate::i18n;
use crate::routes::auth::RegisterBody;
use crate::routes::guard::{SESSION_COOKIE, client_ip};
use crate::services::{ServiceError, accounts, sessions};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/").route(web::get().to(home)))
        .service(
            web::resource("/login")
                .route(web::get().to(login_form))
                .route(web::post().to(login)),
        )
        .service(web::resource("/logout").route(web::post().to(logout)))
        .service(
            web::resource("/register")
                .route(web::get().to(register_form))
                .route(web::post().to(register)),
        )
        .service(
            web::resource("/forgot")
                .route(web::get().to(forgot_form))
                .route(web::post().to(forgot)),
        )
        .service(
            web::resource("/verify")
                .route(web::get().to(verify_form))
                .route(web::post().to(verify)),
        )
        .service(
            web::resource("/password")
                .route(web::get().to(password_form))
                .route(web::post().to(set_password)),
        );
}

/// A visitor's home is the front page; a volunteer's, the three things they
/// do; a cadre's, their work list; other staff go to the reports.
async fn home(site: Site) -> HttpResponse {
    let role = site.caller.as_ref().map(|c| c.role);
    if role == Some(Role::Cadre) {
        return see_other("/work");
    }
    site.render(
        StatusCode::OK,
        "home.html",
        json!({"volunteer": role == Some(Role::Volunteer), "staff": role.is_some_and(|r| r != Role::Volunteer)}),
    )
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

fn login_page(
    site: &Site,
    status: StatusCode,
    email: &str,
    next: &str,
    error: Option<String>,
) -> HttpResponse {
    site.render(
        status,
        "login.html",
        json!({"email": email, "next": next, "error": error}),
    )
}

async fn login_form(site: Site, q: web::Query<NextQuery>) -> HttpResponse {
    if site.caller.is_some() {
        return see_other(local_path(q.next.as_deref()).unwrap_or("/"));
    }
    let next = local_path(q.next.as_deref()).unwrap_or("");
    login_page(&site, StatusCode::OK, "", next, None)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
    #[serde(default)]
    next: String,
}

async fn login(site: Site, req: HttpRequest, Form(form): Form<LoginForm>) -> HttpResponse {
    let next = local_path(Some(&form.next)).unwrap_or("");
    let again = |status, error: String| login_page(&site, status, &form.email, next, Some(error));
    if !site.form_ok(&form.csrf_token) {
        return again(
            StatusCode::FORBIDDEN,
            site.expired_form().get(i18n::current()).to_owned(),
        );
    }
    match sessions::login(&site, &form.email, &form.password, &client_ip(&req)).await {
        Ok(session) => {
            // The language picked before logging in is the latest choice:
            // the account takes it (its pages and emails speak it).
            let picked = req
                .cookie(i18n::LOCALE_COOKIE)
                .and_then(|c| i18n::Locale::parse(c.value()));
            if let Some(locale) = picked.filter(|l| *l != session.user.locale)
                && let Err(e) = sessions::set_locale(&site.db, session.user.id, locale).await
            {
                tracing::error!(error = %e, "keeping the picked language failed");
            }
            let mut response = site.done(if next.is_empty() { "/" } else { next }, Flash::LoggedIn);
            let max_age = sessions::SESSION_TTL_MS / 1000;
            let _ = response.add_cookie(&cookie(
                SESSION_COOKIE,
                session.token,
                secure(&site),
                max_age,
            ));
            response
        }
        Err(ServiceError::Unauthorized) => again(
            StatusCode::UNAUTHORIZED,
            t("邮箱或密码不正确", "Wrong email or password"),
        ),
        Err(ServiceError::Forbidden) => again(
            StatusCode::FORBIDDEN,
            t(
                "请先点击验证邮件中的链接",
                "Please follow the link in the verification email first",
            ),
        ),
        Err(ServiceError::Throttled { retry_after_secs }) => {
            again(StatusCode::TOO_MANY_REQUESTS, wait_text(retry_after_secs))
        }
        Err(e) => {
            tracing::error!(error = %e, "login page failed");
            again(
                StatusCode::INTERNAL_SERVER_ERROR,
                t("服务器出错，请稍后再试", "Server error; please try later"),
            )
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf_token: String,
}

async fn logout(site: Site, Form(form): Form<CsrfForm>) -> HttpResponse {
    let Some(caller) = &site.caller else {
        return see_other("/");
    };
    if !site.form_ok(&form.csrf_token) {
        return site.message(
            StatusCode::FORBIDDEN,
            t("页面已过期", "The page expired"),
            t("请再点一次“退出”。", "Press “Log out” again."),
            ("/", t("返回首页", "Home")),
        );
    }
    if let Err(e) = sessions::logout(&site.db, caller).await {
        tracing::error!(error = %e, "logout failed");
    }
    let mut response = site.done("/", Flash::LoggedOut);
    let _ = response.add_cookie(&cookie(SESSION_COOKIE, String::new(), secure(&site), 0));
    response
}

fn register_page(site: &Site, status: StatusCode, values: Value, errors: &Errors) -> HttpResponse {
    site.render(
        status,
        "register.html",
        json!({"values": values, "errors": errors.messages()}),
    )
}

async fn register_form(site: Site) -> HttpResponse {
    let values = json!({"name": "", "email": "", "phone": ""});
    register_page(&site, StatusCode::OK, values, &Errors::none())
}

#[derive(Deserialize)]
struct RegisterForm {
    csrf_token: String,
    name: String,
    email: String,
    #[serde(default)]
    phone: String,
    password: String,
}

async fn register(site: Site, req: HttpRequest, Form(form): Form<RegisterForm>) -> PageResult {
    let values = json!({"name": form.name, "email": form.email, "phone": form.phone});
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return Ok(register_page(&site, StatusCode::FORBIDDEN, values, &errors));
    }
    let admitted = match accounts::admit_registration(&site, &client_ip(&req)).await {
        Ok(admitted) => admitted,
        Err(ServiceError::Throttled { retry_after_secs }) => {
            let errors = Errors::form(crate::i18n::Text::owned(
                wait_text(retry_after_secs),
                wait_text(retry_after_secs),
            ));
            return Ok(register_page(
                &site,
                StatusCode::TOO_MANY_REQUESTS,
                values,
                &errors,
            ));
        }
        Err(e) => return Err(site.fail(e)),
    };
    let body = RegisterBody {
        email: form.email,
        password: form.password,
        name: form.name,
        phone: Some(form.phone).filter(|p| !p.trim().is_empty()),
        // Registered in the language of the page: their emails speak it.
        locale: Some(i18n::current().as_str().to_owned()),
    };
    let volunteer = match NewVolunteer::try_from(body) {
        Ok(v) => v,
        Err(fields) => {
            let errors = Errors::from(fields);
            return Ok(register_page(
                &site,
                StatusCode::UNPROCESSABLE_ENTITY,
                values,
                &errors,
            ));
        }
    };
    accounts::register(&site, admitted, volunteer)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(site.done("/login", Flash::Registered))
}

async fn forgot_form(site: Site) -> HttpResponse {
    site.render(
        StatusCode::OK,
        "forgot.html",
        json!({"email": "", "error": null}),
    )
}

#[derive(Deserialize)]
struct ForgotForm {
    csrf_token: String,
    email: String,
}

async fn forgot(site: Site, req: HttpRequest, Form(form): Form<ForgotForm>) -> HttpResponse {
    let again = |status, error: String| {
        site.render(
            status,
            "forgot.html",
            json!({"email": form.email, "error": error}),
        )
    };
    if !site.form_ok(&form.csrf_token) {
        return again(
            StatusCode::FORBIDDEN,
            site.expired_form().get(i18n::current()).to_owned(),
        );
    }
    match sessions::forgot(&site, &form.email, &client_ip(&req)).await {
        Ok(()) => site.done("/login", Flash::ResetSent),
        Err(ServiceError::Throttled { retry_after_secs }) => {
            again(StatusCode::TOO_MANY_REQUESTS, wait_text(retry_after_secs))
        }
        Err(e) => {
            tracing::error!(error = %e, "forgot page failed");
            again(
                StatusCode::INTERNAL_SERVER_ERROR,
                t("服务器出错，请稍后再试", "Server error; please try later"),
            )
        }
    }
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// A page with one button that posts the token back: a mail scanner that
/// follows the link changes nothing.
fn confirm_page(site: &Site, kind: Confirm, token: &str, error: Option<String>) -> HttpResponse {
    let (heading, explanation, button, action, ask_password) = match kind {
        Confirm::Verify => (
            t("验证邮箱", "Verify your email"),
            t(
                "点击下面的按钮，确认这是您的邮箱。",
                "Press the button to confirm this is your address.",
            ),
            t("确认", "Confirm"),
            "/verify",
            false,
        ),
        Confirm::Password => (
            t("设置密码", "Set your password"),
            t(
                "请设置新密码，之后用它登录互助。",
                "Choose a new password for logging in to huzhu.",
            ),
            t("保存密码", "Save password"),
            "/password",
            true,
        ),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    site.render(
        status,
        "confirm.html",
        json!({"heading": heading, "explanation": explanation, "button": button, "action": action,
               "ask_password": ask_password, "token": token, "error": error}),
    )
}

#[derive(Clone, Copy)]
enum Confirm {
    Verify,
    Password,
}

async fn verify_form(site: Site, q: web::Query<TokenQuery>) -> HttpResponse {
    confirm_page(
        &site,
        Confirm::Verify,
        q.token.as_deref().unwrap_or(""),
        None,
    )
}

#[derive(Deserialize)]
struct TokenForm {
    token: String,
    csrf_token: String,
    password: Option<String>,
}

fn link_failed() -> String {
    t(
        "链接无效、已使用或已过期。",
        "The link is invalid, used or expired.",
    )
}

async fn verify(site: Site, Form(form): Form<TokenForm>) -> HttpResponse {
    if !site.form_ok(&form.csrf_token) {
        let error = site.expired_form().get(i18n::current()).to_owned();
        return confirm_page(&site, Confirm::Verify, &form.token, Some(error));
    }
    match accounts::verify(&site.db, &form.token).await {
        Ok(()) => site.message(
            StatusCode::OK,
            t("邮箱已验证", "Email verified"),
            t("现在可以登录了。", "You can log in now."),
            to_login(),
        ),
        Err(ServiceError::Invalid(_)) => site.message(
            StatusCode::UNPROCESSABLE_ENTITY,
            t("无法验证", "Cannot verify"),
            link_failed(),
            to_login(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "verify page failed");
            site.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                t("出错了", "Error"),
                t("请稍后再试。", "Please try later."),
                to_login(),
            )
        }
    }
}

async fn password_form(site: Site, q: web::Query<TokenQuery>) -> HttpResponse {
    confirm_page(
        &site,
        Confirm::Password,
        q.token.as_deref().unwrap_or(""),
        None,
    )
}

async fn set_password(site: Site, Form(form): Form<TokenForm>) -> HttpResponse {
    if !site.form_ok(&form.csrf_token) {
        let error = site.expired_form().get(i18n::current()).to_owned();
        return confirm_page(&site, Confirm::Password, &form.token, Some(error));
    }
    let password = form.password.as_deref().unwrap_or("");
    match sessions::set_password(&site.db, &form.token, password).await {
        Ok(()) => site.message(
            StatusCode::OK,
            t("密码已设置", "Password set"),
            t("请用新密码登录。", "Log in with your new password."),
            to_login(),
        ),
        Err(ServiceError::Invalid(errors)) => {
            let detail = errors
                .first()
                .map(|e| e.message.get(i18n::current()).to_owned())
                .unwrap_or_else(link_failed);
            confirm_page(&site, Confirm::Password, &form.token, Some(detail))
        }
        Err(e) => {
            tracing::error!(error = %e, "password page failed");
            site.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                t("出错了", "Error"),
                t("请稍后再试。", "Please try later."),
                to_login(),
            )
        }
    }
}

/// Where account pages send people next: the login page.
fn to_login() -> (&'static str, String) {
    ("/login", t("去登录", "Log in"))
}
