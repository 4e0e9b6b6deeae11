//! The life of a match, as PRODUCT.md draws it.
//!
//! ```text
//! proposed --accept--> accepted --complete--> completed
//!    |  \--decline--> declined
//!    \--(no answer before the deadline)--> expired
//! accepted --cancel--> cancelled
//! ```

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
    pub fn edge(self) -> (&'static str, &'static str) {
        match self {
            Self::Accept => ("proposed", "accepted"),
            Self::Decline => ("proposed", "declined"),
            Self::Complete => ("accepted", "completed"),
            Self::Cancel => ("accepted", "cancelled"),
            Self::Expire => ("proposed", "expired"),
        }
    }

    /// The status the need gets: open again, fulfilled, or unchanged.
    pub fn need_status(self) -> Option<&'static str> {
        match self {
            Self::Accept => None,
            Self::Complete => Some("fulfilled"),
            Self::Decline | Self::Cancel | Self::Expire => Some("open"),
        }
    }

    /// Whether the offer's place is given back.
    pub fn frees_place(self) -> bool {
        self != Self::Accept
    }
}

/// Whether a match in `status` still holds its need and its offer's place.
pub fn is_live(status: &str) -> bool {
    matches!(status, "proposed" | "accepted")
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
}
