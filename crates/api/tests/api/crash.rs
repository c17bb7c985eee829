//! `kill -9` of the real `muster` binary in the middle of a large import:
//! nothing of the import is written, and after a restart the job is claimed
//! again (its lease ran out) and finishes.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

use serde_json::{json, Value};
use sqlx::{any::AnyPoolOptions, AnyPool};

use crate::helpers::{database_url, free_port, Dns, Smtp, PASSWORD};

pub struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(envs: &[(String, String)]) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_muster"))
        .arg("serve")
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env_remove("MUSTER_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the muster binary starts");
    Server { child }
}

pub async fn ready(http: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("muster did not become ready");
}

/// What a PMA of a fresh domain holds after signing up, activating, elevating and claiming.
pub struct Claimed {
    pub domain: String,
    pub session: String,
    pub enterprise_id: String,
    pub verification_token: String,
}

/// Those steps through the HTTP API of a spawned `muster` (no in-process state to lean on).
pub async fn claim_through_api(http: &reqwest::Client, base: &str, smtp: &Smtp) -> Claimed {
    let domain = crate::helpers::domain();
    let email = format!("pma@{domain}");
    let post = |path: &str, body: Value, token: Option<&str>| {
        let mut r = http.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    post("/api/v1/accounts", json!({"email": email, "password": PASSWORD}), None).await.unwrap();
    let token = smtp.wait(&email, "Activate").await.token();
    post("/api/v1/accounts/activate", json!({"token": token, "password": PASSWORD}), None).await.unwrap();
    let session: Value = post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let session = session["token"].as_str().unwrap().to_string();
    post("/api/v1/sessions/current/elevate", json!({"password": PASSWORD}), Some(&session)).await.unwrap();
    let e: Value = post("/api/v1/enterprises", json!({}), Some(&session)).await.unwrap().json().await.unwrap();
    Claimed {
        domain,
        session,
        enterprise_id: e["id"].as_str().unwrap().to_string(),
        verification_token: e["verification"]["token"].as_str().unwrap().to_string(),
    }
}

async fn scalar(pool: &AnyPool, sql: &str, id: &str) -> i64 {
    sqlx::query_scalar(sql).bind(id).fetch_one(pool).await.unwrap()
}

async fn status(pool: &AnyPool, job: &str) -> String {
    sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(job).fetch_one(pool).await.unwrap()
}

#[tokio::test]
async fn a_server_killed_during_an_import_leaves_nothing_and_the_job_finishes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path().join("smtp"));
    let dns = Dns::start(dir.path().join("dns"));
    let db_url = database_url(dir.path()).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let envs: Vec<(String, String)> = [
        ("MUSTER_BIND", format!("127.0.0.1:{port}")),
        ("MUSTER_DATA_DIR", dir.path().join("data").display().to_string()),
        ("MUSTER_DATABASE_URL", db_url.clone()),
        ("MUSTER_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
        ("MUSTER_DNS_NAMESERVERS", format!("127.0.0.1:{}", dns.port)),
        ("MUSTER_WORKER_TICK_MS", "100".into()),
        ("MUSTER_JOB_LEASE_SECONDS", "2".into()),
        ("MUSTER_SPA_DIR", dir.path().join("no-spa").display().to_string()),
        ("MUSTER_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let http = reqwest::Client::new();
    let mut server = start(&envs);
    ready(&http, &base).await;

    // A verified enterprise, through the API.
    let Claimed { domain: d, session, enterprise_id: eid, verification_token: vtoken } =
        claim_through_api(&http, &base, &smtp).await;
    let post = |path: &str, body: Value, token: Option<&str>| {
        let mut r = http.post(format!("{base}{path}")).json(&body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send()
    };
    dns.set(&[Dns::txt(&format!("_muster-challenge.{d}"), &format!("muster-verification={vtoken}"))]);
    let v: Value = post(&format!("/api/v1/enterprises/{eid}/domain/verify"), json!({}), Some(&session))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["verified"], true, "{v}");

    // A large import, killed while it runs.
    let rows = 100_000;
    let mut csv = String::from("email,first_name,department\n");
    for i in 0..rows {
        csv.push_str(&format!("person{i}@{d},Person {i},Dept {}\n", i % 40));
    }
    let job: Value = http
        .post(format!("{base}/api/v1/enterprises/{eid}/imports?send_invitations=false"))
        .bearer_auth(&session)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let job_id = job["id"].as_str().expect("the import was queued").to_string();
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new().max_connections(2).connect(&db_url).await.unwrap();
    for _ in 0..400 {
        if status(&pool, &job_id).await == "running" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status(&pool, &job_id).await, "running");
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    assert_eq!(status(&pool, &job_id).await, "running", "killed before it finished");
    assert_eq!(
        scalar(&pool, "SELECT COUNT(*) FROM members WHERE enterprise_id = $1", &eid).await,
        1,
        "no member written"
    );
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM invitations WHERE enterprise_id = $1", &eid).await, 0);
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM job_results WHERE job_id = $1", &job_id).await, 0);

    // Restarted, the server takes the job over once its lease has run out, and finishes it.
    let _server = start(&envs);
    for _ in 0..1200 {
        if status(&pool, &job_id).await == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status(&pool, &job_id).await, "succeeded");
    assert_eq!(scalar(&pool, "SELECT COUNT(*) FROM members WHERE enterprise_id = $1", &eid).await, 1 + rows);
    assert_eq!(scalar(&pool, "SELECT attempts FROM jobs WHERE id = $1", &job_id).await, 2);
    pool.close().await;
}
