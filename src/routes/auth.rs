//! `/auth/*`: registration, verification, login, logout, password links.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::AppContext;
use crate::domain::fields::both;
use crate::domain::new_account::{NewVolunteer, Profile};
use crate::domain::{Caller, FieldError, Password};
use crate::error::ApiError;
use crate::routes::extract::Json;
use crate::routes::guard::client_ip;
use crate::routes::users::UserView;
use crate::services::{accounts, sessions};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/auth/register").route(web::post().to(register)))
        .service(web::resource("/auth/verify").route(web::post().to(verify)))
        .service(web::resource("/auth/login").route(web::post().to(login)))
        .service(web::resource("/auth/logout").route(web::post().to(logout)))
        .service(web::resource("/auth/forgot").route(web::post().to(forgot)))
        .service(web::resource("/auth/password").route(web::post().to(set_password)));
}

#[derive(Deserialize, ToSchema)]
pub struct RegisterBody {
    pub email: String,
    /// At least 10 characters, not a common password.
    pub password: String,
    pub name: String,
    pub phone: Option<String>,
    /// `zh-CN` (default) or `en`.
    pub locale: Option<String>,
}

impl TryFrom<RegisterBody> for NewVolunteer {
    type Error = Vec<FieldError>;

    fn try_from(b: RegisterBody) -> Result<Self, Vec<FieldError>> {
        let profile = Profile::parse(&b.email, &b.name, b.phone.as_deref(), b.locale.as_deref());
        // Not the person's address or name: as parsed, or as written when
        // the profile has errors of its own.
        let password = match &profile {
            Ok(p) => Password::parse(&b.password, p.email.as_str(), p.name.as_str()),
            Err(_) => Password::parse(&b.password, &b.email, &b.name),
        }
        .map_err(|message| vec![FieldError::new("password", message)]);
        let (profile, password) = both(profile, password)?;
        Ok(Self { profile, password })
    }
}

/// Registers a volunteer and sends a verification email.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = UserView, description = "also for an address that has an account (its owner is emailed; nothing is created)"),
        (status = 422, description = "invalid fields"), (status = 429, description = "too many registrations")))]
pub async fn register(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    Json(body): Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let admitted = accounts::admit_registration(&ctx, &client_ip(&req)).await?;
    let volunteer = NewVolunteer::try_from(body)?;
    let user = accounts::register(&ctx, admitted, volunteer).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    pub token: String,
}

/// Confirms an email address from the link in the verification email.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "accounts", request_body = TokenBody,
    responses((status = 204, description = "verified"), (status = 422, description = "invalid, used or expired token")))]
pub async fn verify(
    ctx: web::Data<AppContext>,
    Json(body): Json<TokenBody>,
) -> Result<HttpResponse, ApiError> {
    accounts::verify(&ctx.db, &body.token).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginAnswer {
    /// The bearer token: `Authorization: Bearer <token>`.
    pub token: String,
    pub user: UserView,
}

/// Logs in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = LoginAnswer), (status = 401, description = "bad credentials"),
        (status = 403, description = "address not verified"), (status = 429, description = "too many failures")))]
pub async fn login(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    Json(body): Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let session = sessions::login(&ctx, &body.email, &body.password, &client_ip(&req)).await?;
    Ok(HttpResponse::Ok().json(LoginAnswer {
        token: session.token,
        user: UserView::from(session.user),
    }))
}

/// Ends the caller's session: its token stops working.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", responses((status = 204, description = "logged out")))]
pub async fn logout(ctx: web::Data<AppContext>, caller: Caller) -> Result<HttpResponse, ApiError> {
    sessions::logout(&ctx.db, &caller).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotBody {
    pub email: String,
}

/// Sends a password reset link, if the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/forgot", tag = "accounts", request_body = ForgotBody,
    responses((status = 202, description = "accepted, whether or not the address exists"), (status = 429, description = "too many requests")))]
pub async fn forgot(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    Json(body): Json<ForgotBody>,
) -> Result<HttpResponse, ApiError> {
    sessions::forgot(&ctx, &body.email, &client_ip(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordBody {
    pub token: String,
    pub password: String,
}

/// Sets a password from an invitation or reset token; ends every session.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "accounts", request_body = PasswordBody,
    responses((status = 204, description = "password set"), (status = 422, description = "invalid token or password")))]
pub async fn set_password(
    ctx: web::Data<AppContext>,
    Json(body): Json<PasswordBody>,
) -> Result<HttpResponse, ApiError> {
    sessions::set_password(&ctx.db, &body.token, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}
