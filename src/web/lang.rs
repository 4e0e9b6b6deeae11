//! The 中文 / English switch on every page: a link, so that it works with
//! no script and no form. It remembers the choice in a cookie and, for a
//! logged-in person, in their account, whose emails follow it too. A forged
//! link can do no more than change the language someone reads in.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::Site;
use super::page::{PageResult, cookie, local_path, secure, see_other};
use crate::i18n::{LOCALE_COOKIE, Locale};
use crate::services::sessions;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/lang/{locale}").route(web::get().to(switch)));
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
}

const A_YEAR_SECS: i64 = 365 * 24 * 3600;

async fn switch(site: Site, locale: web::Path<String>, q: web::Query<Next>) -> PageResult {
    let Some(locale) = Locale::parse(&locale) else {
        return Err(site.fail(crate::services::ServiceError::NotFound));
    };
    if let Some(caller) = &site.caller {
        sessions::set_locale(&site.db, caller.user_id, locale)
            .await
            .map_err(|e| site.fail(e))?;
    }
    let mut response: HttpResponse = see_other(local_path(q.next.as_deref()).unwrap_or("/"));
    let _ = response.add_cookie(&cookie(
        LOCALE_COOKIE,
        locale.as_str().to_owned(),
        secure(&site),
        A_YEAR_SECS,
    ));
    Ok(response)
}
