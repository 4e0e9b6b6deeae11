//! `GET /households/{id}`: one household as its cadre sees it — who they
//! are (personal data: staff pages only, read through the service that
//! audits non-cadre reads) and each of its needs with its whole story, a
//! page of needs at a time, newest first; with the buttons to post a need,
//! change the household, and change or cancel each open need.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::needs::story;
use crate::domain::household::{IdNumber, parse_tags};
use crate::domain::{Caller, Role};
use crate::i18n;
use crate::services::need_stories;
use crate::store::entity::household;
use crate::web::Site;
use crate::web::form::Errors;
use crate::web::page::PageResult;

/// Needs on one page of a household: each carries its story, and a page
/// stays far below 60 KB.
const PAGE: u64 = 10;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/households/{id}").route(web::get().to(show)));
}

#[derive(Deserialize)]
struct Params {
    /// The last need of the previous page: older ones follow.
    before: Option<String>,
    /// A name or phone to find a standing helper by.
    helper_q: Option<String>,
}

#[tracing::instrument(skip_all)]
async fn show(site: Site, path: web::Path<String>, q: web::Query<Params>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let id = site.path_id(&path)?;
    // A cursor that is not an id (edited by hand) starts from the newest.
    let before = q.before.as_deref().and_then(|c| Uuid::parse_str(c).ok());
    render(
        &site,
        me,
        id,
        before,
        q.helper_q.as_deref(),
        Errors::none(),
        StatusCode::OK,
    )
    .await
}

/// The household's page; also after a refused form of its standing-help
/// part, with the form's errors there.
pub async fn render(
    site: &Site,
    me: &Caller,
    id: Uuid,
    before: Option<Uuid>,
    helper_query: Option<&str>,
    errors: Errors,
    status: StatusCode,
) -> PageResult {
    let page = need_stories::of_household(site, me, id, before, PAGE)
        .await
        .map_err(|e| site.fail(e))?;
    let needs: Vec<Value> = page
        .needs
        .iter()
        .map(|s| story::view(site, me, s))
        .collect();
    let standing =
        crate::web::pairings::household_part(site, me, &page.household, helper_query, &errors)
            .await
            .map_err(|e| site.fail(e))?;
    Ok(site.render(
        status,
        "cadre/household.html",
        json!({
            "household": facts(&page.household, &page.village),
            "needs": needs,
            "standing": standing,
            "next_url": page.older_than.map(|n| format!("/households/{id}?before={n}")),
            "first_url": before.map(|_| format!("/households/{id}")),
        }),
    ))
}

/// The household's facts in words. The ID number is masked: the page is
/// read on phones in the village, and the edit form has it whole.
fn facts(h: &household::Model, village: &str) -> Value {
    let locale = i18n::current();
    let tags: Vec<String> = parse_tags(&h.tags)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t.label().get(locale).to_owned())
        .collect();
    let id_number = h
        .id_number
        .as_deref()
        .map(|n| IdNumber::parse(n).map_or_else(|_| n.to_owned(), |n| n.masked()));
    json!({
        "id": h.id, "head_name": h.head_name, "village": village,
        "erased": h.erased_at.is_some(),
        "members": h.members, "phone": h.phone,
        "tel": h.phone.as_ref().map(|p| p.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect::<String>()),
        "id_number": id_number, "tags": tags,
        "has_point": h.lat.is_some() && h.lon.is_some(),
        "edit_url": format!("/households/{}/edit", h.id),
        "new_need_url": format!("/households/{}/needs/new", h.id),
    })
}
