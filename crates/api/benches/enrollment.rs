//! `just bench` (enrollment): Import of 1,000,000 generated rows on SQLite
//! (apply with `send_invitations=false`, and a dry run) against a raw SQLite
//! insert of the same rows measured in the same run; the server's peak RSS;
//! the Users list at 100,000 members under wrk at about 2,000 requests/s; and one
//! request inviting 10,000 addresses, until the SMTP sink has every mail.
//! The server is the release `muster` binary on loopback, with the project's
//! own SMTP sink and dnsmasq.

mod common;

use std::{
    path::Path,
    process::Command,
    time::{Duration, Instant},
};

use common::{peak_rss_mb, services, wait_job};
use serde_json::{json, Value};
use sqlx::any::AnyPoolOptions;

fn rows() -> usize {
    std::env::var("MUSTER_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

struct Wrk {
    rate: f64,
    p50: f64,
    p99: f64,
    errors: u64,
}

/// Runs wrk for 10 s with a Lua script that paces each connection and, when
/// `numbered` > 1, appends a random number and `suffix` to the path.
fn wrk(dir: &Path, base: &str, path: &str, auth: Option<(&str, &str)>, numbered: usize) -> Wrk {
    let (header, suffix) = match auth {
        Some((token, suffix)) => (format!("wrk.headers[\"Authorization\"] = \"Bearer {token}\""), suffix),
        None => (String::new(), ""),
    };
    let script = format!(
        "{header}\nrequest = function()\n  local p = \"{path}\"\n  if {numbered} > 1 then p = p .. math.random(0, {numbered} - 1) .. \"{suffix}\" end\n  return wrk.format(\"GET\", p)\nend\ndelay = function() return 10 end\n\
         done = function(summary, latency, requests)\n  io.write(string.format(\"errors %d\\n\", summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\nend\n"
    );
    let file = dir.join("pace.lua");
    std::fs::write(&file, script).unwrap();
    let out = Command::new("wrk")
        .args(["-t2", "-c20", "-d10s", "--latency", "-s"])
        .arg(&file)
        .arg(base)
        .output()
        .expect("wrk is installed (scripts/install-tools.sh)");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let ms = |v: &str| -> f64 {
        let (num, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
        let n: f64 = num.parse().unwrap_or(f64::NAN);
        match unit {
            "us" => n / 1000.0,
            "ms" => n,
            "s" => n * 1000.0,
            "m" => n * 60_000.0,
            _ => f64::NAN,
        }
    };
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|r| r.split_whitespace().next().unwrap_or("").to_string()))
    };
    Wrk {
        rate: field("Requests/sec:").and_then(|v| v.parse().ok()).unwrap_or(0.0),
        p50: field("50%").map(|v| ms(&v)).unwrap_or(f64::NAN),
        p99: field("99%").map(|v| ms(&v)).unwrap_or(f64::NAN),
        errors: field("errors").and_then(|v| v.parse().ok()).unwrap_or(0),
    }
}

fn csv_rows(domain: &str, n: usize, offset: usize) -> Vec<u8> {
    let mut csv = String::with_capacity(n * 80);
    csv.push_str("email,first_name,last_name,department,phone,job_title\n");
    for i in offset..offset + n {
        csv.push_str(&format!("person{i}@{domain},Given{i},Family{i},Dept {},+1 555 {:07},Engineer\n", i % 50, i));
    }
    csv.into_bytes()
}

/// The same rows written as plainly as SQLite allows: one transaction, multi-row inserts.
async fn raw_insert(path: &Path, domain: &str, n: usize) -> f64 {
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|c, _| {
            Box::pin(async move {
                sqlx::Executor::execute(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;").await?;
                Ok(())
            })
        })
        .connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    sqlx::query("CREATE TABLE people (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, first_name TEXT, last_name TEXT, department TEXT, phone TEXT, job_title TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    let started = Instant::now();
    let mut tx = pool.begin().await.unwrap();
    let per = 32766 / 7;
    for chunk_start in (0..n).step_by(per) {
        let end = (chunk_start + per).min(n);
        let marks = vec!["(?, ?, ?, ?, ?, ?, ?)"; end - chunk_start].join(", ");
        let sql = format!("INSERT INTO people VALUES {marks}");
        let mut q = sqlx::query(&sql);
        for i in chunk_start..end {
            q = q
                .bind(format!("{i:016x}"))
                .bind(format!("person{i}@{domain}"))
                .bind(format!("Given{i}"))
                .bind(format!("Family{i}"))
                .bind(format!("Dept {}", i % 50))
                .bind(format!("+1 555 {i:07}"))
                .bind("Engineer");
        }
        q.execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();
    n as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let n = rows();
    let dir = tempfile::tempdir().unwrap();
    let vars = services(&dir.path().join("services"), &["smtp", "dns"]);
    let srv = common::start_server(dir.path(), vars).await;
    let (base, pid, pool, http, maildir) =
        (srv.base.clone(), srv.pid, srv.pool.clone(), srv.http.clone(), srv.maildir.clone());
    println!("Muster enrollment benchmark ({n} rows; release build; SQLite)");
    let raw = raw_insert(&dir.path().join("raw.db"), "raw.test", n).await;
    println!("  raw SQLite insert (baseline)            {raw:>10.0} rows/s   1.00×");

    let (eid, session) = srv.admin("import.test").await;
    let file = csv_rows("import.test", n, 0);
    let mb = file.len() as f64 / 1e6;
    let upload = |query: &'static str, body: Vec<u8>| {
        let (http, base, eid, session) = (http.clone(), base.clone(), eid.clone(), session.clone());
        async move {
            let r: Value = http
                .post(format!("{base}/api/v1/enterprises/{eid}/imports{query}"))
                .bearer_auth(&session)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            r["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string()
        }
    };
    let job = upload("?dry_run=true", file.clone()).await;
    let (status, ms) = wait_job(&pool, &job).await;
    let dry = n as f64 / (ms as f64 / 1000.0);
    println!("  import dry run ({mb:.0} MB CSV)              {dry:>10.0} rows/s   {:.2}× raw  [{status}]", dry / raw);
    let job = upload("?send_invitations=false", file).await;
    let (status, ms) = wait_job(&pool, &job).await;
    let apply = n as f64 / (ms as f64 / 1000.0);
    println!(
        "  import apply, send_invitations=false    {apply:>10.0} rows/s   {:.2}× raw  ({:.2}× slower) [{status}]",
        apply / raw,
        raw / apply
    );
    println!("  server peak RSS after both imports      {:>10.0} MB", peak_rss_mb(pid));

    // Users list at 100,000 members, 50 a page.
    let (users_e, users_s) = srv.admin("users.test").await;
    let members = 100_000.min(n);
    let body = csv_rows("users.test", members, 0);
    let r: Value = http
        .post(format!("{base}/api/v1/enterprises/{users_e}/imports?send_invitations=false"))
        .bearer_auth(&users_s)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    wait_job(&pool, r["id"].as_str().unwrap()).await;
    // wrk on loopback, 20 connections each pausing 10 ms between requests
    // (≈ 2,000 requests/s), every request a page at a random depth; the same
    // load on /healthz is the baseline.
    let health = wrk(dir.path(), &base, "/healthz", None, 1);
    let users = wrk(
        dir.path(),
        &base,
        &format!("/api/v1/enterprises/{users_e}/users?limit=50&cursor=person"),
        Some((&users_s, "@users.test")),
        members,
    );
    println!(
        "  GET /healthz under wrk (baseline)       {:>7.0} req/s  p50 {:.2} ms  p99 {:.2} ms",
        health.rate, health.p50, health.p99
    );
    println!(
        "  users list, {members} members, 50 a page  {:>7.0} req/s  p50 {:.2} ms  p99 {:.2} ms  ({:.1}× the baseline p99, {} errors)",
        users.rate,
        users.p50,
        users.p99,
        users.p99 / health.p99,
        users.errors
    );

    // One request inviting 10,000 addresses, then until the SMTP sink has every mail.
    let (inv_e, inv_s) = srv.admin("invite.test").await;
    let before = std::fs::read_dir(&maildir).unwrap().count();
    let emails: Vec<String> = (0..10_000).map(|i| format!("guest{i}@invite.test")).collect();
    let started = Instant::now();
    let r = http
        .post(format!("{base}/api/v1/enterprises/{inv_e}/invitations"))
        .bearer_auth(&inv_s)
        .json(&json!({"emails": emails}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let response = started.elapsed();
    while std::fs::read_dir(&maildir).unwrap().count() < before + 10_000 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "  invite 10,000 in one request            {:>10.0} ms response, {:.1} s until the SMTP sink had every mail",
        response.as_secs_f64() * 1000.0,
        started.elapsed().as_secs_f64()
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/down.sh");
    Command::new("bash").arg(script).arg(dir.path().join("services")).status().unwrap();
}
