//! The email templates, embedded in the binary: for each email and language a
//! `.txt` file (blocks `subject` and `text`) and an `.html` file extending the
//! shared layout. Rendering is strict: a missing variable is an error.

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde_json::Value;

use super::{Email, EmailKind, MailError, Recipient};

macro_rules! embedded {
    ($($name:literal),* $(,)?) => {
        &[$(
            (concat!($name, ".zh-CN.txt"), include_str!(concat!("../../templates/email/", $name, ".zh-CN.txt"))),
            (concat!($name, ".zh-CN.html"), include_str!(concat!("../../templates/email/", $name, ".zh-CN.html"))),
            (concat!($name, ".en.txt"), include_str!(concat!("../../templates/email/", $name, ".en.txt"))),
            (concat!($name, ".en.html"), include_str!(concat!("../../templates/email/", $name, ".en.html"))),
        )*]
    };
}

const FILES: &[(&str, &str)] = embedded!(
    "verify_email",
    "invitation",
    "password_reset",
    "proposals_digest",
    "proposal_reminder",
    "claim_confirmed",
    "match_cancelled",
    "match_completed_thanks",
    "cadre_match_accepted",
    "cadre_match_delivered",
    "stale_needs",
    "weekly_digest",
    "registration_attempt",
    "login_locked",
    "followup_nudge",
    "pairing_proposal",
    "visit_due",
    "need_suggested",
    "escalated_needs",
);

const LAYOUTS: &[(&str, &str)] = &[(
    "layout.html",
    include_str!("../../templates/email/layout.html"),
)];

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    /// Compiles every embedded template; a syntax error is reported here, at
    /// start, not when an email is due.
    pub fn load() -> Result<Self, MailError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        // The links to huzhu's pages, from the `public_url` every email is
        // given: the one place the templates learn those pages' paths. A
        // proposal's accept or decline link, from its single-use token:
        env.add_function(
            "match_link",
            |state: &minijinja::State, token: &str, action: &str| {
                format!("{}/m/{token}/{action}", public_url(state))
            },
        );
        // The page of one match, where its volunteer and its cadre act on it:
        env.add_function("match_page", |state: &minijinja::State, match_id: &str| {
            format!("{}/matches/{match_id}", public_url(state))
        });
        // A need's page, where its cadre edits or cancels it:
        env.add_function("need_page", |state: &minijinja::State, need_id: &str| {
            format!("{}/needs/{need_id}", public_url(state))
        });
        // A cadre's work list: their waiting needs and matches to confirm.
        env.add_function("work_page", |state: &minijinja::State| {
            format!("{}/work", public_url(state))
        });
        // The reader's list of matches, on one of its tabs (`proposed`,
        // `accepted`, `history`):
        env.add_function("matches_page", |state: &minijinja::State, tab: &str| {
            format!("{}/matches?tab={tab}", public_url(state))
        });
        for (name, source) in LAYOUTS.iter().chain(FILES) {
            env.add_template(name, source)
                .map_err(|source| MailError::Template {
                    name: (*name).to_owned(),
                    source,
                })?;
        }
        Ok(Self { env })
    }

    /// Renders `kind` for `to` with `context` (an object; `name` and
    /// `public_url` are added).
    pub fn compose(
        &self,
        kind: EmailKind,
        to: &Recipient,
        public_url: &str,
        context: Value,
    ) -> Result<Email, MailError> {
        let mut context = match context {
            Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        context.insert("name".to_owned(), Value::from(to.name.clone()));
        context.insert(
            "public_url".to_owned(),
            Value::from(public_url.trim_end_matches('/')),
        );
        // The shared layout speaks the recipient's language.
        context.insert("lang".to_owned(), Value::from(to.locale.as_str()));
        let context = minijinja::Value::from(minijinja::value::Serde(&context));
        let base = format!("{}.{}", kind.as_str(), to.locale.as_str());
        let failed = |name: &str| {
            let name = name.to_owned();
            move |source| MailError::Template { name, source }
        };
        let txt_name = format!("{base}.txt");
        let txt = self
            .env
            .get_template(&txt_name)
            .map_err(failed(&txt_name))?;
        let mut captured = txt
            .render_captured(context.clone())
            .map_err(failed(&txt_name))?;
        let subject = captured
            .with_state_mut(|state| state.render_block("subject"))
            .map_err(failed(&txt_name))?;
        let text = captured
            .with_state_mut(|state| state.render_block("text"))
            .map_err(failed(&txt_name))?;
        let html_name = format!("{base}.html");
        let html = self
            .env
            .get_template(&html_name)
            .and_then(|t| t.render(context))
            .map_err(failed(&html_name))?;
        Ok(Email {
            kind,
            to_email: to.email.clone(),
            to_name: to.name.clone(),
            locale: to.locale,
            subject: one_line(&subject),
            text: text.trim().to_owned() + "\n",
            html,
        })
    }
}

/// The `public_url` a template was given (without a trailing slash).
fn public_url(state: &minijinja::State) -> String {
    state
        .lookup("public_url")
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// Subjects are one line, whatever whitespace the template left.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    const SAMPLES: &str = include_str!("../../templates/email/samples.json");

    #[test]
    fn every_email_renders_in_both_languages_with_its_sample() {
        let templates = Templates::load().expect("templates compile");
        let samples: serde_json::Map<String, Value> =
            serde_json::from_str(SAMPLES).expect("samples.json");
        for kind in EmailKind::ALL {
            let sample = samples
                .get(kind.as_str())
                .cloned()
                .expect("a sample for every email");
            for locale in [Locale::ZhCn, Locale::En] {
                let to = Recipient {
                    email: "someone@example.org".to_owned(),
                    name: "李𠮷".to_owned(),
                    locale,
                };
                let email = templates
                    .compose(kind, &to, "https://huzhu.example.org", sample.clone())
                    .unwrap_or_else(|e| panic!("{} {}: {e:#}", kind.as_str(), locale.as_str()));
                assert!(!email.subject.is_empty() && !email.subject.contains('\n'));
                assert!(
                    email.text.contains("李𠮷"),
                    "{} text greets by name",
                    kind.as_str()
                );
                assert!(
                    email.html.contains("李𠮷"),
                    "{} html greets by name",
                    kind.as_str()
                );
                assert!(
                    email
                        .html
                        .contains(&format!("lang=\"{}\"", locale.as_str()))
                );
            }
        }
    }

    /// The emails whose reader acts on a match (or several).
    const ABOUT_A_MATCH: [EmailKind; 8] = [
        EmailKind::ProposalsDigest,
        EmailKind::PairingProposal,
        EmailKind::ProposalReminder,
        EmailKind::ClaimConfirmed,
        EmailKind::MatchCancelled,
        EmailKind::MatchCompletedThanks,
        EmailKind::CadreMatchAccepted,
        EmailKind::CadreMatchDelivered,
    ];

    #[test]
    fn every_email_about_a_match_links_to_its_page_in_both_bodies() {
        let templates = Templates::load().expect("templates compile");
        let samples: serde_json::Map<String, Value> =
            serde_json::from_str(SAMPLES).expect("samples.json");
        let base = "https://huzhu.example.org";
        for kind in EmailKind::ALL {
            let sample = &samples[kind.as_str()];
            let mut pages: Vec<String> = sample["proposals"]
                .as_array()
                .into_iter()
                .flatten()
                .chain([sample])
                .filter_map(|s| s["match_id"].as_str())
                .map(|id| format!("{base}/matches/{id}"))
                .collect();
            if kind == EmailKind::ProposalsDigest {
                pages.push(format!("{base}/matches?tab=proposed"));
            }
            let about_a_match = ABOUT_A_MATCH.contains(&kind);
            assert_eq!(!pages.is_empty(), about_a_match, "{}", kind.as_str());
            for locale in [Locale::ZhCn, Locale::En] {
                let to = Recipient {
                    email: "someone@example.org".to_owned(),
                    name: "李".to_owned(),
                    locale,
                };
                let email = templates
                    .compose(kind, &to, base, sample.clone())
                    .expect("renders");
                // HTML escapes the slashes of an attribute's value.
                let html = email.html.replace("&#x2f;", "/");
                for page in &pages {
                    assert!(email.text.contains(page), "{} text: {page}", kind.as_str());
                    assert!(
                        html.contains(&format!("href=\"{page}\"")),
                        "{} html: {page}",
                        kind.as_str()
                    );
                }
            }
        }
    }

    #[test]
    fn html_bodies_escape_what_people_typed() {
        let templates = Templates::load().expect("templates compile");
        let to = Recipient {
            email: "x@example.org".to_owned(),
            name: "<script>alert(1)</script>".to_owned(),
            locale: Locale::ZhCn,
        };
        let context =
            serde_json::json!({"verify_url": "https://h/x?token=a&b", "expires_hours": 48});
        let email = templates
            .compose(EmailKind::VerifyEmail, &to, "https://h", context)
            .expect("renders");
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
        assert!(email.text.contains("<script>"), "plain text is not escaped");
    }

    #[test]
    fn a_missing_variable_is_an_error_not_a_blank() {
        let templates = Templates::load().expect("templates compile");
        let to = Recipient {
            email: "x@example.org".to_owned(),
            name: "王".to_owned(),
            locale: Locale::En,
        };
        let result = templates.compose(
            EmailKind::VerifyEmail,
            &to,
            "https://h",
            serde_json::json!({}),
        );
        assert!(result.is_err());
    }
}
