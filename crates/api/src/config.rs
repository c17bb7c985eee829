//! Settings: defaults < `muster.toml` < `MUSTER_*` environment variables.
//! Every setting has a safe default; secrets are not settings but files in the
//! data dir, generated on first start (see `secrets`).

use std::{collections::HashMap, net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{bail, Context};

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub public_url: String,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub dns_nameservers: Vec<SocketAddr>,
    pub dns_timeout: Duration,
    pub allow_private_fetch: bool,
    pub meta_fetch_port: Option<u16>,
    pub session_idle_timeout: Duration,
    pub session_lifetime: Duration,
    pub invite_ttl_hours: u64,
    /// Invitations an enterprise may create in 24 hours.
    pub invite_daily_limit: u64,
    pub seat_price_monthly_cents: i64,
    pub seat_price_annual_cents: i64,
    pub log: String,
    pub log_format: String,
    /// Directory holding the built SPA (`index.html`); not served when missing.
    pub spa_dir: PathBuf,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    pub login_per_minute: u32,
    pub signup_per_minute: u32,
    /// After a claim, background checks keep trying this long.
    pub claim_check_window: Duration,
    pub claim_check_backoff: Duration,
    /// Verified domains are re-checked this often.
    pub domain_recheck_interval: Duration,
    pub domain_grace: Duration,
    pub worker_tick: Duration,
    /// How long a claimed job is its worker's before another may take it over
    /// (a job whose process died); running jobs extend it as they progress.
    pub job_lease: Duration,
    pub activation_ttl: Duration,
    pub password_reset_ttl: Duration,
    /// `MUSTER_LDAP_ALLOWED_NETWORKS`: when set, the only places a directory URL may reach.
    pub ldap_allowed_networks: Option<crate::integrations::netguard::Allowlist>,
    pub ldap_max_entries: u64,
    pub ldap_max_entry_bytes: usize,
    /// Test connection and browse, per enterprise.
    pub directory_probe_per_minute: u32,
    /// Requests per API token (`MUSTER_TOKEN_REQUESTS_PER_MINUTE`).
    pub token_requests_per_minute: u32,
    /// Webhook targets on private addresses (`MUSTER_WEBHOOK_ALLOW_PRIVATE`; tests).
    pub webhook_allow_private: bool,
    /// The first webhook retry waits this long, then twice as long each time (`MUSTER_WEBHOOK_RETRY_SECONDS`).
    pub webhook_retry: Duration,
    /// `MUSTER_TRUSTED_PROXIES`: peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    pub max_queued_jobs_per_enterprise: u64,
    /// `MUSTER_CLAIM_TTL_DAYS`: an unverified claim closes after this.
    pub claim_ttl: Duration,
    /// `MUSTER_SMS_URL`: the SMS gateway webhook; unset → files under `<data dir>/sms/`.
    pub sms_url: Option<String>,
    /// `MUSTER_SMS_AUTH_HEADER`: `Name: value` (or a bare `Authorization` value) sent to the gateway.
    pub sms_auth_header: Option<String>,
    /// `MUSTER_SMS_DAILY_LIMIT`: SMS sent in 24 hours across every account.
    pub sms_daily_limit: u64,
    /// `MUSTER_SMS_ALLOWED_COUNTRIES`: ISO 3166 codes numbers may belong to; None = all.
    pub sms_allowed_countries: Option<Vec<String>>,
    /// The first SMS retry waits this long, then twice as long each time (`MUSTER_SMS_RETRY_SECONDS`).
    pub sms_retry: Duration,
}

impl Config {
    /// Reads `muster.toml` (or `MUSTER_CONFIG`) and the environment.
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var("MUSTER_CONFIG").unwrap_or_else(|_| "muster.toml".into());
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => parse_toml(&text).with_context(|| format!("while reading {path}"))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => return Err(e).with_context(|| format!("while reading {path}")),
        };
        let env: HashMap<String, String> = std::env::vars()
            .filter_map(|(k, v)| k.strip_prefix("MUSTER_").map(|k| (k.to_ascii_lowercase(), v)))
            .collect();
        Self::from_sources(&file, &env)
    }

    /// Later sources win: `env` over `file` over defaults.
    pub fn from_sources(file: &HashMap<String, String>, env: &HashMap<String, String>) -> anyhow::Result<Self> {
        let get = |key: &str| env.get(key).or_else(|| file.get(key)).map(|s| s.trim().to_string());
        let bind = get("bind").unwrap_or_else(|| "127.0.0.1:8080".into());
        let data_dir = PathBuf::from(get("data_dir").unwrap_or_else(|| "./data".into()));
        let database_url = get("database_url").unwrap_or_else(|| format!("sqlite://{}/muster.db", data_dir.display()));
        let public_url =
            get("public_url").unwrap_or_else(|| format!("http://{bind}")).trim_end_matches('/').to_string();
        let num = |key: &str, default: u64| -> anyhow::Result<u64> {
            match get(key) {
                None => Ok(default),
                Some(v) => v
                    .parse()
                    .with_context(|| format!("MUSTER_{} must be a whole number, got {v:?}", key.to_uppercase())),
            }
        };
        let secs = |key: &str, default: u64| num(key, default).map(Duration::from_secs);
        let flag = |key: &str| -> anyhow::Result<bool> {
            match get(key).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
                Some("true") | Some("1") | Some("yes") => Ok(true),
                Some(v) => bail!("MUSTER_{} must be true or false, got {v:?}", key.to_uppercase()),
            }
        };
        let dns_nameservers = match get("dns_nameservers") {
            None => Vec::new(),
            Some(list) => parse_nameservers(&list)?,
        };
        let idle = secs("session_idle_timeout_seconds", 900)?;
        if idle.is_zero() {
            bail!("MUSTER_SESSION_IDLE_TIMEOUT_SECONDS must be at least 1");
        }
        Ok(Self {
            bind,
            database_url,
            public_url,
            smtp_url: get("smtp_url").filter(|s| !s.is_empty()),
            mail_from: get("mail_from").unwrap_or_else(|| "Muster <no-reply@localhost>".into()),
            dns_nameservers,
            dns_timeout: secs("dns_timeout_seconds", 5)?,
            allow_private_fetch: flag("allow_private_fetch")?,
            meta_fetch_port: get("meta_fetch_port")
                .map(|p| p.parse().with_context(|| format!("MUSTER_META_FETCH_PORT must be a port, got {p:?}")))
                .transpose()?,
            session_idle_timeout: idle,
            session_lifetime: secs("session_lifetime_seconds", 12 * 3600)?,
            invite_ttl_hours: num("invite_ttl_hours", 336)?,
            invite_daily_limit: num("invite_daily_limit", 50_000)?,
            seat_price_monthly_cents: num("seat_price_monthly_cents", 800)? as i64,
            seat_price_annual_cents: num("seat_price_annual_cents", 8000)? as i64,
            log: get("log").unwrap_or_else(|| "info".into()),
            log_format: get("log_format").unwrap_or_else(|| "text".into()),
            spa_dir: PathBuf::from(get("spa_dir").unwrap_or_else(|| "frontend/dist".into())),
            max_body_bytes: num("max_body_bytes", 64 * 1024)? as usize,
            max_upload_bytes: num("max_upload_bytes", 256 * 1024 * 1024)? as usize,
            login_per_minute: num("login_per_minute", 10)? as u32,
            signup_per_minute: num("signup_per_minute", 10)? as u32,
            claim_check_window: secs("claim_check_window_seconds", 72 * 3600)?,
            claim_check_backoff: secs("claim_check_backoff_seconds", 60)?,
            domain_recheck_interval: secs("domain_recheck_interval_seconds", 24 * 3600)?,
            domain_grace: secs("domain_grace_seconds", 7 * 24 * 3600)?,
            worker_tick: Duration::from_millis(num("worker_tick_ms", 1000)?),
            job_lease: secs("job_lease_seconds", 60)?,
            activation_ttl: secs("activation_ttl_seconds", 24 * 3600)?,
            password_reset_ttl: secs("password_reset_ttl_seconds", 3600)?,
            ldap_allowed_networks: get("ldap_allowed_networks")
                .filter(|s| !s.is_empty())
                .map(|s| crate::integrations::netguard::Allowlist::parse(&s))
                .transpose()
                .map_err(|e| anyhow::anyhow!("MUSTER_LDAP_ALLOWED_NETWORKS: {e}"))?,
            ldap_max_entries: num("ldap_max_entries", 1_000_000)?.max(1),
            ldap_max_entry_bytes: num("ldap_max_entry_bytes", 16 << 20)?.max(4096) as usize,
            directory_probe_per_minute: num("directory_probe_per_minute", 30)? as u32,
            token_requests_per_minute: num("token_requests_per_minute", 1200)? as u32,
            webhook_allow_private: flag("webhook_allow_private")?,
            webhook_retry: secs("webhook_retry_seconds", 10)?,
            max_queued_jobs_per_enterprise: num("max_queued_jobs_per_enterprise", 5)?.max(1),
            claim_ttl: Duration::from_secs(num("claim_ttl_days", 30)?.max(1) * 86_400),
            trusted_proxies: get("trusted_proxies")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    s.parse::<ipnet::IpNet>()
                        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| anyhow::anyhow!("MUSTER_TRUSTED_PROXIES: {s:?} is not a CIDR or an address"))
                })
                .collect::<anyhow::Result<_>>()?,
            sms_url: get("sms_url").filter(|s| !s.is_empty()),
            sms_auth_header: get("sms_auth_header").filter(|s| !s.is_empty()),
            sms_daily_limit: num("sms_daily_limit", 1000)?,
            sms_allowed_countries: get("sms_allowed_countries")
                .filter(|s| !s.trim().is_empty())
                .map(|s| parse_countries(&s))
                .transpose()?,
            sms_retry: secs("sms_retry_seconds", 2)?.max(Duration::from_secs(1)),
            data_dir,
        })
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres://") || self.database_url.starts_with("postgresql://")
    }
}

/// `muster.toml` is flat: `bind = "…"`, `session_idle_timeout_seconds = 600`.
fn parse_toml(text: &str) -> anyhow::Result<HashMap<String, String>> {
    let table: toml::Table = text.parse()?;
    table
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Boolean(b) => b.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Array(items) => items.iter().map(scalar_text).collect::<Vec<_>>().join(","),
                other => bail!("{k}: unsupported value {other:?}"),
            };
            Ok((k.to_ascii_lowercase(), v))
        })
        .collect()
}

fn scalar_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

fn parse_countries(list: &str) -> anyhow::Result<Vec<String>> {
    use std::str::FromStr;
    list.split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .filter(|s| !s.is_empty())
        .map(|code| match phonenumber::country::Id::from_str(&code) {
            Ok(_) => Ok(code),
            Err(_) => bail!("MUSTER_SMS_ALLOWED_COUNTRIES: {code:?} is not an ISO 3166 country code"),
        })
        .collect()
}

fn parse_nameservers(list: &str) -> anyhow::Result<Vec<SocketAddr>> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .with_context(|| format!("MUSTER_DNS_NAMESERVERS: {s:?} is not an address (ip or ip:port)"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_are_safe() {
        let c = Config::from_sources(&map(&[]), &map(&[])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.database_url, "sqlite://./data/muster.db");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.session_idle_timeout, Duration::from_secs(900));
        assert!(!c.allow_private_fetch);
        assert!(c.smtp_url.is_none());
    }

    #[test]
    fn env_wins_over_file() {
        let file = parse_toml("bind = \"0.0.0.0:1\"\nsession_idle_timeout_seconds = 60\n").unwrap();
        let c = Config::from_sources(&file, &map(&[("bind", "127.0.0.1:9")])).unwrap();
        assert_eq!(c.bind, "127.0.0.1:9");
        assert_eq!(c.session_idle_timeout, Duration::from_secs(60));
    }

    #[test]
    fn nameservers_take_ports() {
        let c = Config::from_sources(&map(&[]), &map(&[("dns_nameservers", "127.0.0.1:5354, 10.0.0.1")])).unwrap();
        assert_eq!(c.dns_nameservers[0].port(), 5354);
        assert_eq!(c.dns_nameservers[1].port(), 53);
    }

    #[test]
    fn sms_countries_are_iso_codes() {
        let c = Config::from_sources(&map(&[]), &map(&[("sms_allowed_countries", "us, GB")])).unwrap();
        assert_eq!(c.sms_allowed_countries, Some(vec!["US".to_string(), "GB".to_string()]));
        assert_eq!(c.sms_daily_limit, 1000);
        let err = Config::from_sources(&map(&[]), &map(&[("sms_allowed_countries", "US,XX")])).unwrap_err();
        assert!(err.to_string().contains("\"XX\""), "{err}");
    }

    #[test]
    fn bad_values_say_which_setting() {
        let err = Config::from_sources(&map(&[]), &map(&[("allow_private_fetch", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("MUSTER_ALLOW_PRIVATE_FETCH"));
    }
}
