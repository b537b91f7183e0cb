//! Mail: messages rendered from `templates/mail/`, sent through lettre.
//!
//! The default transport writes `.eml` files into the outbox folder, so a fresh
//! machine needs no mail server; SMTP (STARTTLS, implicit TLS, or plain for a local
//! relay) is chosen in the configuration, with rustls.

pub mod template;

use std::time::Duration;

use anyhow::{bail, Context};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{Config, Security, SmtpSettings, Transport};

/// A message before it is turned into MIME.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: Vec<Mailbox>,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<OutgoingAttachment>,
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct OutgoingAttachment {
    /// The file name the recipient sees (Japanese allowed).
    pub file_name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// Where the file is kept, told instead when the message would be too large.
    pub location: Option<String>,
}

/// Why a message was not sent: a permanent refusal (5xx) is not retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl SendError {
    fn transient(message: String) -> Self {
        SendError {
            permanent: false,
            message,
        }
    }
}

/// Where messages go. Cheap to clone: the SMTP transport's connection pool is shared.
#[derive(Clone)]
pub enum Mailer {
    Outbox(AsyncFileTransport<Tokio1Executor>),
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
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
            Mailer::Outbox(transport) => {
                transport.send(message).await.map(|_| ()).map_err(|e| {
                    SendError::transient(format!("送信フォルダーに書き込めません: {e}"))
                })
            }
            Mailer::Smtp { transport, timeout } => {
                match tokio::time::timeout(*timeout, transport.send(message)).await {
                    Err(_) => Err(SendError::transient(format!(
                        "SMTP サーバーが {} 秒以内に応答しませんでした",
                        timeout.as_secs()
                    ))),
                    Ok(Err(e)) if e.is_permanent() => Err(SendError {
                        permanent: true,
                        message: format!("SMTP サーバーが受け取りを拒否しました: {e}"),
                    }),
                    Ok(Err(e)) => Err(SendError::transient(format!(
                        "SMTP で送れませんでした: {e}"
                    ))),
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
