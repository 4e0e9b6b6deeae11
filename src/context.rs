//! The one shared context every handler and worker receives.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::Notify;

use crate::mail::Templates;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// What a running application shares between requests and workers.
pub struct AppContext {
    pub db: DatabaseConnection,
    pub settings: Settings,
    pub metrics: Metrics,
    /// The base of absolute links (emails), resolved after binding.
    pub public_url: url::Url,
    pub templates: Arc<Templates>,
    /// Wakes the mail worker after a commit that queued emails.
    pub mail_wake: Arc<Notify>,
}

impl AppContext {
    /// Tells the mail worker that emails were just committed.
    pub fn emails_committed(&self) {
        self.mail_wake.notify_one();
    }
}
