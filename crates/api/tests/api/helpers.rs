//! `spawn_app()`: the real application on port 0 with a fresh database (SQLite
//! file, or a new PostgreSQL database when `MUSTER_TEST_POSTGRES_URL` is set),
//! its own SMTP sink and dnsmasq started by the scripts in `e2e/services`, and
//! small helpers to drive the API the way an integrator would.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Command,
    sync::{
        atomic::{AtomicU16, Ordering},
        Arc, Mutex, Once,
    },
    time::Duration,
};

use muster_api::{config::Config, startup::Application, state::Shared};
use serde_json::{json, Value};

pub const PASSWORD: &str = "Tr0ub4dor-and-horses";

fn services_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services")
}

pub fn script(name: &str, args: &[&str]) {
    let out = Command::new("bash")
        .arg(services_dir().join(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running e2e/services/{name}: {e}"));
    assert!(
        out.status.success(),
        "e2e/services/{name} {args:?} failed (is the service installed? `just install`):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A real SMTP sink (aiosmtpd) writing each message to a Maildir.
pub struct Smtp {
    run: PathBuf,
    pub port: u16,
}

/// One delivered message, headers unfolded.
#[derive(Debug, Clone)]
pub struct Mail {
    pub raw: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> String {
        let head = self.raw.split("\r\n\r\n").next().unwrap_or("").replace("\r\n ", " ").replace("\r\n\t", " ");
        head.lines()
            .find_map(|l| {
                l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    }
    /// The body, decoded when it was sent quoted-printable (lettre's choice for long lines).
    pub fn body(&self) -> String {
        let raw = self.raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        if self.header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable") {
            decode_quoted_printable(raw)
        } else {
            raw.to_string()
        }
    }
    /// The first link in the body.
    pub fn link(&self) -> String {
        self.body()
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("no link in mail:\n{}", self.raw))
            .to_string()
    }
    pub fn token(&self) -> String {
        let link = self.link();
        link.split("token=").nth(1).expect("link has a token").split('&').next().unwrap().to_string()
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (
            bytes[i],
            bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()),
        ) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Smtp {
    pub fn start(run: PathBuf) -> Self {
        let port = free_port();
        script("smtp-sink.sh", &["start", run.to_str().unwrap(), &port.to_string()]);
        Self { run, port }
    }

    /// Stops the mail server (an outage) until [`Smtp::resume`].
    pub fn stop(&self) {
        script("smtp-sink.sh", &["stop", self.run.to_str().unwrap()]);
    }

    pub fn resume(&self) {
        script("smtp-sink.sh", &["start", self.run.to_str().unwrap(), &self.port.to_string()]);
    }

    pub fn all(&self) -> Vec<Mail> {
        let dir = self.run.join("maildir/new");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect()).unwrap_or_default();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files
            .into_iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|b| Mail { raw: String::from_utf8_lossy(&b).replace("\r\n", "\n").replace('\n', "\r\n") })
            .collect()
    }

    pub fn to(&self, address: &str) -> Vec<Mail> {
        self.all()
            .into_iter()
            .filter(|m| m.header("To").to_ascii_lowercase().contains(&address.to_ascii_lowercase()))
            .collect()
    }

    /// Waits for the `n`-th (1-based) mail to `address` whose subject contains `subject`.
    pub async fn wait_nth(&self, address: &str, subject: &str, n: usize) -> Mail {
        for _ in 0..200 {
            let found: Vec<_> =
                self.to(address).into_iter().filter(|m| m.header("Subject").contains(subject)).collect();
            if found.len() >= n {
                return found[n - 1].clone();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "no mail #{n} to {address} about {subject:?}; have: {:#?}",
            self.all().iter().map(|m| m.header("Subject")).collect::<Vec<_>>()
        );
    }

    pub async fn wait(&self, address: &str, subject: &str) -> Mail {
        self.wait_nth(address, subject, 1).await
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        script("smtp-sink.sh", &["stop", self.run.to_str().unwrap()]);
    }
}

/// A real DNS server (dnsmasq) whose records a test rewrites.
pub struct Dns {
    run: PathBuf,
    records: PathBuf,
    pub port: u16,
}

impl Dns {
    pub fn start(run: PathBuf) -> Self {
        let port = free_port();
        let records = run.join("records.conf");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(&records, "").unwrap();
        script("dnsmasq.sh", &["start", run.to_str().unwrap(), &port.to_string(), records.to_str().unwrap()]);
        Self { run, records, port }
    }

    /// Replaces every record (dnsmasq syntax, e.g. `txt-record=name,"value"`) and restarts.
    pub fn set(&self, lines: &[String]) {
        std::fs::write(&self.records, lines.join("\n") + "\n").unwrap();
        script(
            "dnsmasq.sh",
            &["restart", self.run.to_str().unwrap(), &self.port.to_string(), self.records.to_str().unwrap()],
        );
    }

    pub fn txt(name: &str, value: &str) -> String {
        format!("txt-record={name},\"{value}\"")
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        script("dnsmasq.sh", &["stop", self.run.to_str().unwrap()]);
    }
}

/// One request a [`Receiver`] took: its headers (lower-case names) and body.
#[derive(Clone, Debug)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> String {
        self.headers.get(name).cloned().unwrap_or_default()
    }
}

/// A real HTTP receiver on loopback (a webhook target, an SMS gateway)
/// answering `status` (503 while "down") and keeping every request with the
/// status it got.
pub struct Receiver {
    pub url: String,
    pub status: Arc<AtomicU16>,
    pub got: Arc<Mutex<Vec<(u16, Received)>>>,
}

impl Receiver {
    pub async fn start(path: &str) -> Self {
        let status = Arc::new(AtomicU16::new(200));
        let got = Arc::new(Mutex::new(Vec::new()));
        let (s, g) = (status.clone(), got.clone());
        let server = actix_web::HttpServer::new(move || {
            let (s, g) = (s.clone(), g.clone());
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: String| {
                    let (s, g) = (s.clone(), g.clone());
                    async move {
                        let headers = req
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                            .collect();
                        let code = s.load(Ordering::SeqCst);
                        g.lock().unwrap().push((code, Received { headers, body }));
                        actix_web::HttpResponse::build(actix_web::http::StatusCode::from_u16(code).unwrap())
                            .body("thanks")
                    }
                },
            ))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .unwrap();
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self { url: format!("http://127.0.0.1:{port}{path}"), status, got }
    }

    /// What arrived with status 200.
    pub fn delivered(&self) -> Vec<Received> {
        self.got.lock().unwrap().iter().filter(|(s, _)| *s == 200).map(|(_, r)| r.clone()).collect()
    }
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: Shared,
    pub smtp: Smtp,
    pub dns: Dns,
    _dir: tempfile::TempDir,
}

/// A parsed response: status, JSON body (Null when empty or not JSON), content type.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub content_type: String,
    pub text: String,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn problem(&self, status: u16, code: &str) {
        assert_eq!((self.status, self.code()), (status, code), "unexpected answer: {}", self.text);
        assert_eq!(self.content_type, "application/problem+json", "{}", self.text);
        assert!(!self.body["detail"].as_str().unwrap_or("").is_empty(), "problem without detail: {}", self.text);
    }
    #[track_caller]
    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.text);
        &self.body
    }
}

/// A signed-in, elevated Primary Master Admin of a freshly claimed domain.
#[derive(Clone)]
pub struct Admin {
    pub email: String,
    pub token: String,
    pub enterprise_id: String,
    pub domain: String,
    pub verification_token: String,
}

static LOG: Once = Once::new();

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut Config)) -> TestApp {
    LOG.call_once(|| {
        if std::env::var("TEST_LOG").is_ok() {
            muster_api::telemetry::init("info,muster_api=debug", "text");
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path().join("smtp"));
    let dns = Dns::start(dir.path().join("dns"));
    let mut config = Config::from_sources(&HashMap::new(), &HashMap::new()).unwrap();
    config.bind = "127.0.0.1:0".into();
    config.data_dir = dir.path().join("data");
    config.database_url = database_url(dir.path()).await;
    config.public_url = "http://muster.test".into();
    config.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp.port));
    config.dns_nameservers = vec![format!("127.0.0.1:{}", dns.port).parse().unwrap()];
    config.dns_timeout = Duration::from_secs(2);
    config.worker_tick = Duration::from_millis(100);
    config.spa_dir = dir.path().join("no-spa");
    // Each test is one client on 127.0.0.1: rate-limit tests lower these themselves.
    config.login_per_minute = 1000;
    config.signup_per_minute = 1000;
    config.directory_probe_per_minute = 1000;
    // The test directories listen on loopback, which Muster refuses unless allowed (as an operator would).
    config.ldap_allowed_networks = Some(muster_api::integrations::netguard::Allowlist::parse("127.0.0.0/8").unwrap());
    customize(&mut config);
    let app = Application::build(config).await.expect("the app starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp { base, http: reqwest::Client::new(), state, smtp, dns, _dir: dir }
}

pub async fn database_url(dir: &Path) -> String {
    match std::env::var("MUSTER_TEST_POSTGRES_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sqlx::Connection;
            sqlx::any::install_default_drivers();
            let name = format!("muster_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = sqlx::AnyConnection::connect(&admin_url).await.expect("PostgreSQL for tests is reachable");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            format!("{base}/{name}")
        }
        _ => format!("sqlite://{}/muster.db", dir.join("data").display()),
    }
}

impl TestApp {
    pub async fn send(&self, req: reqwest::RequestBuilder, token: Option<&str>) -> Resp {
        let req = match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        };
        let r = req.send().await.expect("request sent");
        let status = r.status().as_u16();
        let content_type = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = r.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp { status, body, content_type, text }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.http.get(self.url(path)), token).await
    }
    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send(self.http.delete(self.url(path)), token).await
    }
    pub async fn post(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(self.http.post(self.url(path)).json(&body), token).await
    }
    pub async fn send_put(&self, path: &str, body: &Value, token: Option<&str>) -> Resp {
        self.send(self.http.put(self.url(path)).json(body), token).await
    }
    /// PUT with an empty JSON object.
    pub async fn put_json(&self, path: &str, token: &str) -> Resp {
        self.send_put(path, &json!({}), Some(token)).await
    }
    pub async fn patch(&self, path: &str, body: Value, token: Option<&str>) -> Resp {
        self.send(self.http.patch(self.url(path)).json(&body), token).await
    }
    pub async fn post_raw(
        &self,
        path: &str,
        body: impl Into<reqwest::Body>,
        content_type: &str,
        token: Option<&str>,
    ) -> Resp {
        self.send(self.http.post(self.url(path)).header("content-type", content_type).body(body), token).await
    }

    pub async fn sign_up(&self, email: &str) -> Resp {
        self.post(
            "/api/v1/accounts",
            json!({"email": email, "password": PASSWORD, "first_name": "Ada", "last_name": "Lovelace"}),
            None,
        )
        .await
    }

    /// Signs up, follows the activation mail, and logs in; returns the token.
    pub async fn active_account(&self, email: &str) -> String {
        self.sign_up(email).await.ok(201);
        let mail = self.smtp.wait(email, "Activate").await;
        self.post("/api/v1/accounts/activate", json!({"token": mail.token(), "password": PASSWORD}), None)
            .await
            .ok(200);
        self.login(email).await
    }

    pub async fn login(&self, email: &str) -> String {
        let r = self.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None).await;
        r.ok(201)["token"].as_str().unwrap().to_string()
    }

    pub async fn elevate(&self, token: &str) {
        self.post("/api/v1/sessions/current/elevate", json!({"password": PASSWORD}), Some(token)).await.ok(200);
    }

    /// A new PMA of `domain` with an elevated session; the domain is still unverified.
    pub async fn admin(&self, domain: &str) -> Admin {
        let email = format!("pma@{domain}");
        let token = self.active_account(&email).await;
        self.elevate(&token).await;
        let r = self.post("/api/v1/enterprises", json!({}), Some(&token)).await;
        let e = r.ok(201);
        Admin {
            email,
            token,
            enterprise_id: e["id"].as_str().unwrap().into(),
            domain: domain.into(),
            verification_token: e["verification"]["token"].as_str().unwrap().into(),
        }
    }

    /// Publishes the TXT record and clicks "Check now".
    pub async fn verify_by_dns(&self, admin: &Admin) -> Resp {
        self.dns.set(&[Dns::txt(
            &format!("_muster-challenge.{}", admin.domain),
            &format!("muster-verification={}", admin.verification_token),
        )]);
        self.post(
            &format!("/api/v1/enterprises/{}/domain/verify", admin.enterprise_id),
            json!({"method": "dns_txt"}),
            Some(&admin.token),
        )
        .await
    }

    pub async fn enterprise(&self, admin: &Admin) -> Value {
        self.get(&format!("/api/v1/enterprises/{}", admin.enterprise_id), Some(&admin.token)).await.ok(200).clone()
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.state.db.pool).await.unwrap()
    }

    /// Polls until `f` holds (background workers run every 100 ms here).
    pub async fn eventually<F, Fut>(&self, what: &str, mut f: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        for _ in 0..200 {
            if f().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("timed out waiting for: {what}");
    }
}

/// A unique domain per test, so tests never share data.
pub fn domain() -> String {
    format!("t{}.test", &uuid::Uuid::new_v4().simple().to_string()[..12])
}
