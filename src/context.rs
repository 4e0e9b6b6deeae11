//! The one shared context every handler and worker receives.

use sea_orm::DatabaseConnection;

use crate::metrics::Metrics;
use crate::settings::Settings;

/// What a running application shares between requests and workers.
pub struct AppContext {
    pub db: DatabaseConnection,
    pub settings: Settings,
    pub metrics: Metrics,
    /// The base of absolute links (emails), resolved after binding.
    pub public_url: url::Url,
}
