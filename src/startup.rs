//! Building and running the application: database ready, port bound, server
//! and background workers started.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::sync::{Notify, watch};

use crate::context::AppContext;
use crate::mail::Templates;
use crate::mail::transport::Transport;
use crate::mail::worker::{Delivery, MailWorker};
use crate::metrics::Metrics;
use crate::settings::Settings;
use crate::{error, routes, services, store, telemetry};

/// Why the application could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database ({url}): {source}")]
    Database { url: String, source: sea_orm::DbErr },
    #[error("cannot apply migrations: {0}")]
    Migrate(sea_orm::DbErr),
    #[error("cannot load the built-in regions: {0}")]
    Regions(#[from] services::regions::LoadError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

/// Connects, applies every pending migration and adds the built-in regions.
pub async fn prepare_database(settings: &Settings) -> Result<DatabaseConnection, StartupError> {
    let db = store::connect(&settings.database_url, settings.overload.db_wait)
        .await
        .map_err(|source| StartupError::Database {
            url: crate::settings::redact_url(&settings.database_url),
            source,
        })?;
    Migrator::up(&db, None)
        .await
        .map_err(StartupError::Migrate)?;
    services::regions::ensure_builtin(&db).await?;
    Ok(db)
}

/// A bound, ready-to-run huzhu.
pub struct Application {
    port: u16,
    server: Server,
    context: web::Data<AppContext>,
    mail_worker: MailWorker,
}

impl Application {
    /// Prepares the database and binds `settings.bind` (port 0 picks a free
    /// port; the log says which).
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let db = prepare_database(&settings).await?;
        let listener = TcpListener::bind(settings.bind).map_err(|source| StartupError::Bind {
            addr: settings.bind.to_string(),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.bind.to_string(),
            source,
        })?;
        let public_url = match &settings.public_url {
            Some(url) => url.clone(),
            None => {
                // Listening on every interface says nothing of the name people
                // reach us by; localhost at least works on this machine.
                let host = if addr.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    addr.ip().to_string()
                };
                url::Url::parse(&format!("http://{host}:{}", addr.port()))
                    .map_err(|e| StartupError::Other(format!("public URL: {e}")))?
            }
        };
        let metrics = Metrics::new().map_err(|e| StartupError::Other(format!("metrics: {e}")))?;
        let templates = Arc::new(
            Templates::load().map_err(|e| StartupError::Other(format!("email templates: {e}")))?,
        );
        let transport = Transport::new(settings.smtp_url.as_deref(), &settings.mail_dir)
            .map_err(StartupError::Other)?;
        let mail_wake = Arc::new(Notify::new());
        let delivery = Delivery {
            db: db.clone(),
            templates: templates.clone(),
            public_url: public_url.clone(),
            mail_from: settings.mail_from.clone(),
            settings: settings.mail,
            metrics: metrics.mail.clone(),
        };
        let context = web::Data::new(AppContext {
            db,
            settings,
            metrics,
            public_url,
            templates,
            mail_wake: mail_wake.clone(),
        });
        let mail_worker =
            MailWorker::new(delivery, transport, mail_wake).map_err(StartupError::Other)?;
        let pages = web::Data::new(
            crate::web::Pages::load()
                .map_err(|e| StartupError::Other(format!("page templates: {e}")))?,
        );
        let server = run(listener, context.clone(), pages)?;
        tracing::info!(%addr, "huzhu listening on http://{addr}");
        Ok(Self {
            port: addr.port(),
            server,
            context,
            mail_worker,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared context (database, settings), for tests and commands.
    pub fn context(&self) -> web::Data<AppContext> {
        self.context.clone()
    }

    /// Serves until SIGTERM or Ctrl-C, letting in-flight requests finish,
    /// with the background workers beside; they finish their batch and stop.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopped) = watch::channel(false);
        let mail = tokio::spawn(self.mail_worker.run(stopped.clone()));
        let housekeeping = tokio::spawn(housekeeping(self.context.clone(), stopped.clone()));
        let rounds = tokio::spawn(scheduled_rounds(self.context.clone(), stopped.clone()));
        let checkpoints = tokio::spawn(checkpoints(self.context.clone(), stopped.clone()));
        let emails = tokio::spawn(scheduled_emails(self.context.clone(), stopped));
        let result = self.server.await;
        let _ = stop.send(true);
        let _ = mail.await;
        let _ = housekeeping.await;
        let _ = rounds.await;
        let _ = emails.await;
        let _ = checkpoints.await;
        result
    }
}

fn run(
    listener: TcpListener,
    context: web::Data<AppContext>,
    pages: web::Data<crate::web::Pages>,
) -> Result<Server, StartupError> {
    let policies = web::Data::new(
        crate::web::headers::Policies::new(&context.settings.map)
            .map_err(|e| StartupError::Other(format!("content security policy: {e}")))?,
    );
    let admission = web::Data::new(crate::admission::Admission::new(&context.settings.overload));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(context.clone())
            .app_data(admission.clone())
            .app_data(policies.clone())
            .app_data(pages.clone())
            .app_data(
                web::PathConfig::default().error_handler(|_, _| error::ApiError::NotFound.into()),
            )
            .configure(routes::configure)
            .default_service(web::to(routes::not_found))
            .wrap(from_fn(routes::guard::authorize))
            .wrap(from_fn(crate::admission::admit))
            .wrap(from_fn(error::problem_layer))
            .wrap(from_fn(telemetry::request_span))
            .wrap(from_fn(crate::web::headers::security_headers))
    })
    .shutdown_timeout(30)
    .listen(listener)
    .map_err(|source| StartupError::Bind {
        addr: "listener".to_owned(),
        source,
    })?
    .run();
    Ok(server)
}

/// Background chores: expiring unanswered proposals and sending reminders
/// (often, so that a short proposal lifetime is honoured), and forgetting
/// throttling events no window needs any more (hourly).
async fn housekeeping(context: web::Data<AppContext>, mut stop: watch::Receiver<bool>) {
    let ttl = context.settings.proposal_ttl;
    let every = (ttl / 10).clamp(
        std::time::Duration::from_millis(200),
        std::time::Duration::from_secs(30),
    );
    let mut tick = tokio::time::interval(every);
    let mut last_purge = std::time::Instant::now();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = services::transitions::tick(&context).await {
                    tracing::warn!(error = %e, "expiring proposals failed");
                }
                if last_purge.elapsed() > std::time::Duration::from_secs(3600) {
                    last_purge = std::time::Instant::now();
                    if let Err(e) = services::throttle::purge(&context.db, store::now_ms()).await {
                        tracing::warn!(error = %e, "housekeeping failed");
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// SQLite's WAL copied back into the database every two seconds, so that
/// it stays short for readers (commits leave it to this; see
/// `store::connect`). Nothing to do on PostgreSQL.
async fn checkpoints(context: web::Data<AppContext>, mut stop: watch::Receiver<bool>) {
    if context.db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = store::checkpoint(&context.db).await {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// The weekly digests and stale-need reminders, looked at every minute;
/// each goes out once per period whichever instance gets there first.
async fn scheduled_emails(context: web::Data<AppContext>, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match services::schedules::run_due(&context, store::now_ms()).await {
                    Ok(0) => {}
                    Ok(queued) => tracing::info!(queued, "scheduled emails queued"),
                    Err(e) => tracing::warn!(error = %e, "scheduled emails failed"),
                }
            }
            _ = stop.changed() => break,
        }
    }
}

/// With `HUZHU_ROUND_EVERY`, a matching round for each county now and then.
/// A county whose round is already running elsewhere is skipped this time.
async fn scheduled_rounds(context: web::Data<AppContext>, mut stop: watch::Receiver<bool>) {
    let Some(every) = context.settings.round_every else {
        return;
    };
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let counties = match store::regions::list_children(&context.db, None, None, 10_000).await {
                    Ok(c) => c,
                    Err(e) => { tracing::warn!(error = %e, "scheduled rounds: no counties"); continue; }
                };
                for county in counties {
                    let Ok(prefix) = crate::domain::RegionPrefix::parse(&county.code) else { continue };
                    match services::rounds::run(&context, &prefix, None).await {
                        Ok(r) => tracing::info!(region = %r.region, matched = r.matched, "scheduled round finished"),
                        Err(services::ServiceError::Conflict(_)) => {}
                        Err(e) => tracing::warn!(error = %e, "scheduled round failed"),
                    }
                }
            }
            _ = stop.changed() => break,
        }
    }
}
