//! `just bench` (enrollment): Import of 1,000,000 generated rows on SQLite
//! (apply with `send_invitations=false`, and a dry run) against a raw SQLite
//! insert of the same rows measured in the same run; the server's peak RSS;
//! the Users list at 100,000 members under a fixed 2,000 requests/s; and one
//! request inviting 10,000 addresses, until the SMTP sink has every mail.
//! The server is the release `muster` binary on loopback, with the project's
//! own SMTP sink and dnsmasq.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::{json, Value};
use sqlx::{any::AnyPoolOptions, AnyPool};

const PASSWORD: &str = "Tr0ub4dor-and-horses";

fn rows() -> usize {
    std::env::var("MUSTER_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000)
}

fn services(run: &Path, which: &[&str]) -> Vec<(String, String)> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/up.sh");
    let ok = Command::new("bash").arg(script).arg(run).args(which).stdout(Stdio::null()).status().unwrap();
    assert!(ok.success(), "test services did not start");
    std::fs::read_to_string(run.join("env"))
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect()
}

fn env<'a>(vars: &'a [(String, String)], key: &str) -> &'a str {
    &vars.iter().find(|(k, _)| k == key).unwrap().1
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

async fn wait_job(pool: &AnyPool, id: &str) -> (String, i64) {
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
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let db_path = dir.path().join("data/muster.db");
    let child = Command::new(env!("CARGO_BIN_EXE_muster"))
        .arg("serve")
        .env("MUSTER_BIND", format!("127.0.0.1:{port}"))
        .env("MUSTER_DATA_DIR", dir.path().join("data"))
        .env("MUSTER_SMTP_URL", format!("smtp://127.0.0.1:{}", env(&vars, "MUSTER_TEST_SMTP_PORT")))
        .env("MUSTER_DNS_NAMESERVERS", format!("127.0.0.1:{}", env(&vars, "MUSTER_TEST_DNS_PORT")))
        .env("MUSTER_WORKER_TICK_MS", "100")
        .env("MUSTER_MAX_UPLOAD_BYTES", (512u64 << 20).to_string())
        .env("MUSTER_LOG", "warn")
        .env("MUSTER_SPA_DIR", dir.path().join("no-spa"))
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

    // One verified enterprise per measurement that needs a clean domain.
    let maildir = Path::new(env(&vars, "MUSTER_TEST_MAILDIR")).join("new");
    let admin = |domain: String| {
        let (http, base, maildir, vars, run) =
            (http.clone(), base.clone(), maildir.clone(), vars.clone(), dir.path().join("services"));
        async move {
            let email = format!("pma@{domain}");
            http.post(format!("{base}/api/v1/accounts"))
                .json(&json!({"email": email, "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            let token = loop {
                let found = std::fs::read_dir(&maildir)
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
            http.post(format!("{base}/api/v1/accounts/activate")).json(&json!({"token": token})).send().await.unwrap();
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
            std::fs::write(env(&vars, "MUSTER_TEST_DNS_RECORDS"), record).unwrap();
            let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/dnsmasq.sh");
            Command::new("bash")
                .arg(script)
                .args([
                    "restart",
                    run.to_str().unwrap(),
                    env(&vars, "MUSTER_TEST_DNS_PORT"),
                    env(&vars, "MUSTER_TEST_DNS_RECORDS"),
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
    };

    println!("Muster enrollment benchmark ({n} rows; release build; SQLite)");
    let raw = raw_insert(&dir.path().join("raw.db"), "raw.test", n).await;
    println!("  raw SQLite insert (baseline)            {raw:>10.0} rows/s   1.00×");

    let (eid, session) = admin("import.test".into()).await;
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

    // Users list at 100,000 members, 50 a page, at a fixed 2,000 requests/s for 5 s.
    let (users_e, users_s) = admin("users.test".into()).await;
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
    let rate = 2000u64;
    let total = rate * 5;
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let due = started + Duration::from_micros(i * 1_000_000 / rate);
        tokio::time::sleep_until(due.into()).await;
        let (http, url, s) = (
            http.clone(),
            format!(
                "{base}/api/v1/enterprises/{users_e}/users?limit=50&cursor=person{}@users.test",
                (i * 7919) % members as u64
            ),
            users_s.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let r = http.get(url).bearer_auth(s).send().await.ok()?;
            if !r.status().is_success() {
                return None;
            }
            r.bytes().await.ok()?;
            Some(t.elapsed())
        }));
    }
    let mut lat: Vec<Duration> = Vec::with_capacity(tasks.len());
    let mut failed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Some(d) => lat.push(d),
            None => failed += 1,
        }
    }
    lat.sort();
    let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    println!(
        "  users list, {members} members, 2,000 req/s  p50 {:.2} ms   p99 {:.2} ms   ({failed} of {total} failed)",
        p(0.50),
        p(0.99)
    );

    // One request inviting 10,000 addresses, then until the SMTP sink has every mail.
    let (inv_e, inv_s) = admin("invite.test".into()).await;
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
