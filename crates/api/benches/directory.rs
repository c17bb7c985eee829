//! `just bench` (directory): a full Directory Sync of 100,000 users from the
//! project's own slapd (loaded with `slapadd -q`), against a raw paged
//! `ldapsearch` of the same entries and attributes measured in the same run;
//! then a re-sync with nothing changed; and the server's peak RSS. The
//! server is the release `muster` binary on SQLite.

mod common;

use std::{
    io::Write,
    process::{Command, Stdio},
    time::Instant,
};

use common::{peak_rss_mb, services, wait_job};
use serde_json::{json, Value};

const SUFFIX: &str = "dc=example,dc=test";
const PAGE: u32 = 1000;

fn users() -> usize {
    std::env::var("MUSTER_BENCH_USERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000)
}

fn ldif(domain: &str, n: usize) -> String {
    let mut out = String::with_capacity(n * 260);
    for ou in ["People", "Groups"] {
        out.push_str(&format!("dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n\n"));
    }
    let group = format!("cn=Everyone,ou=Groups,{SUFFIX}");
    for i in 0..n {
        out.push_str(&format!(
            "dn: uid=user{i},ou=People,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: user{i}\ncn: Given{i} Family{i}\n\
             givenName: Given{i}\nsn: Family{i}\nmail: user{i}@{domain}\ndepartmentNumber: Dept {}\n\
             telephoneNumber: +1 555 {i:07}\ntitle: Engineer\nmemberOf: {group}\n\n",
            i % 50
        ));
    }
    out.push_str(&format!("dn: {group}\nobjectClass: groupOfNames\ncn: Everyone\n"));
    for i in 0..n {
        out.push_str(&format!("member: uid=user{i},ou=People,{SUFFIX}\n"));
    }
    out
}

#[tokio::main]
async fn main() {
    sqlx::any::install_default_drivers();
    let n = users();
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("services");
    let vars = services(&run, &["smtp", "dns"]);
    let domain = "directory.test";

    let data = dir.path().join("users.ldif");
    std::fs::File::create(&data).unwrap().write_all(ldif(domain, n).as_bytes()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/slapd.sh");
    let loaded = Instant::now();
    let ok = Command::new("bash")
        .arg(&script)
        .args(["start", run.to_str().unwrap(), &port.to_string(), data.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(ok.success(), "slapd did not start");
    let url = format!("ldap://127.0.0.1:{port}");
    println!(
        "Muster directory sync benchmark ({n} users; release build; SQLite; slapd loaded in {:.1} s)",
        loaded.elapsed().as_secs_f64()
    );

    // Baseline: the same paged search with the same attributes, by OpenLDAP's own client.
    let attrs =
        ["entryUUID", "mail", "uid", "givenName", "sn", "departmentNumber", "telephoneNumber", "title", "memberOf"];
    let started = Instant::now();
    let out = Command::new("ldapsearch")
        .args(["-x", "-LLL", "-H", &url, "-D", &format!("cn=admin,{SUFFIX}"), "-w", "admin-secret"])
        .args([
            "-b",
            &format!("ou=People,{SUFFIX}"),
            "-E",
            &format!("pr={PAGE}/noprompt"),
            "(objectClass=inetOrgPerson)",
        ])
        .args(attrs)
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let raw = started.elapsed().as_secs_f64();
    let entries = String::from_utf8_lossy(&out.stdout).matches("\ndn: ").count() + 1;
    assert!(entries >= n, "ldapsearch returned {entries} entries");
    println!("  raw paged ldapsearch (baseline)         {raw:>8.2} s   1.00×   ({:.0} entries/s)", n as f64 / raw);

    let srv = common::start_server(dir.path(), vars).await;
    let (eid, token) = srv.admin(domain).await;
    let config = json!({
        "url": url, "bind_dn": format!("cn=admin,{SUFFIX}"), "bind_password": "admin-secret", "base_dn": SUFFIX,
        "preset": "openldap", "page_size": PAGE, "organizational_units": [format!("ou=People,{SUFFIX}")],
        "groups": [format!("cn=Everyone,ou=Groups,{SUFFIX}")], "send_invitations": false, "timeout_seconds": 120,
    });
    let r = srv
        .http
        .put(format!("{}/api/v1/enterprises/{eid}/directory-sync", srv.base))
        .bearer_auth(&token)
        .json(&config)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());

    let sync = |label: &'static str| {
        let (http, base, eid, token, pool) =
            (srv.http.clone(), srv.base.clone(), eid.clone(), token.clone(), srv.pool.clone());
        async move {
            let r: Value = http
                .post(format!("{base}/api/v1/enterprises/{eid}/directory-sync/runs"))
                .bearer_auth(&token)
                .json(&json!({"dry_run": false}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = r["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_string();
            let (status, ms) = wait_job(&pool, &id).await;
            let run: Value = http
                .get(format!("{base}/api/v1/enterprises/{eid}/directory-sync/runs/{id}?limit=1"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(status, "succeeded", "{label}: {run}");
            println!("    {label}: {}", run["timings"]);
            (ms as f64 / 1000.0, run["counts"].clone())
        }
    };
    let (full, counts) = sync("full sync").await;
    println!(
        "  full sync (created {}, list of {})      {full:>8.2} s   {:.2}×   ({:.0} users/s)",
        counts["created"],
        n,
        full / raw,
        n as f64 / full
    );
    let (again, counts) = sync("re-sync").await;
    assert_eq!(counts["unchanged"], json!(n), "{counts}");
    println!(
        "  re-sync, nothing changed                {again:>8.2} s   {:.2}×   ({:.0} users/s)",
        again / raw,
        n as f64 / again
    );
    println!("  server peak RSS                         {:>8.0} MB", peak_rss_mb(srv.pid));
    println!("  (goals: full sync ≤ 2× and re-sync ≤ 1.2× the raw ldapsearch)");

    Command::new("bash").arg(&script).args(["stop", run.to_str().unwrap()]).status().unwrap();
    let down = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/down.sh");
    Command::new("bash").arg(down).arg(&run).status().unwrap();
}
