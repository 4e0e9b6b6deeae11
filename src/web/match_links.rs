//! The accept and decline links of proposal emails. Following a link shows a
//! page with one button and changes nothing (mail scanners follow links);
//! pressing the button posts back and answers the proposal. The token is
//! single use and dies with the proposal; it is spent only by an answer that
//! commits.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::Site;
use super::form::Form;
use super::page::t;
use crate::domain::match_status::Transition;
use crate::services::transitions::{self, Actor};
use crate::services::{ServiceError, tokens};
use crate::store::{self, now_ms};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/m/{token}/{action}")
            .route(web::get().to(show))
            .route(web::post().to(answer)),
    );
}

fn transition_of(action: &str) -> Option<Transition> {
    match action {
        "accept" => Some(Transition::Accept),
        "decline" => Some(Transition::Decline),
        _ => None,
    }
}

fn dead_link(ctx: &Site) -> HttpResponse {
    ctx.message(
        StatusCode::NOT_FOUND,
        t("链接已失效", "This link no longer works"),
        t(
            "链接已使用、已过期，或提议已被处理。",
            "The link was used, has expired, or the proposal was already answered.",
        ),
        home(),
    )
}

async fn show(ctx: Site, path: web::Path<(String, String)>) -> HttpResponse {
    let (token, action) = path.into_inner();
    let Some(transition) = transition_of(&action) else {
        return dead_link(&ctx);
    };
    let found = store::matches::token_match(&ctx.db, &tokens::token_hash(&token), now_ms()).await;
    let Ok(Some(match_id)) = found else {
        return dead_link(&ctx);
    };
    let title = match store::matches::find(&ctx.db, match_id).await {
        Ok(Some(m)) => store::needs::find(&ctx.db, m.need_id)
            .await
            .ok()
            .flatten()
            .map(|n| n.title)
            .unwrap_or_default(),
        _ => return dead_link(&ctx),
    };
    let (heading, explanation, button) = match transition {
        Transition::Accept => (
            t("接受帮扶提议", "Accept this proposal"),
            format!(
                "{}{}",
                t(
                    "接受后，您和帮扶干部会收到彼此的联系方式：",
                    "If you accept, you and the village cadre receive each other's contact: "
                ),
                title
            ),
            t("确认接受", "Accept"),
        ),
        _ => (
            t("婉拒帮扶提议", "Decline this proposal"),
            format!(
                "{}{}",
                t(
                    "婉拒后，这项需求会再提议给其他爱心人士：",
                    "If you decline, the need is proposed to someone else: "
                ),
                title
            ),
            t("确认婉拒", "Decline"),
        ),
    };
    ctx.render(
        StatusCode::OK,
        "confirm.html",
        json!({"heading": heading, "explanation": explanation, "button": button, "action": format!("/m/{token}/{action}"),
               "ask_password": false, "token": "", "error": null}),
    )
}

#[derive(Deserialize)]
struct ConfirmForm {
    csrf_token: String,
}

async fn answer(
    ctx: Site,
    path: web::Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> HttpResponse {
    let (token, action) = path.into_inner();
    let Some(transition) = transition_of(&action) else {
        return dead_link(&ctx);
    };
    if !ctx.form_ok(&form.csrf_token) {
        return ctx.message(
            StatusCode::FORBIDDEN,
            t("页面已过期", "The page expired"),
            t(
                "请重新打开邮件中的链接。",
                "Open the link in the email again.",
            ),
            home(),
        );
    }
    let hash = tokens::token_hash(&token);
    let match_id = match store::matches::token_match(&ctx.db, &hash, now_ms()).await {
        Ok(Some(id)) => id,
        _ => return dead_link(&ctx),
    };
    // The answer spends the token itself, in the transaction that moves the
    // match: if that fails, the link still works.
    let actor = Actor::Link { token_hash: &hash };
    match transitions::apply(&ctx, actor, match_id, transition, None).await {
        Ok(_) if transition == Transition::Accept => ctx.message(
            StatusCode::OK,
            t("感谢您的爱心！", "Thank you!"),
            t(
                "您已接受提议，帮扶干部会与您联系，邮件中有对方的联系方式。",
                "You accepted. The village cadre will contact you; their details are in your email.",
            ),
            (&format!("/matches/{match_id}"), t("查看这次帮扶", "See this match")),
        ),
        Ok(_) => ctx.message(
            StatusCode::OK,
            t("已婉拒", "Declined"),
            t("感谢您的答复。", "Thank you for answering."),
            home(),
        ),
        Err(ServiceError::Conflict(_)) => dead_link(&ctx),
        Err(e) => {
            tracing::error!(error = %e, "answering a proposal failed");
            ctx.message(
                StatusCode::INTERNAL_SERVER_ERROR,
                t("出错了", "Error"),
                t("请稍后再试。", "Please try later."),
                home(),
            )
        }
    }
}

/// Where the link pages send people next: the home page.
fn home() -> (&'static str, String) {
    ("/", t("返回首页", "Home"))
}
