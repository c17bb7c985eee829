//! Mail delivery through lettre: SMTP when `MUSTER_SMTP_URL` is set, otherwise
//! `.eml` files under `<data dir>/mail/` plus a log line with the link, so the
//! embedded default works with no mail server.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// `.eml` files, written owner-only from the first byte (they hold live links).
    Files(PathBuf),
}

impl Mailer {
    pub fn new(smtp_url: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .context("MUSTER_SMTP_URL is not a valid SMTP URL")?
                    .timeout(Some(Duration::from_secs(15)))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                let dir = data_dir.join("mail");
                crate::secrets::private_dir(&dir)?;
                Ok(Self::Files(dir))
            }
        }
    }

    pub async fn send(&self, from: &str, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        let message = Message::builder()
            .from(from.parse::<Mailbox>().context("MUSTER_MAIL_FROM is not a valid mailbox")?)
            .to(to.parse::<Mailbox>().context("recipient is not a valid mailbox")?)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .context("while building the message")?;
        match self {
            Self::Smtp(t) => {
                t.send(message).await.context("SMTP delivery failed")?;
            }
            Self::Files(dir) => {
                let id = uuid::Uuid::new_v4();
                let path = dir.join(format!("{id}.eml"));
                write_private(&path, &message.formatted()).await.context("writing the mail file failed")?;
                let link = body.split_whitespace().find(|w| w.starts_with("http://") || w.starts_with("https://"));
                // File transport is the no-mail-server mode: the log is how the
                // operator gets the link, so here (and only here) it is logged.
                tracing::info!(to, subject, file = %path.display(), link, "mail written to file");
            }
        }
        Ok(())
    }
}

/// Creates the file readable by its owner only, then writes it: no moment
/// where another local user could read the link. It is written as `.part`
/// and renamed when whole, so whoever watches the directory never reads half a mail.
pub(crate) async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut part = path.as_os_str().to_owned();
    part.push(".part");
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&part).await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    tokio::fs::rename(&part, path).await
}
