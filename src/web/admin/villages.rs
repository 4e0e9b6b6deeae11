//! `/villages`: the admin uploads the county's village list (the CSV of
//! `huzhu regions load`), sees a preview — what is added, what changes, how
//! many stay, or every bad line beside the upload — and applies it; the
//! file waits server-side under a token meanwhile (`pending`), so nothing
//! is uploaded twice. Below, the tree of counts: townships and villages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, guard, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::{RegionLevel, Role};
use crate::i18n::{self, Text};
use crate::routes::imports::{is_multipart, read_upload};
use crate::services::household_import::pending;
use crate::services::regions::LineError;
use crate::services::village_list::{self, Difference, Preview};
use crate::web::Site;
use crate::web::flash::Flash;
use crate::web::form::Form;
use crate::web::page::{PageResult, t};

/// Changes listed on the preview, each kind; the counts say the rest.
const SHOWN: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/villages").route(web::get().to(page)).route(
            web::post()
                .guard(guard::fn_guard(|ctx| is_multipart(ctx.head())))
                .to(check),
        ),
    )
    .service(web::resource("/villages/apply").route(web::post().to(apply)));
}

#[derive(Default)]
struct State {
    error: Option<Text>,
    file_name: String,
    lines: Vec<LineError>,
    preview: Option<(Preview, String)>,
}

fn level_label(level: RegionLevel) -> String {
    match level {
        RegionLevel::County => t("县", "county"),
        RegionLevel::Township => t("乡镇", "township"),
        RegionLevel::Village => t("村", "village"),
    }
}

/// A region file's column as the reader calls it (the parser names them
/// as the file's header does).
fn column_label(field: &str) -> String {
    match field {
        "code" => t("编码 code", "code"),
        "name" => t("名称 name", "name"),
        "level" => t("层级 level", "level"),
        "parent_code" => t("上级编码 parent_code", "parent_code"),
        "lat" | "lon" | "point" => t("位置 lat/lon", "lat/lon"),
        "header" => t("表头", "header"),
        "file" => t("文件", "file"),
        _ => t("整行", "row"),
    }
}

fn differences(list: &[Difference]) -> Vec<Value> {
    list.iter()
        .take(SHOWN)
        .map(|d| json!({"code": d.code, "name": d.name, "level": level_label(d.level), "was": d.was}))
        .collect()
}

async fn render(site: &Site, status: StatusCode, state: State) -> PageResult {
    let tree = village_list::tree(&site.db)
        .await
        .map_err(|e| site.fail(e))?;
    let tree: Vec<Value> = tree
        .iter()
        .map(|c| {
            let townships: Vec<Value> = c
                .townships
                .iter()
                .map(|(code, name, n)| json!({"code": code, "name": name, "villages": n}))
                .collect();
            json!({"name": c.name, "code": c.code, "townships": townships, "villages": c.villages})
        })
        .collect();
    let preview = state.preview.map(|(p, token)| {
        json!({
            "added": p.added.len(), "changed": p.changed.len(), "unchanged": p.unchanged,
            "added_list": differences(&p.added), "changed_list": differences(&p.changed),
            "token": token, "shown": SHOWN,
        })
    });
    let lines: Vec<Value> = state
        .lines
        .iter()
        .map(|l| json!({"line": l.line, "field": column_label(&l.field), "message": l.message}))
        .collect();
    Ok(site.render(
        status,
        "admin/villages.html",
        json!({
            "tree": tree,
            "errors": state.error.map(|e| json!({"file": e.get(i18n::current())})).unwrap_or(json!({})),
            "file_name": state.file_name,
            "lines": lines,
            "preview": preview,
        }),
    ))
}

async fn page(site: Site) -> PageResult {
    site.only(Role::Admin)?;
    render(&site, StatusCode::OK, State::default()).await
}

/// Previews an uploaded list; a clean one is kept for "apply".
#[tracing::instrument(skip_all)]
async fn check(site: Site, req: HttpRequest, payload: web::Payload) -> PageResult {
    let me = site.only(Role::Admin)?;
    let refused = |status, error: Text| {
        let state = State {
            error: Some(error),
            ..State::default()
        };
        render(&site, status, state)
    };
    let upload = match read_upload(&req, payload).await {
        Ok(upload) => upload,
        Err(e) => return refused(e.page_status(), e.message()).await,
    };
    if !site.form_ok(upload.field("csrf_token").unwrap_or_default()) {
        return refused(StatusCode::FORBIDDEN, site.expired_form()).await;
    }
    if upload.bytes.is_empty() {
        let choose = Text::fixed(
            "请先选择要上传的 CSV 文件",
            "Choose the CSV file to upload first",
        );
        return refused(StatusCode::UNPROCESSABLE_ENTITY, choose).await;
    }
    let file_name = upload.file_name.clone();
    match village_list::preview(&site.db, &upload.bytes)
        .await
        .map_err(|e| site.fail(e))?
    {
        Ok(preview) => {
            let token = pending::keep(&site.db, me, &upload.bytes)
                .await
                .map_err(|e| site.fail(e))?;
            let state = State {
                file_name,
                preview: Some((preview, token)),
                ..State::default()
            };
            render(&site, StatusCode::OK, state).await
        }
        Err(lines) => {
            let state = State {
                file_name,
                lines,
                ..State::default()
            };
            render(&site, StatusCode::UNPROCESSABLE_ENTITY, state).await
        }
    }
}

#[derive(Deserialize)]
struct ApplyForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    token: String,
}

#[tracing::instrument(skip_all)]
async fn apply(site: Site, Form(form): Form<ApplyForm>) -> PageResult {
    let me = site.only(Role::Admin)?;
    if !site.form_ok(&form.csrf_token) {
        let state = State {
            error: Some(site.expired_form()),
            ..State::default()
        };
        return render(&site, StatusCode::FORBIDDEN, state).await;
    }
    match village_list::apply(&site.db, me, &form.token).await {
        Ok(Ok(_)) => Ok(site.done("/villages", Flash::VillagesLoaded)),
        Ok(Err(lines)) => {
            let state = State {
                lines,
                ..State::default()
            };
            render(&site, StatusCode::UNPROCESSABLE_ENTITY, state).await
        }
        Err(crate::services::ServiceError::Conflict(why)) => {
            let state = State {
                error: Some(why),
                ..State::default()
            };
            render(&site, StatusCode::CONFLICT, state).await
        }
        Err(e) => Err(site.fail(e)),
    }
}
