//! A volunteer's own account: what it holds, and erasing it (PIPL Art. 47)
//! after a page that says what happens and asks for the password. The rule
//! lives in `services::account_erasure`, which `DELETE /api/v1/me` calls
//! too; a wrong password comes back beside the field.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::domain::Role;
use crate::routes::guard::SESSION_COOKIE;
use crate::services::{ServiceError, account_erasure};
use crate::store;
use crate::web::Site;
use crate::web::form::{Errors, Form};
use crate::web::page::{PageResult, cookie, secure, t, wait_text};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(web::get().to(show)))
        .service(
            web::resource("/account/delete")
                .route(web::get().to(confirm))
                .route(web::post().to(delete)),
        );
}

/// `GET /account`: the volunteer's name, email and phone, and the way out.
async fn show(site: Site) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    let user = store::accounts::user_by_id(&site.db, me.user_id)
        .await
        .map_err(|e| site.fail(e.into()))?
        .ok_or_else(|| site.fail(ServiceError::NotFound))?;
    Ok(site.render(
        StatusCode::OK,
        "volunteer/account.html",
        json!({"user": {"name": user.name, "email": user.email, "phone": user.phone}}),
    ))
}

fn confirm_page(site: &Site, status: StatusCode, errors: &Errors) -> HttpResponse {
    site.render(
        status,
        "volunteer/account_delete.html",
        json!({"errors": errors.messages()}),
    )
}

/// `GET /account/delete`: what erasing the account does, and the form.
async fn confirm(site: Site) -> PageResult {
    site.only(Role::Volunteer)?;
    Ok(confirm_page(&site, StatusCode::OK, &Errors::none()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteForm {
    csrf_token: String,
    password: String,
}

/// `POST /account/delete`: erases the account, ends the session and says
/// it is done; a wrong password comes back beside its field.
async fn delete(mut site: Site, Form(form): Form<DeleteForm>) -> PageResult {
    let me = site.only(Role::Volunteer)?;
    if !site.form_ok(&form.csrf_token) {
        let errors = Errors::form(site.expired_form());
        return Ok(confirm_page(&site, StatusCode::FORBIDDEN, &errors));
    }
    match account_erasure::erase_own(&site, me, &form.password).await {
        Ok(()) => {
            // The page that says so is shown to nobody logged in.
            site.caller = None;
            let mut response = site.message(
                StatusCode::OK,
                t("账户已删除", "Your account is deleted"),
                t(
                    "您的姓名、邮箱和电话已从互助平台删除，您已退出登录。谢谢您帮助过的每一户人家。",
                    "Your name, email and phone are erased from huzhu and you are logged out. Thank you for every household you helped.",
                ),
                ("/", t("返回首页", "Home")),
            );
            let _ = response.add_cookie(&cookie(SESSION_COOKIE, String::new(), secure(&site), 0));
            Ok(response)
        }
        Err(ServiceError::Invalid(errors)) => Ok(confirm_page(
            &site,
            StatusCode::UNPROCESSABLE_ENTITY,
            &Errors::from(errors),
        )),
        Err(ServiceError::Throttled { retry_after_secs }) => {
            let errors = Errors::from(vec![crate::domain::FieldError::new(
                "password",
                crate::i18n::Text::owned(wait_text(retry_after_secs), wait_text(retry_after_secs)),
            )]);
            Ok(confirm_page(&site, StatusCode::TOO_MANY_REQUESTS, &errors))
        }
        Err(e) => Err(site.fail(e)),
    }
}
