//! Email: what huzhu sends, rendered from templates in the recipient's
//! language, queued in the outbox inside the sender's transaction, and
//! delivered by a worker over SMTP (or as `.eml` files).
//!
//! Delivery is at least once with a stable identity: the Message-ID is derived
//! from the row's idempotency key. If the process dies after the mail server
//! accepted a message but before the row is marked sent, the row's lease runs
//! out and it is sent again with the same Message-ID, which lets receivers
//! drop the duplicate; the file transport simply rewrites the same file.

pub mod digest;
pub mod outbox;
pub mod templates;
pub mod transport;
pub mod worker;

use crate::i18n::Locale;

pub use outbox::{IdempotencyKey, enqueue};
pub use templates::Templates;

/// Every email huzhu sends, named as its templates are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailKind {
    VerifyEmail,
    Invitation,
    PasswordReset,
    ProposalsDigest,
    ProposalReminder,
    ClaimConfirmed,
    MatchCancelled,
    MatchCompletedThanks,
    CadreMatchAccepted,
    /// To the need's cadre when the volunteer says the help was delivered.
    CadreMatchDelivered,
    StaleNeeds,
    WeeklyDigest,
    /// To an account's owner when someone registers with its address.
    RegistrationAttempt,
    /// To an account's owner when wrong passwords from many places pause
    /// its logins.
    LoginLocked,
    /// From a coordinator following up someone who stopped answering.
    FollowupNudge,
    /// Pairing first: a key household's new need, to its main helper.
    PairingProposal,
    /// To a main helper when their household's visit is due.
    VisitDue,
    /// To a household's cadre when its helper raised a need at a visit.
    NeedSuggested,
    /// To a coordinator: the needs escalated to them today (one a day).
    EscalatedNeeds,
}

impl EmailKind {
    pub const ALL: [EmailKind; 19] = [
        Self::VerifyEmail,
        Self::Invitation,
        Self::PasswordReset,
        Self::ProposalsDigest,
        Self::ProposalReminder,
        Self::ClaimConfirmed,
        Self::MatchCancelled,
        Self::MatchCompletedThanks,
        Self::CadreMatchAccepted,
        Self::CadreMatchDelivered,
        Self::StaleNeeds,
        Self::WeeklyDigest,
        Self::RegistrationAttempt,
        Self::LoginLocked,
        Self::FollowupNudge,
        Self::PairingProposal,
        Self::VisitDue,
        Self::NeedSuggested,
        Self::EscalatedNeeds,
    ];

    /// The kind named `name` (as [`EmailKind::as_str`] spells it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::Invitation => "invitation",
            Self::PasswordReset => "password_reset",
            Self::ProposalsDigest => "proposals_digest",
            Self::ProposalReminder => "proposal_reminder",
            Self::ClaimConfirmed => "claim_confirmed",
            Self::MatchCancelled => "match_cancelled",
            Self::MatchCompletedThanks => "match_completed_thanks",
            Self::CadreMatchAccepted => "cadre_match_accepted",
            Self::CadreMatchDelivered => "cadre_match_delivered",
            Self::StaleNeeds => "stale_needs",
            Self::WeeklyDigest => "weekly_digest",
            Self::RegistrationAttempt => "registration_attempt",
            Self::LoginLocked => "login_locked",
            Self::FollowupNudge => "followup_nudge",
            Self::PairingProposal => "pairing_proposal",
            Self::VisitDue => "visit_due",
            Self::NeedSuggested => "need_suggested",
            Self::EscalatedNeeds => "escalated_needs",
        }
    }
}

/// Who an email goes to, and in which language.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub locale: Locale,
}

/// A rendered email, ready for the outbox.
#[derive(Debug, Clone)]
pub struct Email {
    pub kind: EmailKind,
    pub to_email: String,
    pub to_name: String,
    pub locale: Locale,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why an email could not be rendered or queued.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("template {name}: {source}")]
    Template {
        name: String,
        #[source]
        source: minijinja::Error,
    },
    #[error("outbox: {0}")]
    Db(#[from] sea_orm::DbErr),
}
