//! `GET /me`, and the accounts admins and coordinators manage: `POST /users`
//! (staff invitations), `GET /users`, `PATCH /users/{id}`.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::context::AppContext;
use crate::domain::account_change::AccountChange;
use crate::domain::fields::both;
use crate::domain::household::input::name_search;
use crate::domain::new_account::{Assignment, NewAccount, Profile};
use crate::domain::{Caller, FieldError, Role};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::{Json, Page, Query, page_limit, region_filter, uuid_cursor};
use crate::services::{accounts, staff};
use crate::store;
use crate::store::entity::user;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/me")
            .route(web::get().to(me))
            .route(web::delete().to(delete_me)),
    )
    .service(
        web::resource("/users")
            .route(web::post().to(create))
            .route(web::get().to(list)),
    )
    .service(web::resource("/users/{id}").route(web::patch().to(update)));
}

/// A user as the API shows it: never the password hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    /// `volunteer`, `cadre`, `coordinator` or `admin`.
    pub role: String,
    /// The region prefix a cadre or coordinator acts in.
    pub region: Option<String>,
    pub locale: String,
    pub verified: bool,
    /// False once deactivated: the account cannot log in.
    pub active: bool,
}

impl From<user::Model> for UserView {
    fn from(u: user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email,
            name: u.name,
            phone: u.phone,
            role: u.role.to_string(),
            region: u.region,
            locale: u.locale.to_string(),
            verified: u.verified,
            active: u.active,
        }
    }
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = UserView), (status = 401)))]
pub async fn me(ctx: web::Data<AppContext>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let user = store::accounts::user_by_id(&ctx.db, caller.user_id)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteMeBody {
    /// The account's current password.
    #[serde(default)]
    pub password: String,
}

/// Erases the caller's own volunteer account (PIPL Art. 47): it is
/// deactivated, its name, email and phone replaced, its offers withdrawn,
/// its live matches cancelled with a reason (the needs open again) and its
/// standing pairings ended; its history and the figures stay. Staff
/// accounts are deactivated by an admin instead.
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = DeleteMeBody,
    responses((status = 204, description = "the account is erased and its sessions ended"),
        (status = 401), (status = 403, description = "staff accounts are deactivated by an admin"),
        (status = 422, description = "wrong password"), (status = 429, description = "too many wrong passwords")))]
pub async fn delete_me(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<DeleteMeBody>,
) -> Result<HttpResponse, ApiError> {
    crate::services::account_erasure::erase_own(&ctx, &caller, &body.password).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    /// `cadre`, `coordinator` or `admin` (coordinators may create cadres only).
    pub role: String,
    /// A region code or prefix; required for cadres and coordinators.
    pub region: Option<String>,
    pub locale: Option<String>,
}

impl NewUserBody {
    /// The role, refused alone: the region's rule depends on it.
    fn role(&self) -> Result<Role, Vec<FieldError>> {
        Role::parse(&self.role).ok_or_else(|| {
            vec![FieldError::new(
                "role",
                Text::fixed(
                    "角色为 volunteer、cadre、coordinator 或 admin",
                    "role is volunteer, cadre, coordinator or admin",
                ),
            )]
        })
    }
}

impl TryFrom<NewUserBody> for NewAccount {
    type Error = Vec<FieldError>;

    fn try_from(b: NewUserBody) -> Result<Self, Vec<FieldError>> {
        let role = b.role()?;
        let profile = Profile::parse(&b.email, &b.name, b.phone.as_deref(), b.locale.as_deref());
        let assignment = Assignment::parse(role, b.region.as_deref())
            .map_err(|message| vec![FieldError::new("region", message)]);
        let (profile, assignment) = both(profile, assignment)?;
        Ok(Self {
            profile,
            assignment,
        })
    }
}

/// Invites a staff member, who sets a password from the invitation email.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = NewUserBody,
    responses((status = 201, body = UserView), (status = 403, description = "may not create this role or region"),
        (status = 409, description = "email taken"), (status = 422, description = "invalid fields")))]
pub async fn create(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Json(body): Json<NewUserBody>,
) -> Result<HttpResponse, ApiError> {
    // In the order the API has always answered: a role that does not exist
    // (422), then one the caller may not create (403), then the rest (422).
    accounts::may_invite(&caller, body.role()?)?;
    let account = NewAccount::try_from(body)?;
    let user = accounts::invite(&ctx, &caller, account).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// `volunteer`, `cadre`, `coordinator` or `admin`.
    pub role: Option<String>,
    /// A region code or prefix: accounts whose region lies inside it.
    pub region: Option<String>,
    /// Text in the name or the email address (at most 50 characters).
    pub name: Option<String>,
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The accounts in the caller's reach, by when they were made: admins see
/// every account, coordinators the cadres of their region.
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts", params(UserListQuery),
    responses((status = 200, body = Page<UserView>), (status = 403),
        (status = 422, description = "a bad role, region, name, limit or cursor")))]
pub async fn list(
    ctx: web::Data<AppContext>,
    caller: Caller,
    Query(q): Query<UserListQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(q.limit)?;
    let role = match q.role.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            ApiError::field(
                "role",
                Text::fixed(
                    "角色为 volunteer、cadre、coordinator 或 admin",
                    "role is volunteer, cadre, coordinator or admin",
                ),
            )
        })?),
        None => None,
    };
    let search = staff::Search {
        role,
        staff_only: false,
        region: region_filter(q.region.as_deref())?,
        text: name_search(q.name.as_deref().unwrap_or(""))
            .map_err(|e| ApiError::field("name", e))?,
    };
    let after = uuid_cursor(q.cursor.as_deref())?;
    let rows = staff::list(&ctx.db, &caller, search, after, limit).await?;
    let views = rows.into_iter().map(UserView::from).collect();
    Ok(
        HttpResponse::Ok().json(Page::from_rows(views, limit, |u: &UserView| {
            u.id.to_string()
        })),
    )
}

#[derive(Deserialize, ToSchema)]
pub struct UserPatchBody {
    pub name: Option<String>,
    /// An 11-digit mainland mobile number; blank removes it.
    pub phone: Option<String>,
    /// `cadre`, `coordinator` or `admin` (coordinators may set cadre only).
    pub role: Option<String>,
    /// A region code or prefix, for cadres and coordinators.
    pub region: Option<String>,
    /// `false` deactivates: no login, every session ends, history kept.
    pub active: Option<bool>,
}

impl TryFrom<UserPatchBody> for AccountChange {
    type Error = Vec<FieldError>;

    fn try_from(b: UserPatchBody) -> Result<Self, Vec<FieldError>> {
        AccountChange::parse(
            b.name.as_deref(),
            b.phone.as_deref(),
            b.role.as_deref(),
            b.region.as_deref(),
            b.active,
        )
    }
}

/// Changes an account's name, phone, role or region, or deactivates or
/// reactivates it. Admins cannot deactivate or demote themselves, and the
/// last active admin stays.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "accounts", request_body = UserPatchBody,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = UserView), (status = 403, description = "may not give this role"),
        (status = 404), (status = 422, description = "invalid fields, or a change of one's own account that is refused")))]
pub async fn update(
    ctx: web::Data<AppContext>,
    caller: Caller,
    id: web::Path<Uuid>,
    Json(body): Json<UserPatchBody>,
) -> Result<HttpResponse, ApiError> {
    let change = AccountChange::try_from(body)?;
    let user = staff::change(&ctx.db, &caller, *id, change).await?;
    Ok(HttpResponse::Ok().json(UserView::from(user)))
}
