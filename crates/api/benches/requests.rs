//! `just bench`: throughput of the API's hot paths, as ratios against a
//! baseline measured in the same run on the same machine (`GET /healthz`,
//! which touches no database), so figures compare across machines.
//! Starts the real app on port 0 (SQLite; PostgreSQL too when
//! `MUSTER_TEST_POSTGRES_URL` is set) and drives it over loopback HTTP.

mod common;

use std::{sync::Arc, time::Instant};

use serde_json::json;

use common::PASSWORD;
const CONCURRENCY: usize = 8;

struct Figure {
    name: &'static str,
    per_second: f64,
}

async fn throughput(
    name: &'static str,
    total: usize,
    request: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>,
) -> Figure {
    let started = Instant::now();
    let per_task = total / CONCURRENCY;
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    let r = request().send().await.expect("request sent");
                    assert!(r.status().is_success(), "{name}: {}", r.status());
                    r.bytes().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    Figure { name, per_second: (per_task * CONCURRENCY) as f64 / started.elapsed().as_secs_f64() }
}

async fn run(label: &str, database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (base, state) = common::in_process(dir.path(), database_url, |_| {}).await;
    let http = reqwest::Client::new();

    // One active account with a session, straight from the store's view of it.
    let email = "bench@bench.test";
    http.post(format!("{base}/api/v1/accounts"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    sqlx::query("UPDATE accounts SET status = 'active', email_verified = 1").execute(&state.db.pool).await.unwrap();
    let login = || http.post(format!("{base}/api/v1/sessions")).json(&json!({"email": email, "password": PASSWORD}));
    let token: serde_json::Value = login().send().await.unwrap().json().await.unwrap();
    let token = token["token"].as_str().unwrap().to_string();

    let figures = vec![
        throughput("GET /healthz (baseline, no database)", 4000, {
            let (http, base) = (http.clone(), base.clone());
            Arc::new(move || http.get(format!("{base}/healthz")))
        })
        .await,
        throughput("GET /api/v1/me (JWT + session row + slide)", 4000, {
            let (http, base, token) = (http.clone(), base.clone(), token.clone());
            Arc::new(move || http.get(format!("{base}/api/v1/me")).bearer_auth(&token))
        })
        .await,
        throughput("POST /api/v1/sessions (argon2id verify)", 160, {
            let (http, base) = (http.clone(), base.clone());
            Arc::new(move || {
                http.post(format!("{base}/api/v1/sessions")).json(&json!({"email": email, "password": PASSWORD}))
            })
        })
        .await,
    ];
    let baseline = figures[0].per_second;
    println!("\n{label}");
    for f in &figures {
        println!("  {:<46} {:>9.0} req/s   {:>6.3}× baseline", f.name, f.per_second, f.per_second / baseline);
    }
}

#[tokio::main]
async fn main() {
    println!("Muster request throughput, {CONCURRENCY} concurrent clients over loopback");
    run("SQLite", None).await;
    if let Ok(admin) = std::env::var("MUSTER_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
        sqlx::query("DROP DATABASE IF EXISTS muster_bench").execute(&mut conn).await.unwrap();
        sqlx::query("CREATE DATABASE muster_bench").execute(&mut conn).await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        run("PostgreSQL", Some(format!("{base}/muster_bench"))).await;
    }
}
