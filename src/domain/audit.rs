//! What the audit log records a staff member doing with personal data.

use super::vocabulary::words;

words! {
    /// How a staff member came to see a household's personal data.
    pub enum AuditAction("audit action") {
        /// Opened one household.
        Read = "read",
        /// Saw it in a page of households.
        List = "list",
        /// Took it away in a file.
        Export = "export",
    }
}
