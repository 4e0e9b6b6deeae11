//! What the audit log records a staff member doing with personal data,
//! and an admin doing to accounts and villages.

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
        /// Changed an account's name, phone, role or region.
        ChangeAccount = "change_account",
        /// Deactivated an account: it can no longer log in.
        Deactivate = "deactivate",
        /// Let a deactivated account log in again.
        Reactivate = "reactivate",
        /// Loaded a county's village list.
        LoadRegions = "load_regions",
        /// Erased personal data whose purpose ended (PIPL Art. 47): a
        /// household's past the retention window, or a volunteer's own
        /// account.
        Erase = "erase",
    }
}
