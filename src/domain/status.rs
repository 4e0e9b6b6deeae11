//! Where a need, an offer and a queued email stand. A match's statuses are in
//! [`super::match_status`].

use super::vocabulary::words;
use crate::i18n::Text;

words! {
    /// Where a need stands.
    ///
    /// ```text
    /// open --a match is made--> matched --its match completes--> fulfilled
    ///   ^                         |
    ///   \---its match ends unfulfilled
    /// open --withdrawn by staff--> cancelled
    /// ```
    pub enum NeedStatus("need status") {
        /// Waiting for help: claimable, proposable, in a round's reach.
        Open = "open",
        /// Held by one live (proposed or accepted) match.
        Matched = "matched",
        /// Its match was completed.
        Fulfilled = "fulfilled",
        /// Withdrawn, with a reason.
        Cancelled = "cancelled",
    }
}

impl NeedStatus {
    /// The statuses of a need that still waits for help or has it coming:
    /// a household has at most one such need per category.
    pub const LIVE: [NeedStatus; 2] = [Self::Open, Self::Matched];

    /// The status as people read it.
    pub fn label(self) -> Text {
        match self {
            Self::Open => Text::fixed("待匹配", "Open"),
            Self::Matched => Text::fixed("已匹配", "Matched"),
            Self::Fulfilled => Text::fixed("已完成", "Fulfilled"),
            Self::Cancelled => Text::fixed("已取消", "Cancelled"),
        }
    }
}

words! {
    /// Where a volunteer's offer stands.
    pub enum OfferStatus("offer status") {
        /// Takes needs (while it has a free place and is not past its date).
        Active = "active",
        /// Takes none for now; the volunteer may make it active again.
        Paused = "paused",
        /// Never serves again.
        Withdrawn = "withdrawn",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_spelt_as_the_database_and_the_api_spell_them() {
        let needs: Vec<&str> = NeedStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(needs, ["open", "matched", "fulfilled", "cancelled"]);
        let offers: Vec<&str> = OfferStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(offers, ["active", "paused", "withdrawn"]);
        assert_eq!(
            serde_json::to_string(&NeedStatus::Fulfilled).expect("serializes"),
            "\"fulfilled\""
        );
    }
}

words! {
    /// Where an outbox row stands.
    pub enum OutboxStatus("outbox status") {
        /// To be sent when due: new, or waiting after a failed attempt.
        Pending = "pending",
        /// Delivered to the mail server.
        Sent = "sent",
        /// Given up after too many failed attempts.
        Failed = "failed",
    }
}
