//! Courtyard meetings (院落会) in pages: a cadre records a meeting in a
//! village and the needs raised there, in one form, and each meeting's page
//! follows those needs to their end ("点对点解决问题" as a figure).

use actix_web::http::StatusCode;
use actix_web::web;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Site;
use super::flash::Flash;
use super::form::{Errors, Form};
use super::need_labels::category_name;
use super::page::PageResult;
use super::places::{my_townships, village_groups};
use crate::domain::need::NeedFields;
use crate::domain::pairing::{MeetingFields, MeetingHead, name_by_row, raised_of};
use crate::domain::period::local_date;
use crate::domain::{Caller, Category, FieldError, NeedStatus, Reach, Role};
use crate::i18n::Text;
use crate::services::ServiceError;
use crate::services::visits::{self, FollowUp, NewMeeting};
use crate::store::entity::{household, need};
use crate::store::{self, now_ms};

/// How many need rows the meeting form offers.
const ROWS: usize = 5;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/meetings").route(web::get().to(list)))
        .service(
            web::resource("/meetings/new")
                .route(web::get().to(new_form))
                .route(web::post().to(create)),
        )
        .service(web::resource("/meetings/{id}").route(web::get().to(show)));
}

fn follow_value(f: &FollowUp) -> Value {
    json!({
        "posted": f.posted, "matched": f.matched, "fulfilled": f.fulfilled,
        "open": f.open, "cancelled": f.cancelled,
        "rate": (f.posted > 0).then(|| format!("{:.0}%", f.fulfilled as f64 * 100.0 / f.posted as f64)),
    })
}

async fn list(site: Site) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let rows = visits::meetings(&site, me, None)
        .await
        .map_err(|e| site.fail(e))?;
    let names = store::regions::names(&site.db, rows.iter().map(|(m, _)| m.region.clone()))
        .await
        .map_err(|e| site.fail(e.into()))?;
    let tz = site.settings.timezone;
    let items: Vec<Value> = rows
        .iter()
        .map(|(m, f)| {
            json!({
                "url": format!("/meetings/{}", m.id),
                "place": names.get(&m.region).cloned().unwrap_or_else(|| m.region.clone()),
                "on": local_date(m.held_on, tz).to_string(), "attendance": m.attendance,
                "follow": follow_value(f),
            })
        })
        .collect();
    Ok(site.render(
        StatusCode::OK,
        "pairings/meetings.html",
        json!({"items": items}),
    ))
}

async fn show(site: Site, path: web::Path<String>) -> PageResult {
    let me = site.signed_in()?;
    let id = site.path_id(&path)?;
    let (m, f) = visits::meeting(&site, me, id)
        .await
        .map_err(|e| site.fail(e))?;
    let ids = visits::meeting_needs(&site.db, id)
        .await
        .map_err(|e| site.fail(e))?;
    let needs = need::Entity::find()
        .filter(need::Column::Id.is_in(ids))
        .order_by_asc(need::Column::PostedAt)
        .all(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))?;
    let heads = heads_of(&site, needs.iter().map(|n| n.household_id).collect()).await?;
    let place = store::regions::find(&site.db, &m.region)
        .await
        .map_err(|e| site.fail(e.into()))?
        .map_or_else(|| m.region.clone(), |r| r.name);
    let items: Vec<Value> = needs
        .iter()
        .map(|n| {
            let status = match n.status {
                NeedStatus::Open => Text::fixed("等待帮扶", "Waiting"),
                NeedStatus::Matched => Text::fixed("帮扶进行中", "Help under way"),
                NeedStatus::Fulfilled => Text::fixed("已完成", "Fulfilled"),
                NeedStatus::Cancelled => Text::fixed("已取消", "Cancelled"),
            };
            json!({
                "url": format!("/needs/{}", n.id), "title": n.title,
                "category": category_name(n.category),
                "household": heads.get(&n.household_id).cloned().unwrap_or_default(),
                "status": status.get(crate::i18n::current()), "done": n.status == NeedStatus::Fulfilled,
            })
        })
        .collect();
    Ok(site.render(
        StatusCode::OK,
        "pairings/meeting.html",
        json!({
            "meeting": {"place": place, "on": local_date(m.held_on, site.settings.timezone).to_string(),
                        "attendance": m.attendance, "notes": m.notes},
            "follow": follow_value(&f), "items": items,
        }),
    ))
}

async fn heads_of(
    site: &Site,
    ids: Vec<Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, actix_web::Error> {
    let rows: Vec<(Uuid, String)> = household::Entity::find()
        .select_only()
        .column(household::Column::Id)
        .column(household::Column::HeadName)
        .filter(household::Column::Id.is_in(ids))
        .into_tuple()
        .all(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))?;
    Ok(rows.into_iter().collect())
}

/// What the meeting form posts; its needs as parallel lists, a row without
/// a household or a title being no need.
#[derive(Deserialize, Default, Debug)]
#[serde(default)]
struct MeetingForm {
    csrf_token: String,
    region: String,
    held_on: String,
    attendance: String,
    notes: String,
    need_household: Vec<String>,
    need_category: Vec<String>,
    need_title: Vec<String>,
    need_urgency: Vec<String>,
}

impl MeetingForm {
    fn row(&self, i: usize) -> [String; 4] {
        let at = |list: &[String]| list.get(i).cloned().unwrap_or_default();
        [
            at(&self.need_household),
            at(&self.need_category),
            at(&self.need_title),
            at(&self.need_urgency),
        ]
    }
}

/// The households the cadre may raise needs for, by village, head's name.
async fn households(site: &Site, me: &Caller) -> Result<Vec<household::Model>, actix_web::Error> {
    // An erased household can get no need: it is no meeting's choice.
    let mut q = household::Entity::find().filter(household::Column::ErasedAt.is_null());
    if let Reach::Within(prefix) = me.reach() {
        let (low, high) = prefix.code_range();
        q = q
            .filter(household::Column::Region.gte(low))
            .filter(household::Column::Region.lt(high));
    }
    q.order_by_asc(household::Column::Region)
        .order_by_asc(household::Column::HeadName)
        .limit(3000)
        .all(&site.db)
        .await
        .map_err(|e| site.fail(e.into()))
}

async fn form_page(
    site: &Site,
    me: &Caller,
    form: &MeetingForm,
    errors: &Errors,
    status: StatusCode,
) -> PageResult {
    let townships = my_townships(site, me).await?;
    let homes = households(site, me).await?;
    let names = store::regions::names(&site.db, homes.iter().map(|h| h.region.clone()))
        .await
        .map_err(|e| site.fail(e.into()))?;
    let rows: Vec<Value> = (0..ROWS)
        .map(|i| {
            let [h, category, title, urgency] = form.row(i);
            let households: Vec<Value> = homes
                .iter()
                .map(|x| {
                    let village = names.get(&x.region).cloned().unwrap_or_default();
                    json!({"value": x.id, "label": format!("{}（{village}）", crate::domain::household::shown_name(&x.head_name, crate::i18n::current())), "selected": x.id.to_string() == h})
                })
                .collect();
            let categories: Vec<Value> = Category::ALL
                .iter()
                .map(|c| json!({"value": c.code(), "label": category_name(*c), "selected": c.code() == category}))
                .collect();
            json!({"index": i, "households": households, "categories": categories, "title": title,
                   "urgency": if urgency.is_empty() { "1".to_owned() } else { urgency }})
        })
        .collect();
    Ok(site.render(
        status,
        "pairings/meeting_form.html",
        json!({
            "villages": village_groups(&townships, &form.region),
            "values": {"held_on": form.held_on, "attendance": form.attendance, "notes": form.notes},
            "rows": rows, "errors": errors.messages(),
        }),
    ))
}

async fn new_form(site: Site) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let form = MeetingForm {
        held_on: local_date(now_ms(), site.settings.timezone).to_string(),
        ..MeetingForm::default()
    };
    form_page(&site, me, &form, &Errors::none(), StatusCode::OK).await
}

/// The form as the API's meeting; each error named as the form names it.
fn parse(site: &Site, form: &MeetingForm) -> Result<NewMeeting, Vec<FieldError>> {
    let mut errors = Vec::new();
    let fields = MeetingFields {
        region: &form.region,
        held_on: &form.held_on,
        // Not a number is out of range, with the same message.
        attendance: Some(form.attendance.trim().parse().unwrap_or(0)),
        notes: &form.notes,
    };
    let head = MeetingHead::parse(fields, site.settings.timezone, now_ms(), &mut errors);
    let rows: Vec<(usize, [String; 4])> = (0..ROWS)
        .map(|i| (i, form.row(i)))
        .filter(|(_, r)| !r[0].trim().is_empty() || !r[2].trim().is_empty())
        .collect();
    let mut households = Vec::with_capacity(rows.len());
    for (i, r) in &rows {
        match Uuid::parse_str(r[0].trim()) {
            Ok(h) => households.push(Some(h)),
            Err(_) => {
                errors.push(FieldError::new(
                    format!("needs[{i}].household_id"),
                    Text::fixed("请选择哪一户", "Choose the household"),
                ));
                households.push(None);
            }
        }
    }
    let fields = rows.iter().zip(&households).map(|((_, r), h)| {
        (
            *h,
            NeedFields {
                category: Some(&r[1]),
                title: Some(&r[2]),
                description: Some(""),
                urgency: Some(r[3].trim().parse().unwrap_or(0)),
            },
        )
    });
    let filled: Vec<usize> = rows.iter().map(|(i, _)| *i).collect();
    let needs = raised_of("needs", fields)
        .map_err(|es| {
            // The household's own error is named above, by the page's row.
            errors.extend(
                es.into_iter()
                    .filter(|e| !e.field.ends_with("household_id"))
                    .map(|e| name_by_row("needs", e, &filled)),
            );
        })
        .unwrap_or_default();
    match head {
        Some(head) if errors.is_empty() => Ok(NewMeeting::of(head, needs)),
        _ => Err(errors),
    }
}

#[tracing::instrument(skip_all)]
async fn create(site: Site, Form(form): Form<MeetingForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    if !site.form_ok(&form.csrf_token) {
        return form_page(
            &site,
            me,
            &form,
            &Errors::form(site.expired_form()),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let new = match parse(&site, &form) {
        Ok(new) => new,
        Err(e) => {
            return form_page(
                &site,
                me,
                &form,
                &Errors::from(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    match visits::hold(&site, me, new).await {
        Ok((m, _)) => Ok(site.done(&format!("/meetings/{}", m.id), Flash::MeetingRecorded)),
        Err(ServiceError::Invalid(e)) => {
            form_page(
                &site,
                me,
                &form,
                &Errors::from(e),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ServiceError::Conflict(why) | ServiceError::Duplicate { why, .. }) => {
            form_page(&site, me, &form, &Errors::form(why), StatusCode::CONFLICT).await
        }
        Err(e) => Err(site.fail(e)),
    }
}
