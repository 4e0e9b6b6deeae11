//! Admission: huzhu serves at most `HUZHU_MAX_IN_FLIGHT` requests at once.
//! A request beyond them waits up to `HUZHU_QUEUE_WAIT_MS` for a place, in
//! arrival order, and is then answered 503 with `Retry-After` instead of
//! joining a queue without bound: under more load than it can serve, huzhu
//! keeps serving what it admitted at its usual speed and tells the rest to
//! come back. Health, readiness, metrics and the embedded assets skip the
//! line, so that a probe still gets its answer at once.

use std::sync::Arc;
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use tokio::sync::Semaphore;

use crate::context::AppContext;
use crate::error::ApiError;
use crate::settings::OverloadSettings;
use crate::store::Outage;

/// The places of one running application.
pub struct Admission {
    places: Arc<Semaphore>,
    wait: Duration,
}

impl Admission {
    pub fn new(settings: &OverloadSettings) -> Self {
        Self {
            places: Arc::new(Semaphore::new(settings.max_in_flight)),
            wait: settings.queue_wait,
        }
    }
}

/// Paths served without a place: cheap, and needed most when busy.
fn skips_the_line(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/assets/")
}

/// The middleware: takes a place for the request's whole handling.
pub async fn admit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let admission = req.app_data::<web::Data<Admission>>().cloned();
    let (Some(admission), false) = (admission, skips_the_line(req.path())) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let metrics = req.app_data::<web::Data<AppContext>>().cloned();
    let place = match admission.places.clone().try_acquire_owned() {
        Ok(place) => Some(place),
        Err(_) => tokio::time::timeout(admission.wait, admission.places.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok),
    };
    let Some(_place) = place else {
        if let Some(ctx) = &metrics {
            ctx.metrics.http_shed.inc();
        }
        let response = ApiError::Outage(Outage::Busy).error_response();
        return Ok(req.into_response(response));
    };
    let _counted = metrics.as_ref().map(|ctx| InFlight::enter(ctx));
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

/// Counts a request in the in-flight gauge while it lives.
struct InFlight<'a>(&'a prometheus::IntGauge);

impl<'a> InFlight<'a> {
    fn enter(ctx: &'a AppContext) -> Self {
        ctx.metrics.http_in_flight.inc();
        Self(&ctx.metrics.http_in_flight)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.dec();
    }
}
