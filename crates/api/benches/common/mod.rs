//! What the benchmarks share: the project's test services, the release
//! `muster` binary on a free loopback port, a verified enterprise made
//! through the API, job timing from the database and peak RSS.

#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};
use sqlx::{any::AnyPoolOptions, AnyPool};

pub const PASSWORD: &str = "Tr0ub4dor-and-horses";

pub fn services(run: &Path, which: &[&str]) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/up.sh");
    let ok = Command::new("bash").arg(script).arg(run).args(which).stdout(Stdio::null()).status().unwrap();
    assert!(ok.success(), "test services did not start");
    std::fs::read_to_string(run.join("env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

pub fn env<'a>(vars: &'a [(String, String)], key: &str) -> &'a str {
    &vars.iter().find(|(k, _)| k == key).unwrap().1
}

pub struct Server(pub Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

pub async fn wait_job(pool: &AnyPool, id: &str) -> (String, i64) {
    loop {
        let row: Option<(String, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT status, started_at, finished_at FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_optional(pool)
                .await
                .unwrap();
        if let Some((status, Some(start), Some(end))) = row {
            if status == "succeeded" || status == "failed" {
                return (status, end - start);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The release server with its SQLite database, ready to take requests.
pub struct Running {
    pub base: String,
    pub pid: u32,
    pub pool: AnyPool,
    pub http: reqwest::Client,
    pub maildir: PathBuf,
    pub vars: Vec<(String, String)>,
    pub services: PathBuf,
    _server: Server,
}

pub async fn start_server(dir: &Path, vars: Vec<(String, String)>) -> Running {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let db_path = dir.join("data/muster.db");
    let child = Command::new(env!("CARGO_BIN_EXE_muster"))
        .arg("serve")
        .env("MUSTER_BIND", format!("127.0.0.1:{port}"))
        .env("MUSTER_DATA_DIR", dir.join("data"))
        .env("MUSTER_SMTP_URL", format!("smtp://127.0.0.1:{}", env(&vars, "MUSTER_TEST_SMTP_PORT")))
        .env("MUSTER_DNS_NAMESERVERS", format!("127.0.0.1:{}", env(&vars, "MUSTER_TEST_DNS_PORT")))
        .env("MUSTER_WORKER_TICK_MS", "100")
        .env("MUSTER_MAX_UPLOAD_BYTES", (512u64 << 20).to_string())
        .env("MUSTER_LDAP_ALLOWED_NETWORKS", "127.0.0.0/8")
        .env("MUSTER_LOG", "warn")
        .env("MUSTER_SPA_DIR", dir.join("no-spa"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let _server = Server(child);
    let http = reqwest::Client::new();
    for _ in 0..200 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pool =
        AnyPoolOptions::new().max_connections(2).connect(&format!("sqlite://{}", db_path.display())).await.unwrap();

    let maildir = Path::new(env(&vars, "MUSTER_TEST_MAILDIR")).join("new");
    Running { base, pid, pool, http, maildir, vars, services: dir.join("services"), _server }
}

impl Running {
    /// A PMA of `domain` with an elevated session and a verified domain: (enterprise id, token).
    pub async fn admin(&self, domain: &str) -> (String, String) {
        let (http, base, maildir, vars, run) = (&self.http, &self.base, &self.maildir, &self.vars, &self.services);
        let email = format!("pma@{domain}");
        http.post(format!("{base}/api/v1/accounts"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let token = loop {
            let found = std::fs::read_dir(maildir)
                .unwrap()
                .filter_map(|f| std::fs::read_to_string(f.unwrap().path()).ok())
                .find_map(|m| {
                    let m = m.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
                    m.contains(&email)
                        .then(|| m.split("token=").nth(1).map(|t| t.split_whitespace().next().unwrap().to_string()))
                        .flatten()
                });
            if let Some(t) = found {
                break t;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        http.post(format!("{base}/api/v1/accounts/activate"))
            .json(&json!({"token": token, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let s: Value = http
            .post(format!("{base}/api/v1/sessions"))
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = s["token"].as_str().unwrap().to_string();
        http.post(format!("{base}/api/v1/sessions/current/elevate"))
            .bearer_auth(&session)
            .json(&json!({"password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let e: Value = http
            .post(format!("{base}/api/v1/enterprises"))
            .bearer_auth(&session)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = e["id"].as_str().unwrap().to_string();
        let record = format!(
            "txt-record=_muster-challenge.{domain},\"muster-verification={}\"\n",
            e["verification"]["token"].as_str().unwrap()
        );
        std::fs::write(env(vars, "MUSTER_TEST_DNS_RECORDS"), record).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/dnsmasq.sh");
        Command::new("bash")
            .arg(script)
            .args([
                "restart",
                run.to_str().unwrap(),
                env(vars, "MUSTER_TEST_DNS_PORT"),
                env(vars, "MUSTER_TEST_DNS_RECORDS"),
            ])
            .status()
            .unwrap();
        let v: Value = http
            .post(format!("{base}/api/v1/enterprises/{id}/domain/verify"))
            .bearer_auth(&session)
            .json(&json!({}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["verified"], true, "{v}");
        (id, session)
    }
}

/// The app in this process on port 0 (SQLite under `dir`, or `database_url`),
/// no SMTP, limits meant for people lifted, then `tune`d: (base URL, state).
pub async fn in_process(
    dir: &Path,
    database_url: Option<String>,
    tune: impl FnOnce(&mut muster_api::config::Config),
) -> (String, muster_api::state::Shared) {
    let mut config =
        muster_api::config::Config::from_sources(&std::collections::HashMap::new(), &std::collections::HashMap::new())
            .unwrap();
    config.bind = "127.0.0.1:0".into();
    config.data_dir = dir.join("data");
    config.database_url = database_url.unwrap_or_else(|| format!("sqlite://{}/muster.db", dir.join("data").display()));
    config.smtp_url = None;
    config.login_per_minute = 1_000_000;
    config.signup_per_minute = 1_000_000;
    config.log = "warn".into();
    tune(&mut config);
    let app = muster_api::startup::Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let state = app.state.clone();
    tokio::spawn(app.run_until_stopped());
    (base, state)
}
