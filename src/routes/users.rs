//! `GET /me` and `POST /users` (staff invitations).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::context::AppContext;
use crate::domain::fields::both;
use crate::domain::new_account::{Assignment, NewAccount, Profile};
use crate::domain::{Caller, FieldError, Role};
use crate::error::ApiError;
use crate::i18n::Text;
use crate::routes::extract::Json;
use crate::services::accounts;
use crate::store;
use crate::store::entity::user;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me").route(web::get().to(me)))
        .service(web::resource("/users").route(web::post().to(create)));
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
