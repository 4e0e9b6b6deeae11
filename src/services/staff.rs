//! Managing accounts: the list an admin (or a coordinator, for the cadres
//! of their region) reads, and the changes they make — name, phone, role,
//! region, and deactivation, which ends the account's sessions and links at
//! once and keeps its history. Every change is audited.

use uuid::Uuid;

use super::ServiceError;
use crate::domain::account_change::AccountChange;
use crate::domain::{AuditAction, Caller, LinkPurpose, RegionPrefix, Role};
use crate::i18n::Text;
use crate::store::staff::{UserFilter, UserUpdate};
use crate::store::{self, accounts as q, entity::user, now_ms};

/// What a list of accounts is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Search {
    /// One role; `None` for every role in reach.
    pub role: Option<Role>,
    /// Only staff (no volunteers), when no role is chosen: the staff page.
    pub staff_only: bool,
    pub region: Option<RegionPrefix>,
    /// Text in the name or email.
    pub text: Option<String>,
}

/// The filter that keeps `caller` inside their reach: admins every account,
/// coordinators the cadres of their region. `None` when the search asks
/// for nothing they reach (a coordinator asking for admins).
fn filter(caller: &Caller, search: Search) -> Result<Option<UserFilter>, ServiceError> {
    let mut regions: Vec<RegionPrefix> = search.region.into_iter().collect();
    let roles = match caller.role {
        Role::Admin => match search.role {
            Some(role) => vec![role],
            None if search.staff_only => vec![Role::Cadre, Role::Coordinator, Role::Admin],
            None => Vec::new(),
        },
        Role::Coordinator => {
            regions.push(caller.region.clone().ok_or(ServiceError::Forbidden)?);
            match search.role {
                None | Some(Role::Cadre) => vec![Role::Cadre],
                Some(_) => return Ok(None),
            }
        }
        _ => return Err(ServiceError::Forbidden),
    };
    Ok(Some(UserFilter {
        roles,
        regions,
        text: search.text,
    }))
}

/// The accounts in the caller's reach, by when they were made: up to
/// `limit + 1`, the extra one saying that another page follows.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id))]
pub async fn list(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    search: Search,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<user::Model>, ServiceError> {
    match filter(caller, search)? {
        Some(filter) => Ok(store::staff::list(db, &filter, after, limit + 1).await?),
        None => Ok(Vec::new()),
    }
}

/// One account in the caller's reach; one outside it is not found.
pub async fn get(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<user::Model, ServiceError> {
    let user = q::user_by_id(db, id).await?.ok_or(ServiceError::NotFound)?;
    if may_manage(caller, &user) {
        Ok(user)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// Admins manage every account; coordinators the cadres of their region.
fn may_manage(caller: &Caller, user: &user::Model) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Coordinator => {
            user.role == Role::Cadre && user.region.as_deref().is_some_and(|r| caller.reaches(r))
        }
        _ => false,
    }
}

fn refused(field: &str, zh: &'static str, en: &'static str) -> ServiceError {
    ServiceError::field(field, Text::fixed(zh, en))
}

/// Applies `change` to the account `id` in one transaction, with its audit
/// records. Deactivating ends the account's sessions (bearer tokens and
/// page cookies alike) and spends its pending links, its matches' email
/// links too; its households,
/// needs and matches stay as they are.
#[tracing::instrument(skip_all, fields(caller = %caller.user_id, user = %id))]
pub async fn change(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    id: Uuid,
    change: AccountChange,
) -> Result<user::Model, ServiceError> {
    let user = get(db, caller, id).await?;
    if user.erased_at.is_some() {
        // Its owner erased it: what named them is gone for good.
        return Err(ServiceError::Conflict(Text::fixed(
            "该账户已由本人注销，不能再启用或修改",
            "This account was deleted by its owner: it cannot be reactivated or changed",
        )));
    }
    let role = change.role.unwrap_or(user.role);
    if let Some(new) = change.role.filter(|r| *r != user.role) {
        if !crate::domain::caller::may_create(caller.role, new) {
            return Err(ServiceError::Forbidden);
        }
        if user.role == Role::Volunteer || new == Role::Volunteer {
            return Err(refused(
                "role",
                "志愿者与工作人员的角色不能互换",
                "A volunteer cannot become staff, nor staff a volunteer",
            ));
        }
    }
    let myself = user.id == caller.user_id;
    if myself && change.active == Some(false) {
        return Err(refused(
            "active",
            "不能停用自己的账号",
            "You cannot deactivate your own account",
        ));
    }
    if myself && role != user.role {
        return Err(refused(
            "role",
            "不能更改自己的角色",
            "You cannot change your own role",
        ));
    }
    let region = region_for(db, caller, role, &user, change.region.as_ref()).await?;
    let now = now_ms();
    let txn = store::begin_write(db).await?;
    let admin_leaves = user.role == Role::Admin
        && user.active
        && (role != Role::Admin || change.active == Some(false));
    if admin_leaves {
        let admins = store::staff::lock_active_admins(&txn).await?;
        if admins.iter().all(|a| *a == user.id) {
            return Err(refused(
                if role != Role::Admin {
                    "role"
                } else {
                    "active"
                },
                "至少要保留一位在用的管理员",
                "At least one active administrator must remain",
            ));
        }
    }
    let update = UserUpdate {
        name: change.name.as_ref().map(|n| n.as_str().to_owned()),
        phone: change
            .phone
            .as_ref()
            .map(|p| p.as_ref().map(|p| p.as_str().to_owned())),
        role: change.role,
        region: Some(region),
        active: change.active,
    };
    let updated = store::staff::update(&txn, id, update, now).await?;
    let mut actions = Vec::new();
    if change.changes_account() {
        actions.push(AuditAction::ChangeAccount);
    }
    match (user.active, updated.active) {
        (true, false) => {
            q::revoke_user_sessions(&txn, id, now).await?;
            q::spend_user_links(&txn, id, &LinkPurpose::ALL, now).await?;
            store::staff::spend_match_links(&txn, id, now).await?;
            actions.push(AuditAction::Deactivate);
        }
        (false, true) => actions.push(AuditAction::Reactivate),
        _ => {}
    }
    for action in actions {
        store::audit::record(
            &txn,
            caller.user_id,
            action,
            "user",
            vec![id.to_string()],
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(updated)
}

/// The region the account keeps after the change: the one given (which
/// must exist and, for a coordinator, lie in their reach), else the one it
/// had; none for a role that acts without one.
async fn region_for(
    db: &sea_orm::DatabaseConnection,
    caller: &Caller,
    role: Role,
    user: &user::Model,
    given: Option<&RegionPrefix>,
) -> Result<Option<String>, ServiceError> {
    if !role.needs_region() {
        return Ok(None);
    }
    let no_such = || refused("region", "没有这个地区", "No such region");
    let Some(prefix) = given else {
        return match &user.region {
            Some(r) => Ok(Some(r.clone())),
            None => Err(refused(
                "region",
                "帮扶干部和协调员必须指定地区",
                "Cadres and coordinators need a region",
            )),
        };
    };
    let code = prefix.code();
    if !caller.reaches(&code) || store::regions::find(db, &code).await?.is_none() {
        return Err(no_such());
    }
    Ok(Some(prefix.as_str().to_owned()))
}
