//! Mail: messages rendered from `templates/mail/`, sent through lettre.
//!
//! The default transport writes `.eml` files into the outbox folder, so a fresh
//! machine needs no mail server; SMTP (STARTTLS, implicit TLS, or plain for a local
//! relay) is chosen in the configuration, with rustls.

pub mod bell;
pub mod compose;
pub mod notices;
pub mod outbox;
pub mod preview;
pub mod receipts;
pub mod report_mails;
pub mod resend;

pub use bell::{DeliveryBell, DeliveryBells};

use std::time::Duration;

use anyhow::{bail, Context};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, Security, SmtpSettings, Transport};
use crate::texts;

/// A message before it is turned into MIME.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The recipients.
    pub to: Vec<Mailbox>,
    /// The subject, in Japanese.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// The files attached.
    pub attachments: Vec<OutgoingAttachment>,
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct OutgoingAttachment {
    /// The file name the recipient sees (Japanese allowed).
    pub file_name: String,
    /// Its MIME type (`application/pdf`).
    pub content_type: String,
    /// Its content.
    pub bytes: Vec<u8>,
    /// Where the file is kept, told instead when the message would be too large.
    pub location: Option<String>,
}

/// Why a message was not sent: the one answer a sender matches on ([`FailureKind`]
/// decides what happens to the copy), with the reason an operator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// Whose fault it is, which decides whether the copy is tried again.
    pub kind: FailureKind,
    /// What went wrong, in Japanese (from [`texts::delivery`]).
    pub message: String,
}

/// Whose fault a failed send is, which decides what happens to the copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Try this copy again later (4xx, the server down, a timeout).
    Transient,
    /// The server refused this copy for good (5xx): not retried.
    Permanent,
    /// The sender's own setting is wrong (a refused login, TLS that cannot be set up):
    /// every copy would fail alike, so delivery pauses and no copy is blamed.
    Setting,
}

impl SendError {
    /// A failure worth trying again later.
    pub fn transient(message: String) -> Self {
        SendError {
            kind: FailureKind::Transient,
            message,
        }
    }

    /// A failure of this copy for good.
    pub fn permanent(message: String) -> Self {
        SendError {
            kind: FailureKind::Permanent,
            message,
        }
    }

    /// A failure of the sender's own setting.
    pub fn setting(message: String) -> Self {
        SendError {
            kind: FailureKind::Setting,
            message,
        }
    }
}

/// SMTP replies that mean the sender's login or encryption is wrong, not a recipient:
/// 530 authentication (or STARTTLS) required, 534 mechanism too weak, 535 credentials
/// invalid, 538 encryption required for the mechanism, 454 temporary authentication
/// failure or TLS not available.
const SETTING_CODES: [u16; 5] = [454, 530, 534, 535, 538];

/// Sorts a lettre SMTP error by whose fault it is.
fn smtp_failure(error: &lettre::transport::smtp::Error) -> SendError {
    let code = error.status().map(u16::from);
    // lettre's client-side refusals are about the session (no STARTTLS, no common
    // login mechanism, 8BITMIME missing), except a non-ASCII address, which is the
    // recipient's.
    let client_setting =
        error.is_client() && !error.to_string().contains("Envelope contains non-ascii");
    if code.is_some_and(|c| SETTING_CODES.contains(&c)) || error.is_tls() || client_setting {
        SendError::setting(texts::delivery::smtp_setting(error))
    } else if error.is_permanent() {
        SendError::permanent(texts::delivery::smtp_refused(error))
    } else {
        SendError::transient(texts::delivery::smtp_failed(error))
    }
}

/// Where messages go. Cheap to clone: the SMTP transport's connection pool is shared.
#[derive(Clone)]
pub enum Mailer {
    /// Writes `.eml` files into `paths.outbox` (`transport = "file"`).
    Outbox(AsyncFileTransport<Tokio1Executor>),
    /// Sends through the configured server.
    Smtp {
        /// The pooled connection to the server.
        transport: AsyncSmtpTransport<Tokio1Executor>,
        /// How long one send may take in all.
        timeout: Duration,
    },
}

impl Mailer {
    /// The transport the configuration asks for.
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        match (config.mail.transport, &config.mail.smtp) {
            (Transport::File, _) => {
                let outbox = &config.paths.outbox;
                std::fs::create_dir_all(outbox)
                    .with_context(|| format!("送信フォルダー {} を作れません", outbox.display()))?;
                Ok(Mailer::Outbox(AsyncFileTransport::new(outbox)))
            }
            (Transport::Smtp, Some(smtp)) => smtp_mailer(smtp),
            (Transport::Smtp, None) => {
                bail!("mail.transport = \"smtp\" には [mail.smtp] の設定が要ります")
            }
        }
    }

    /// Sends one message. Every SMTP send is bounded by the configured timeout,
    /// because lettre's own timeout only covers the connect.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            // No recipient makes a write to the outbox folder fail: it is the folder.
            Mailer::Outbox(transport) => transport
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| SendError::setting(texts::delivery::outbox_unwritable(e))),
            Mailer::Smtp { transport, timeout } => {
                match tokio::time::timeout(*timeout, transport.send(message)).await {
                    Err(_) => Err(SendError::transient(texts::delivery::smtp_timed_out(
                        timeout.as_secs(),
                    ))),
                    Ok(Err(e)) => Err(smtp_failure(&e)),
                    Ok(Ok(_)) => Ok(()),
                }
            }
        }
    }
}

fn smtp_mailer(smtp: &SmtpSettings) -> anyhow::Result<Mailer> {
    type Smtp = AsyncSmtpTransport<Tokio1Executor>;
    let tls = || tls_parameters(smtp);
    let mut builder = Smtp::builder_dangerous(&smtp.host)
        .port(smtp.port)
        .timeout(Some(Duration::from_secs(smtp.timeout_seconds)))
        // Idle connections are closed before the server would drop them.
        .pool_config(PoolConfig::new().idle_timeout(Duration::from_secs(smtp.pool_idle_seconds)));
    builder = match smtp.security {
        Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
        Security::Starttls => builder.tls(Tls::Required(tls()?)),
        Security::None => builder,
    };
    if let Some(user) = &smtp.user {
        let password = std::env::var(&smtp.password_env)
            .ok()
            .filter(|password| !password.is_empty())
            .with_context(|| {
                format!(
                    "SMTP のユーザー {user} のパスワードは環境変数 {} から読みますが、この変数が設定されていません",
                    smtp.password_env
                )
            })?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    if let Some(name) = &smtp.hello_name {
        builder = builder.hello_name(lettre::transport::smtp::extension::ClientId::Domain(
            name.clone(),
        ));
    }
    Ok(Mailer::Smtp {
        transport: builder.build(),
        timeout: Duration::from_secs(smtp.timeout_seconds),
    })
}

/// rustls with the web's roots, plus the city's own CA when `ca_file` names one.
fn tls_parameters(smtp: &SmtpSettings) -> anyhow::Result<TlsParameters> {
    let mut builder = TlsParameters::builder(smtp.host.clone());
    if let Some(path) = &smtp.ca_file {
        let pem = std::fs::read(path)
            .with_context(|| format!("mail.smtp.ca_file {} を読めません", path.display()))?;
        builder = builder.add_root_certificate(Certificate::from_pem(&pem).with_context(|| {
            format!(
                "mail.smtp.ca_file {} は PEM 形式の証明書ではありません",
                path.display()
            )
        })?);
    }
    Ok(builder.build_rustls()?)
}
