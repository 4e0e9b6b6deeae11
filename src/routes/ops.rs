//! Operations endpoints at the root: liveness, readiness, metrics.

use actix_web::{HttpResponse, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::i18n::Text;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(web::resource("/metrics").route(web::get().to(metrics)));
}

/// The process is up and serving.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "up")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// The database answers and every migration this binary knows is applied.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready"), (status = 503, description = "not ready")))]
pub async fn readyz(ctx: web::Data<AppContext>) -> Result<HttpResponse, ApiError> {
    let unavailable =
        |zh: &'static str, en: &'static str| ApiError::Unavailable(Text::fixed(zh, en));
    // A probe wants an answer in time, not after the pool's acquire timeout.
    let ping = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        ctx.db.execute_unprepared("SELECT 1"),
    )
    .await;
    if !matches!(ping, Ok(Ok(_))) {
        return Err(unavailable("数据库无法连接", "The database is unreachable"));
    }
    match Migrator::get_pending_migrations(&ctx.db).await {
        Ok(pending) if pending.is_empty() => {
            Ok(HttpResponse::Ok().json(serde_json::json!({ "status": "ready" })))
        }
        Ok(_) => Err(unavailable(
            "数据库迁移尚未完成",
            "Database migrations are pending",
        )),
        Err(_) => Err(unavailable(
            "无法读取迁移状态",
            "The migration state cannot be read",
        )),
    }
}

/// Prometheus text exposition.
#[utoipa::path(get, path = "/metrics", tag = "operations", responses((status = 200, description = "Prometheus text")))]
pub async fn metrics(ctx: web::Data<AppContext>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(ctx.metrics.render())
}
