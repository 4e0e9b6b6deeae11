//! The delivery worker: leases due outbox rows, sends them, marks them sent,
//! or schedules a retry with exponential backoff and jitter, giving up after a
//! configured number of attempts.

use std::sync::Arc;

use futures_util::StreamExt;
use lettre::message::Mailbox;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::{Notify, watch};

use super::Templates;
use super::transport::{SendFailure, Transport, build_message};
use crate::metrics::MailMetrics;
use crate::settings::MailSettings;
use crate::store::{self, entity::outbox, now_ms};

/// Rows leased per batch, and sent at once.
const BATCH: u64 = 100;
const CONCURRENCY: usize = 32;

/// What the worker needs of the running application, and nothing else: mail
/// knows nothing of the web server or of the services above it.
pub struct Delivery {
    pub db: DatabaseConnection,
    pub templates: Arc<Templates>,
    /// The base of the links in emails rendered late (digests).
    pub public_url: url::Url,
    /// `HUZHU_MAIL_FROM`.
    pub mail_from: String,
    pub settings: MailSettings,
    pub metrics: MailMetrics,
}

/// Delivers the outbox of one application.
pub struct MailWorker {
    context: Delivery,
    transport: Transport,
    from: Mailbox,
    domain: String,
    wake: Arc<Notify>,
}

impl MailWorker {
    pub fn new(context: Delivery, transport: Transport, wake: Arc<Notify>) -> Result<Self, String> {
        let from: Mailbox = context
            .mail_from
            .parse()
            .map_err(|_| "HUZHU_MAIL_FROM is not a mailbox".to_owned())?;
        let domain = context
            .public_url
            .host_str()
            .unwrap_or("localhost")
            .to_owned();
        Ok(Self {
            context,
            transport,
            from,
            domain,
            wake,
        })
    }

    /// Runs until `shutdown` turns true, finishing the batch in hand.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = self.context.settings.poll_interval;
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.drain_batch().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                // Another writer held SQLite past the busy timeout (a bulk
                // import, say): the rows wait for the next tick.
                Err(e) if crate::store::is_busy(&e) => {
                    tracing::warn!(error = %e, "outbox: database busy, leasing later")
                }
                Err(e) => tracing::error!(error = %e, "outbox: cannot lease rows"),
            }
            self.refresh_depth().await;
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = self.wake.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Leases one batch of due rows and delivers them. Returns how many rows
    /// were leased.
    pub async fn drain_batch(&self) -> Result<usize, DbErr> {
        let now = now_ms();
        let lease = now + self.context.settings.lease.as_millis() as i64;
        let rows = store::outbox::claim_due(&self.context.db, now, lease, BATCH).await?;
        let count = rows.len();
        let mut outcomes = futures_util::stream::iter(rows)
            .map(|row| async move {
                let outcome = self.deliver(&row).await;
                (row, outcome)
            })
            .buffer_unordered(CONCURRENCY);
        // Each row is marked sent as soon as the server took it, together
        // with whatever else finished meanwhile, while the other sends go
        // on: a crash re-sends only what the server accepted in the instant
        // before its commit (with the same Message-ID, which mail stores
        // merge).
        let (delivered, mut to_mark) = tokio::sync::mpsc::unbounded_channel();
        let sending = async move {
            while let Some((row, outcome)) = outcomes.next().await {
                match outcome {
                    Ok(()) => {
                        let _ = delivered.send(row.id);
                    }
                    Err(failure) => {
                        if let Err(e) = self.record_failure(&row, failure).await {
                            tracing::error!(outbox_id = %row.id, error = %e, "outbox: cannot record a failed attempt");
                        }
                    }
                }
            }
        };
        let marking = async {
            let mut sent = Vec::new();
            while to_mark.recv_many(&mut sent, BATCH as usize).await > 0 {
                self.mark_sent(&mut sent, lease).await?;
            }
            Ok::<(), DbErr>(())
        };
        let ((), marked) = tokio::join!(sending, marking);
        marked?;
        self.refresh_depth().await;
        Ok(count)
    }

    /// Records `sent` as delivered. While the database is away or full, it
    /// keeps trying for as long as that lasts: given up, the rows would go
    /// out a second time once their lease ended. (The update names the
    /// lease, so rows another worker has leased since are left to it.)
    async fn mark_sent(&self, sent: &mut Vec<uuid::Uuid>, lease: i64) -> Result<(), DbErr> {
        let mut pause = std::time::Duration::from_millis(100);
        loop {
            match store::outbox::mark_sent(&self.context.db, sent, lease, now_ms()).await {
                Ok(()) => break,
                Err(e) if store::outage(&e).is_some() => {
                    tracing::warn!(error = %e, rows = sent.len(), "outbox: cannot record sent emails yet, retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(std::time::Duration::from_secs(2));
                }
                Err(e) => return Err(e),
            }
        }
        self.context.metrics.sent.inc_by(sent.len() as u64);
        sent.clear();
        Ok(())
    }

    async fn deliver(&self, row: &outbox::Model) -> Result<(), SendFailure> {
        // A digest queued unrendered is rendered now; the same templates and
        // context give the email it would have been when it was queued.
        let rendered = super::digest::rendered_row(
            &self.context.templates,
            self.context.public_url.as_str(),
            row,
        )
        .map_err(|detail| SendFailure {
            permanent: true,
            detail,
            class: "render",
        })?;
        let row = rendered.as_ref().unwrap_or(row);
        let message =
            build_message(row, &self.from, &self.domain).map_err(|detail| SendFailure {
                permanent: true,
                detail,
                class: "invalid_message",
            })?;
        self.transport.send(row, message).await
    }

    async fn record_failure(&self, row: &outbox::Model, failure: SendFailure) -> Result<(), DbErr> {
        let policy = self.context.settings.retry;
        let attempts = row.attempts + 1;
        let give_up = failure.permanent || attempts as u32 >= policy.max_attempts;
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        let wait = policy.delay(attempts as u32, jitter);
        let next = now_ms() + wait.as_millis() as i64;
        store::outbox::mark_attempt_failed(
            &self.context.db,
            row.id,
            attempts,
            next,
            &failure.detail,
            give_up,
        )
        .await?;
        let metrics = &self.context.metrics;
        if give_up {
            metrics.failed.inc();
            // No address, name or server text here: they may be personal data.
            tracing::warn!(outbox_id = %row.id, kind = %row.kind, attempts, class = failure.class, "email given up");
        } else {
            metrics.retried.inc();
            metrics.retry_delay.observe(wait.as_secs_f64());
            tracing::info!(outbox_id = %row.id, kind = %row.kind, attempts, class = failure.class,
                retry_in_s = wait.as_secs(), "email delivery failed, will retry");
        }
        Ok(())
    }

    async fn refresh_depth(&self) {
        if let Ok(counts) = store::outbox::count_by_status(&self.context.db).await {
            self.context.metrics.set_depth(&counts);
        }
    }
}
