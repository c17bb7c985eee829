//! `just bench-scim`: SCIM as Entra drives it, one request at a time (its
//! provisioning runs at roughly 12–100 objects a minute; Muster must never be
//! the bottleneck). Creates 10,000 users, then lists them all with
//! `count=100`, and looks them up by `userName eq` as Entra does before every
//! create; each as requests/s and as a ratio against `GET /healthz` under the
//! same one-at-a-time client in the same run. SQLite, and PostgreSQL when
//! `MUSTER_TEST_POSTGRES_URL` is set.

mod common;

use std::time::Instant;

use serde_json::{json, Value};

use common::PASSWORD;
const USERS: usize = 10_000;
const DOMAIN: &str = "scim-bench.test";

async fn timed<F, Fut, T>(n: usize, mut one: F) -> f64
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let started = Instant::now();
    for i in 0..n {
        one(i).await;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

async fn ok(r: reqwest::RequestBuilder) -> Value {
    let r = r.send().await.expect("request sent");
    let status = r.status();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn run(label: &str, database_url: Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (base, state) =
        common::in_process(dir.path(), database_url, |c| c.token_requests_per_minute = 10_000_000).await;
    let http = reqwest::Client::new();

    // The PMA of a verified enterprise (the domain check itself is not what is measured).
    let email = format!("pma@{DOMAIN}");
    ok(http.post(format!("{base}/api/v1/accounts")).json(&json!({"email": email, "password": PASSWORD}))).await;
    sqlx::query("UPDATE accounts SET status = 'active', email_verified = 1").execute(&state.db.pool).await.unwrap();
    let session = ok(http.post(format!("{base}/api/v1/sessions")).json(&json!({"email": email, "password": PASSWORD})))
        .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    ok(http
        .post(format!("{base}/api/v1/sessions/current/elevate"))
        .bearer_auth(&session)
        .json(&json!({"password": PASSWORD})))
    .await;
    let e = ok(http.post(format!("{base}/api/v1/enterprises")).bearer_auth(&session).json(&json!({}))).await;
    let id = e["id"].as_str().unwrap().to_string();
    sqlx::query("UPDATE enterprises SET domain_status = 'verified', plan = 'premium' WHERE id = $1")
        .bind(&id)
        .execute(&state.db.pool)
        .await
        .unwrap();
    let path = format!("{base}/api/v1/enterprises/{id}");
    let token = ok(http
        .post(format!("{path}/api-tokens"))
        .bearer_auth(&session)
        .json(&json!({"name": "Entra", "scopes": ["scim"]})))
    .await["token"]
        .as_str()
        .unwrap()
        .to_string();
    // Staged, not mailed: the mail worker is not what is measured.
    ok(http.put(format!("{path}/scim-settings")).bearer_auth(&session).json(&json!({"send_invitations": false}))).await;
    let scim = format!("{base}/scim/v2");

    let healthz = timed(2000, |_| ok(http.get(format!("{base}/healthz")))).await;
    let create = timed(USERS, |i| {
        let body = json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("user{i:05}@{DOMAIN}"),
            "externalId": format!("ext-{i}"),
            "name": {"givenName": "Bench", "familyName": format!("User {i}")},
            "title": "Engineer",
            "active": true,
        });
        ok(http
            .post(format!("{scim}/Users"))
            .bearer_auth(&token)
            .header("content-type", "application/scim+json")
            .body(body.to_string()))
    })
    .await;
    let pages = USERS.div_ceil(100) + 1;
    let mut listed = 0;
    let list_started = Instant::now();
    for page in 0..pages {
        let r = ok(http.get(format!("{scim}/Users?startIndex={}&count=100", page * 100 + 1)).bearer_auth(&token)).await;
        listed += r["Resources"].as_array().unwrap().len();
    }
    let list = pages as f64 / list_started.elapsed().as_secs_f64();
    assert_eq!(listed, USERS + 1, "every user listed once (and the PMA)");
    let lookup = timed(2000, |i| {
        let filter = format!("userName eq \"user{:05}@{DOMAIN}\"", (i * 7) % USERS);
        let q: String = url::form_urlencoded::byte_serialize(filter.as_bytes()).collect();
        ok(http.get(format!("{scim}/Users?filter={q}")).bearer_auth(&token))
    })
    .await;

    println!("\n{label} ({USERS} users, one request at a time)");
    let row = |name: &str, rate: f64| println!("  {name:<44} {rate:>8.0} req/s   {:>6.3}× baseline", rate / healthz);
    row("GET /healthz (baseline)", healthz);
    row("POST /scim/v2/Users", create);
    row("GET /scim/v2/Users?startIndex=…&count=100", list);
    row("GET /scim/v2/Users?filter=userName eq …", lookup);
    println!(
        "  creates: {:.0} users/min (Entra provisions ≈12–100 objects/min); listing: {:.0} users/s",
        create * 60.0,
        list * 100.0
    );
}

#[tokio::main]
async fn main() {
    println!("Muster SCIM throughput, one client, one request at a time, over loopback");
    run("SQLite", None).await;
    if let Ok(admin) = std::env::var("MUSTER_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&admin).await.unwrap();
        sqlx::query("DROP DATABASE IF EXISTS muster_bench_scim").execute(&mut conn).await.unwrap();
        sqlx::query("CREATE DATABASE muster_bench_scim").execute(&mut conn).await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        run("PostgreSQL", Some(format!("{base}/muster_bench_scim"))).await;
    }
}
