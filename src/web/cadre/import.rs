//! The village spreadsheet: the upload form; the check of a file — the
//! importer's dry run, showing what it would create or every bad row by its
//! row number, its column as the file heads it, the cell and what is wrong;
//! the import of the checked file, kept server-side under a token until the
//! cadre confirms (`household_import::pending`); and the template workbook.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, guard, web};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Role;
use crate::i18n::{self, Locale, Text};
use crate::routes::files::{FileFormat, attachment};
use crate::routes::imports::{IMPORT_LIMIT, is_multipart, read_upload};
use crate::services::ServiceError;
use crate::services::household_import::parse::{MAX_ERRORS, RowError, template_columns};
use crate::services::household_import::{self, ImportError, ImportSummary, pending, template};
use crate::web::Site;
use crate::web::flash::Notice;
use crate::web::form::Form;
use crate::web::page::PageResult;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/households/import")
            .route(web::get().to(page))
            // A file to check comes as a multipart form; the confirmation
            // of a checked one as a plain form with its token.
            .route(
                web::post()
                    .guard(guard::fn_guard(|ctx| is_multipart(ctx.head())))
                    .to(check),
            )
            .route(web::post().to(confirm)),
    )
    .service(web::resource("/households/template.xlsx").route(web::get().to(download_template)));
}

/// What the page shows besides the explanation and the upload form.
#[derive(Default)]
struct State {
    /// A refusal of the upload as a whole, beside the file field.
    error: Option<Text>,
    file_name: String,
    /// The rows to fix, from a check.
    problems: Vec<RowError>,
    /// A clean check: what the import creates, and the kept file's token.
    ready: Option<(ImportSummary, String)>,
}

/// The import page in `state`.
fn render(site: &Site, status: StatusCode, state: State) -> PageResult {
    let locale = i18n::current();
    let columns: Vec<Value> = template_columns()
        .into_iter()
        .map(|(en, zh, required)| json!({"zh": zh, "en": en, "required": required}))
        .collect();
    let (file_errors, cells): (Vec<&RowError>, Vec<&RowError>) =
        state.problems.iter().partition(|p| p.field == "file");
    let rows: BTreeSet<u64> = cells.iter().map(|p| p.row).collect();
    let ready = state.ready.map(|(summary, token)| {
        json!({
            "households": summary.created_households,
            "needs": summary.created_needs,
            "token": token,
        })
    });
    Ok(site.render(
        status,
        "cadre/import.html",
        json!({
            "columns": columns,
            "limit_mb": IMPORT_LIMIT >> 20,
            "errors": state.error.map(|e| json!({"file": e.get(locale)})).unwrap_or(json!({})),
            "file_name": state.file_name,
            "file_errors": file_errors.iter().map(|p| p.message.get(locale)).collect::<Vec<_>>(),
            "problems": cells.iter().map(|p| problem(p, locale)).collect::<Vec<_>>(),
            "problem_rows": rows.len(),
            "capped": state.problems.len() >= MAX_ERRORS,
            "ready": ready,
        }),
    ))
}

/// A bad cell as the table shows it.
fn problem(p: &RowError, locale: Locale) -> Value {
    json!({
        "row": p.row,
        // A column the file lacks has no header of its own: its name.
        "column": p.header.as_deref().unwrap_or(&p.field),
        "value": p.value,
        "message": p.message.get(locale),
    })
}

async fn page(site: Site) -> PageResult {
    site.only(Role::Cadre)?;
    render(&site, StatusCode::OK, State::default())
}

/// Checks an uploaded file: a dry run of the import. A clean file is kept
/// for the confirmation; a file with faults is listed row by row.
#[tracing::instrument(skip_all)]
async fn check(site: Site, req: HttpRequest, payload: web::Payload) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let refused = |status, error: Text| {
        let state = State {
            error: Some(error),
            ..State::default()
        };
        render(&site, status, state)
    };
    let upload = match read_upload(&req, payload).await {
        Ok(upload) => upload,
        Err(e) => return refused(e.page_status(), e.message()),
    };
    if !site.form_ok(upload.field("csrf_token").unwrap_or_default()) {
        return refused(StatusCode::FORBIDDEN, site.expired_form());
    }
    if upload.bytes.is_empty() && upload.file_name.is_empty() {
        let choose = Text::fixed(
            "请先选择要上传的表格文件",
            "Choose the spreadsheet to upload first",
        );
        return refused(StatusCode::UNPROCESSABLE_ENTITY, choose);
    }
    let file_name = upload.file_name.clone();
    match household_import::check(&site.db, me, &upload.bytes).await {
        Ok(summary) => {
            let token = pending::keep(&site.db, me, &upload.bytes)
                .await
                .map_err(|e| site.fail(e))?;
            let state = State {
                file_name,
                ready: Some((summary, token)),
                ..State::default()
            };
            render(&site, StatusCode::OK, state)
        }
        Err(ImportError::Rows(problems)) => {
            let state = State {
                file_name,
                problems,
                ..State::default()
            };
            render(&site, StatusCode::UNPROCESSABLE_ENTITY, state)
        }
        Err(ImportError::Service(e)) => Err(site.fail(e)),
    }
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    token: String,
}

/// Imports the checked file, all or nothing, and goes to the households.
#[tracing::instrument(skip_all)]
async fn confirm(site: Site, Form(form): Form<ConfirmForm>) -> PageResult {
    let me = site.only(Role::Cadre)?;
    if !site.form_ok(&form.csrf_token) {
        let state = State {
            error: Some(site.expired_form()),
            ..State::default()
        };
        return render(&site, StatusCode::FORBIDDEN, state);
    }
    match pending::import_kept(&site.db, me, &form.token).await {
        Ok(s) => {
            // Key households' new needs go to their helpers first; should
            // this fail, the service's tick does it.
            if let Err(e) = crate::services::pairings::catch_up(&site).await {
                tracing::warn!(error = %e, "pairing first after an import");
            }
            Ok(site.done(
                "/households",
                Notice::imported(s.created_households, s.created_needs),
            ))
        }
        // The data changed since the check (a need posted meanwhile).
        Err(ImportError::Rows(problems)) => {
            let state = State {
                problems,
                ..State::default()
            };
            render(&site, StatusCode::UNPROCESSABLE_ENTITY, state)
        }
        Err(ImportError::Service(ServiceError::Conflict(why))) => {
            let state = State {
                error: Some(why),
                ..State::default()
            };
            render(&site, StatusCode::CONFLICT, state)
        }
        Err(ImportError::Service(e)) => Err(site.fail(e)),
    }
}

/// The template workbook, with the cadre's villages and townships.
#[tracing::instrument(skip_all)]
async fn download_template(site: Site) -> PageResult {
    let me = site.only(Role::Cadre)?;
    let bytes = template::for_caller(&site.db, me)
        .await
        .map_err(|e| site.fail(e))?;
    Ok(attachment(
        FileFormat::Xlsx,
        "huzhu-households-template",
        bytes,
    ))
}
