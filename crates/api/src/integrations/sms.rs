//! SMS delivery (DESIGN §2a): `MUSTER_SMS_URL` unset → one JSON file per
//! message under `<data dir>/sms/` and a log line, so the embedded default
//! works with no provider; `http(s)://…` → a `POST` of `{to, body, id}` to a
//! gateway webhook that any SMS provider can sit behind. The URL is the
//! operator's, not a tenant's, so it is not behind the SSRF guard.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use reqwest::header::{HeaderName, HeaderValue};

pub enum SmsGateway {
    Files(PathBuf),
    Http { client: reqwest::Client, url: String, auth: Option<(HeaderName, HeaderValue)> },
}

/// What the gateway receives.
#[derive(Debug, serde::Serialize)]
pub struct Sms<'a> {
    pub to: &'a str,
    pub body: &'a str,
    /// Stable across retries: a gateway that already took it can drop a repeat.
    pub id: &'a str,
}

/// `MUSTER_SMS_AUTH_HEADER`: `Name: value`, or a bare value for `Authorization`.
pub fn parse_auth_header(text: &str) -> anyhow::Result<(HeaderName, HeaderValue)> {
    let (name, value) = match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() && !name.contains(' ') => (name.trim(), value.trim()),
        _ => ("authorization", text.trim()),
    };
    let name = HeaderName::from_bytes(name.as_bytes()).context("MUSTER_SMS_AUTH_HEADER has an invalid header name")?;
    let mut value = HeaderValue::from_str(value).context("MUSTER_SMS_AUTH_HEADER has an invalid header value")?;
    value.set_sensitive(true);
    Ok((name, value))
}

impl SmsGateway {
    pub fn new(url: Option<&str>, auth_header: Option<&str>, data_dir: &std::path::Path) -> anyhow::Result<Self> {
        match url {
            Some(url) => {
                let parsed = url::Url::parse(url).context("MUSTER_SMS_URL is not a URL")?;
                anyhow::ensure!(
                    matches!(parsed.scheme(), "http" | "https"),
                    "MUSTER_SMS_URL must be an http:// or https:// URL"
                );
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()?;
                Ok(Self::Http { client, url: url.to_string(), auth: auth_header.map(parse_auth_header).transpose()? })
            }
            None => {
                let dir = data_dir.join("sms");
                crate::secrets::private_dir(&dir)?;
                Ok(Self::Files(dir))
            }
        }
    }

    pub async fn send(&self, sms: &Sms<'_>) -> anyhow::Result<()> {
        match self {
            Self::Http { client, url, auth } => {
                let mut req = client
                    .post(url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(serde_json::to_vec(sms)?);
                if let Some((name, value)) = auth {
                    req = req.header(name, value.clone());
                }
                // The URL may hold a provider's key: errors never carry it.
                let answer =
                    req.send().await.map_err(reqwest::Error::without_url).context("the SMS gateway did not answer")?;
                let status = answer.status();
                anyhow::ensure!(status.is_success(), "the SMS gateway answered {status}");
            }
            Self::Files(dir) => {
                let path = dir.join(format!("{}.json", sms.id));
                let bytes = serde_json::to_vec_pretty(sms)?;
                super::mailer::write_private(&path, &bytes).await.context("writing the SMS file failed")?;
                // The file holds the code; the log says only where it is.
                tracing::info!(to = sms.to, file = %path.display(), "SMS written to file");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auth_header_is_a_header_or_an_authorization_value() {
        let (n, v) = parse_auth_header("X-Api-Key: abc").unwrap();
        assert_eq!((n.as_str(), v.to_str().unwrap()), ("x-api-key", "abc"));
        let (n, v) = parse_auth_header("Bearer s3cret").unwrap();
        assert_eq!((n.as_str(), v.to_str().unwrap()), ("authorization", "Bearer s3cret"));
        assert!(v.is_sensitive());
        assert!(parse_auth_header("X: a\nb").is_err());
    }

    #[tokio::test]
    async fn the_file_transport_writes_one_private_json_per_message() {
        let dir = tempfile::tempdir().unwrap();
        let gateway = SmsGateway::new(None, None, dir.path()).unwrap();
        gateway.send(&Sms { to: "+14155550100", body: "code 123456", id: "m1" }).await.unwrap();
        let text = std::fs::read_to_string(dir.path().join("sms/m1.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (v["to"].as_str(), v["body"].as_str(), v["id"].as_str()),
            (Some("+14155550100"), Some("code 123456"), Some("m1"))
        );
        assert!(SmsGateway::new(Some("ftp://x"), None, dir.path()).is_err());
    }
}
