//! The life of a match, as PRODUCT.md draws it.
//!
//! ```text
//! proposed --accept--> accepted --complete--> completed
//!    |  \--decline--> declined
//!    \--(no answer before the deadline)--> expired
//! accepted --cancel--> cancelled
//! ```

use super::status::NeedStatus;
use super::vocabulary::words;
use crate::i18n::Text;

words! {
    /// Where a match stands.
    pub enum MatchStatus("match status") {
        /// Made by a round or a coordinator; waits for the volunteer's answer.
        Proposed = "proposed",
        /// The volunteer will help (a claim starts here).
        Accepted = "accepted",
        /// The volunteer said no.
        Declined = "declined",
        /// A cadre confirmed the help arrived.
        Completed = "completed",
        /// Called off after it was accepted.
        Cancelled = "cancelled",
        /// Not answered before its deadline.
        Expired = "expired",
    }
}

impl MatchStatus {
    /// The status as people read it.
    pub fn label(self) -> Text {
        match self {
            Self::Proposed => Text::fixed("待答复", "Awaiting an answer"),
            Self::Accepted => Text::fixed("已接受", "Accepted"),
            Self::Declined => Text::fixed("已婉拒", "Declined"),
            Self::Completed => Text::fixed("已完成", "Completed"),
            Self::Cancelled => Text::fixed("已取消", "Cancelled"),
            Self::Expired => Text::fixed("已过期", "Expired"),
        }
    }
}

words! {
    /// Who made a match.
    pub enum MatchOrigin("match origin") {
        /// A volunteer claimed the need: accepted at once.
        Claim = "claim",
        /// A matching round proposed it.
        Round = "round",
        /// A coordinator proposed it by hand.
        Manual = "manual",
        /// Pairing first: a key household's need, proposed to its main helper.
        Pairing = "pairing",
    }
}

impl MatchOrigin {
    /// Whether the match starts as a proposal the volunteer answers; a
    /// claim is the volunteer's own answer, so it starts accepted.
    pub fn proposes(self) -> bool {
        self != Self::Claim
    }
}

words! {
    /// What an event in a match's history records.
    pub enum MatchEventKind("match event kind") {
        /// The match was made (`from` is none) or moved from `from` to `to`.
        Transition = "transition",
        /// The volunteer said the help was delivered; the match stays
        /// `accepted` (`from` and `to` both) until the cadre confirms.
        Delivered = "delivered",
    }
}

/// What can happen to a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    Accept,
    Decline,
    Complete,
    Cancel,
    Expire,
}

impl Transition {
    /// The status a match must have for this transition, and the one it gets.
    pub fn edge(self) -> (MatchStatus, MatchStatus) {
        use MatchStatus::*;
        match self {
            Self::Accept => (Proposed, Accepted),
            Self::Decline => (Proposed, Declined),
            Self::Complete => (Accepted, Completed),
            Self::Cancel => (Accepted, Cancelled),
            Self::Expire => (Proposed, Expired),
        }
    }

    /// The status the need gets: open again, fulfilled, or unchanged.
    pub fn need_status(self) -> Option<NeedStatus> {
        match self {
            Self::Accept => None,
            Self::Complete => Some(NeedStatus::Fulfilled),
            Self::Decline | Self::Cancel | Self::Expire => Some(NeedStatus::Open),
        }
    }

    /// Whether the offer's place is given back.
    pub fn frees_place(self) -> bool {
        self != Self::Accept
    }
}

/// Whether a match in `status` still holds its need and its offer's place.
pub fn is_live(status: MatchStatus) -> bool {
    matches!(status, MatchStatus::Proposed | MatchStatus::Accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_transition_leaves_a_live_status_and_only_accept_stays_live() {
        for t in [
            Transition::Accept,
            Transition::Decline,
            Transition::Complete,
            Transition::Cancel,
            Transition::Expire,
        ] {
            let (from, to) = t.edge();
            assert!(is_live(from));
            assert_eq!(is_live(to), t == Transition::Accept, "{t:?}");
            assert_eq!(t.frees_place(), !is_live(to));
        }
    }

    #[test]
    fn statuses_origins_and_event_kinds_are_spelt_as_the_database_and_the_api_spell_them() {
        let statuses: Vec<&str> = MatchStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            statuses,
            [
                "proposed",
                "accepted",
                "declined",
                "completed",
                "cancelled",
                "expired"
            ]
        );
        let origins: Vec<&str> = MatchOrigin::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(origins, ["claim", "round", "manual", "pairing"]);
        assert!(!MatchOrigin::Claim.proposes());
        let kinds: Vec<&str> = MatchEventKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(kinds, ["transition", "delivered"]);
    }
}
