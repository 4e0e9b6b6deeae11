//! Where emails go: an SMTP server (pooled, TLS as the URL says), or `.eml`
//! files in a folder when no SMTP server is configured.

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::store::entity::outbox;

/// A delivery that did not happen. `permanent` failures (the server refused
/// the message for good) are not retried.
#[derive(Debug)]
pub struct SendFailure {
    pub permanent: bool,
    /// For the outbox row; may name the address, so never logged.
    pub detail: String,
    /// A short class without personal data, for logs and metrics.
    pub class: &'static str,
}

/// The configured delivery path.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    /// SMTP when `smtp_url` is set, else files in `mail_dir` (created).
    pub fn new(smtp_url: Option<&str>, mail_dir: &std::path::Path) -> Result<Self, String> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| {
                        format!("HUZHU_SMTP_URL: {}", e.to_string().replace(url, "<url>"))
                    })?
                    .timeout(Some(Duration::from_secs(20)))
                    .pool_config(
                        PoolConfig::new()
                            .max_size(16)
                            .idle_timeout(Duration::from_secs(60)),
                    )
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                create_private_dir(mail_dir)
                    .map_err(|e| format!("HUZHU_MAIL_DIR {}: {e}", mail_dir.display()))?;
                Ok(Self::Files(mail_dir.to_owned()))
            }
        }
    }

    /// Delivers one message built from an outbox row.
    pub async fn send(&self, row: &outbox::Model, message: Message) -> Result<(), SendFailure> {
        match self {
            Self::Smtp(smtp) => smtp
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendFailure {
                    permanent: e.is_permanent(),
                    detail: e.to_string(),
                    class: if e.is_permanent() {
                        "smtp_permanent"
                    } else if e.is_timeout() {
                        "smtp_timeout"
                    } else if e.is_transient() {
                        "smtp_transient"
                    } else {
                        "smtp_connection"
                    },
                }),
            Self::Files(dir) => write_eml(dir, row, &message.formatted())
                .await
                .map_err(|e| SendFailure {
                    permanent: false,
                    detail: e.to_string(),
                    class: "file_write",
                }),
        }
    }
}

/// Creates the mail folder, if missing, for huzhu's user alone (0700): the
/// `.eml` files hold live links and personal data.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `<row id>.eml` atomically, readable by huzhu's user alone (0600);
/// a re-send rewrites the same file.
async fn write_eml(
    dir: &std::path::Path,
    row: &outbox::Model,
    bytes: &[u8],
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let final_path = dir.join(format!("{}.eml", row.id));
    let temp_path = dir.join(format!(".{}.eml.tmp", row.id));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&temp_path).await?;
    // A temporary file left by an earlier attempt keeps its old mode.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .await?;
    file.write_all(bytes).await?;
    file.flush().await?;
    drop(file);
    tokio::fs::rename(&temp_path, &final_path).await
}

/// The Message-ID of an outbox row: derived from its idempotency key, so a
/// re-sent email carries the same id.
pub fn message_id(idempotency_key: &str, domain: &str) -> String {
    let digest = Sha256::digest(idempotency_key.as_bytes());
    format!("<{}@{domain}>", hex::encode(&digest[..16]))
}

/// Builds the MIME message of a row: UTF-8 plain text and HTML alternatives;
/// lettre encodes non-ASCII subjects and names per RFC 2047.
pub fn build_message(row: &outbox::Model, from: &Mailbox, domain: &str) -> Result<Message, String> {
    let to = Mailbox::new(
        Some(row.recipient_name.clone()),
        row.recipient_email
            .parse()
            .map_err(|_| "invalid recipient address".to_owned())?,
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(message_id(&row.idempotency_key, domain)))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(row.text_body.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(row.html_body.clone()),
                ),
        )
        .map_err(|e| format!("message: {e}"))
}
