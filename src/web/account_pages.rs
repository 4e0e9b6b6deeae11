//! Home, login, logout, and the verify and set-password pages that account
//! emails link to.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::Site;
use super::page::{
    cookie, form_token, form_token_matches, message, secure, see_other, t, with_csrf_cookie,
};
use crate::i18n;
use crate::routes::guard::{MaybeCaller, SESSION_COOKIE, client_ip};
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

async fn home(ctx: Site, caller: MaybeCaller) -> HttpResponse {
    let user = match &caller.0 {
        Some(c) => crate::store::accounts::user_by_id(&ctx.db, c.user_id)
            .await
            .ok()
            .flatten()
            .map(|u| {
                json!({
                    "name": u.name,
                    "role_label": c.role.label().get(i18n::current()),
                    "staff": c.role != crate::domain::Role::Volunteer,
                })
            }),
        None => None,
    };
    let csrf = caller
        .0
        .as_ref()
        .map(|c| c.csrf_token.clone())
        .unwrap_or_default();
    ctx.pages.render(
        StatusCode::OK,
        "home.html",
        json!({"user": user, "csrf_token": csrf}),
    )
}

async fn login_form(ctx: Site, req: HttpRequest) -> HttpResponse {
    let token = form_token(&req);
    let page = ctx.pages.render(
        StatusCode::OK,
        "login.html",
        json!({"csrf_token": token, "email": "", "error": null}),
    );
    with_csrf_cookie(&ctx, page, token)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    csrf_token: String,
}

async fn login(ctx: Site, req: HttpRequest, form: web::Form<LoginForm>) -> HttpResponse {
    let token = form_token(&req);
    let again = |status, error: String| {
        let page = ctx.pages.render(
            status,
            "login.html",
            json!({"csrf_token": token, "email": form.email, "error": error}),
        );
        with_csrf_cookie(&ctx, page, token.clone())
    };
    if !form_token_matches(&req, &form.csrf_token) {
        return again(
            StatusCode::FORBIDDEN,
            t(
                "页面已过期，请重新提交",
                "The page expired; please submit again",
            ),
        );
    }
    match sessions::login(&ctx, &form.email, &form.password, &client_ip(&req)).await {
        Ok(session) => {
            let mut response = see_other("/");
            let max_age = sessions::SESSION_TTL_MS / 1000;
            let _ = response.add_cookie(&cookie(
                SESSION_COOKIE,
                session.token,
                secure(&ctx),
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
        Err(ServiceError::Throttled { .. }) => again(
            StatusCode::TOO_MANY_REQUESTS,
            t(
                "尝试次数过多，请 15 分钟后再试",
                "Too many attempts; try again in 15 minutes",
            ),
        ),
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

async fn logout(ctx: Site, caller: MaybeCaller, form: web::Form<CsrfForm>) -> HttpResponse {
    let Some(caller) = caller.0 else {
        return see_other("/");
    };
    if form.csrf_token != caller.csrf_token {
        return HttpResponse::Forbidden().finish();
    }
    if let Err(e) = sessions::logout(&ctx.db, &caller).await {
        tracing::error!(error = %e, "logout failed");
    }
    let mut response = see_other("/");
    let _ = response.add_cookie(&cookie(SESSION_COOKIE, String::new(), secure(&ctx), 0));
    response
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

/// A page with one button that posts the token back: a mail scanner that
/// follows the link changes nothing.
fn confirm_page(
    ctx: &Site,
    req: &HttpRequest,
    kind: Confirm,
    token: &str,
    error: Option<String>,
) -> HttpResponse {
    let csrf = form_token(req);
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
    let page = ctx.pages.render(
        status,
        "confirm.html",
        json!({"heading": heading, "explanation": explanation, "button": button, "action": action,
               "ask_password": ask_password, "token": token, "csrf_token": csrf, "error": error}),
    );
    with_csrf_cookie(ctx, page, csrf)
}

#[derive(Clone, Copy)]
enum Confirm {
    Verify,
    Password,
}

async fn verify_form(ctx: Site, req: HttpRequest, q: web::Query<TokenQuery>) -> HttpResponse {
    confirm_page(
        &ctx,
        &req,
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

async fn verify(ctx: Site, req: HttpRequest, form: web::Form<TokenForm>) -> HttpResponse {
    if !form_token_matches(&req, &form.csrf_token) {
        let error = t(
            "页面已过期，请重新提交",
            "The page expired; please submit again",
        );
        return confirm_page(&ctx, &req, Confirm::Verify, &form.token, Some(error));
    }
    match accounts::verify(&ctx.db, &form.token).await {
        Ok(()) => message(
            &ctx,
            StatusCode::OK,
            t("邮箱已验证", "Email verified"),
            t("现在可以登录了。", "You can log in now."),
            to_login(),
        ),
        Err(ServiceError::Invalid(_)) => message(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            t("无法验证", "Cannot verify"),
            link_failed(),
            to_login(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "verify page failed");
            message(
                &ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                t("出错了", "Error"),
                t("请稍后再试。", "Please try later."),
                to_login(),
            )
        }
    }
}

async fn password_form(ctx: Site, req: HttpRequest, q: web::Query<TokenQuery>) -> HttpResponse {
    confirm_page(
        &ctx,
        &req,
        Confirm::Password,
        q.token.as_deref().unwrap_or(""),
        None,
    )
}

async fn set_password(ctx: Site, req: HttpRequest, form: web::Form<TokenForm>) -> HttpResponse {
    if !form_token_matches(&req, &form.csrf_token) {
        let error = t(
            "页面已过期，请重新提交",
            "The page expired; please submit again",
        );
        return confirm_page(&ctx, &req, Confirm::Password, &form.token, Some(error));
    }
    let password = form.password.as_deref().unwrap_or("");
    match sessions::set_password(&ctx.db, &form.token, password).await {
        Ok(()) => message(
            &ctx,
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
            confirm_page(&ctx, &req, Confirm::Password, &form.token, Some(detail))
        }
        Err(e) => {
            tracing::error!(error = %e, "password page failed");
            message(
                &ctx,
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
