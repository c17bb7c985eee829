//! Where Muster may connect: the directory URL as a port scanner (loopback,
//! cloud metadata, the operator's allowlist, per-enterprise probe limits, a
//! directory that streams without end) and the meta-tag fetch's SSRF guard
//! (IDN hosts pinned, redirects that change port or scheme).

use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc,
};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    directory::{config, configure, directory_ldif, sync, Directory},
    enrollment::verified_admin,
    helpers::{spawn_app_with, Admin},
};
use muster_api::integrations::{netguard::Allowlist, web::Fetched};

fn base(admin: &Admin) -> String {
    format!("/api/v1/enterprises/{}/directory-sync", admin.enterprise_id)
}

/// A TCP listener that counts the connections it gets (none may arrive).
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((_sock, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, hits)
}

#[tokio::test]
async fn a_tenant_cannot_point_the_directory_at_loopback_or_cloud_metadata() {
    // No allowlist: the default of a single company's install.
    let app = spawn_app_with(|c| c.ldap_allowed_networks = None).await;
    let admin = verified_admin(&app).await;
    let (port, hits) = counting_listener().await;
    for url in [
        format!("ldap://127.0.0.1:{port}"),
        "ldap://169.254.169.254".to_string(),
        format!("ldap://[::ffff:127.0.0.1]:{port}"),
        format!("ldaps://[64:ff9b::7f00:1]:{port}"),
    ] {
        let mut body = json!({"url": url, "bind_dn": "cn=x,dc=example,dc=test", "bind_password": "x",
                              "base_dn": "dc=example,dc=test"});
        app.send_put(&base(&admin), &body, Some(&admin.token)).await.problem(422, "address_not_allowed");
        let r = app.post(&format!("{}/test", base(&admin)), body.take(), Some(&admin.token)).await;
        r.problem(422, "address_not_allowed");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a packet went to a refused address");
}

#[tokio::test]
async fn with_an_allowlist_nothing_outside_it_is_reached() {
    let app = spawn_app_with(|c| c.ldap_allowed_networks = Some(Allowlist::parse("10.0.0.0/8").unwrap())).await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 3, 0));
    // A real directory that would answer, but on loopback.
    let r = app.send_put(&base(&admin), &config(&dir), Some(&admin.token)).await;
    r.problem(422, "address_not_allowed");
    assert!(r.text.contains("MUSTER_LDAP_ALLOWED_NETWORKS"), "{}", r.text);
    let r = app.post(&format!("{}/test", base(&admin)), config(&dir), Some(&admin.token)).await;
    r.problem(422, "address_not_allowed");
}

#[tokio::test]
async fn test_and_browse_are_rate_limited_per_enterprise() {
    let app = spawn_app_with(|c| c.directory_probe_per_minute = 2).await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 3, 0));
    configure(&app, &admin, &config(&dir)).await;
    for _ in 0..2 {
        app.post(&format!("{}/test", base(&admin)), Value::Null, Some(&admin.token)).await.ok(200);
    }
    app.post(&format!("{}/test", base(&admin)), Value::Null, Some(&admin.token)).await.problem(429, "rate_limited");
    app.get(&format!("{}/browse", base(&admin)), Some(&admin.token)).await.problem(429, "rate_limited");
    // Another enterprise is not held back by this one.
    let other = verified_admin(&app).await;
    let dir2 = Directory::start(&directory_ldif(&other.domain, 2, 0));
    app.post(&format!("{}/test", base(&other)), config(&dir2), Some(&other.token)).await.ok(200);
}

#[tokio::test]
async fn a_directory_that_returns_more_than_the_limit_fails_the_run_and_changes_nothing() {
    let app = spawn_app_with(|c| c.ldap_max_entries = 5).await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 12, 0));
    configure(&app, &admin, &config(&dir)).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(run["error"].as_str().unwrap().contains("more than 5 entries"), "{run}");
    assert_eq!(app.count("members").await, 1, "only the PMA");
}

/// An HTTP server on loopback answering every request with `reply(port)`.
async fn http_server(reply: impl Fn(u16) -> String + Send + Sync + 'static) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf).await;
            let _ = sock.write_all(reply(port).as_bytes()).await;
        }
    });
    port
}

fn page(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn an_idn_domain_is_fetched_from_the_checked_address() {
    let port = http_server(|_| page("<meta name=\"muster-verification\" content=\"tok\">")).await;
    let app = spawn_app_with(move |c| {
        c.allow_private_fetch = true;
        c.meta_fetch_port = Some(port);
    })
    .await;
    // Only our DNS server knows the name: a second resolution (by the system) would fail.
    app.dns.set(&["address=/xn--bcher-kva.test/127.0.0.1".to_string()]);
    match app.state.fetcher.fetch_home("bücher.test").await {
        Fetched::Page { url, body, .. } => {
            assert!(url.contains("xn--bcher-kva.test"), "{url}");
            assert!(body.contains("muster-verification"));
        }
        other => panic!("the pinned address was not used: {other:?}"),
    }
    // Without the opt-in the same name is refused as loopback, judged by its A-label's address.
    let strict = spawn_app_with(move |c| c.meta_fetch_port = Some(port)).await;
    strict.dns.set(&["address=/xn--bcher-kva.test/127.0.0.1".to_string()]);
    match strict.state.fetcher.fetch_home("bücher.test").await {
        Fetched::Refused(why) => assert!(why.contains("loopback"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_redirect_to_another_port_or_scheme_is_refused() {
    let other = http_server(|_| page("<meta name=\"muster-verification\" content=\"tok\">")).await;
    let port = http_server(move |_| {
        format!("HTTP/1.1 302 Found\r\nLocation: http://redirect.test:{other}/\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    })
    .await;
    let app = spawn_app_with(move |c| {
        c.allow_private_fetch = true;
        c.meta_fetch_port = Some(port);
    })
    .await;
    app.dns.set(&["address=/redirect.test/127.0.0.1".to_string()]);
    match app.state.fetcher.fetch_home("redirect.test").await {
        Fetched::Failed(why) => assert!(why.contains("another scheme or port"), "{why}"),
        other => panic!("the redirect to port {other:?} was followed"),
    }
}

/// A process with `HTTP_PROXY`/`HTTPS_PROXY` in its environment (as many
/// hosts have): the meta-tag fetch must still go to the checked address, not
/// hand the name to the proxy to resolve.
#[tokio::test]
async fn a_proxy_in_the_environment_does_not_see_the_meta_tag_fetch() {
    use crate::helpers::{database_url, free_port, Dns, Smtp};
    let dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(dir.path().join("smtp"));
    let dns = Dns::start(dir.path().join("dns"));
    let (proxy_port, proxy_hits) = counting_listener().await;
    let token_cell = Arc::new(std::sync::Mutex::new(String::new()));
    let page_port = {
        let cell = token_cell.clone();
        http_server(move |_| page(&format!("<meta name=\"muster-verification\" content=\"{}\">", cell.lock().unwrap())))
            .await
    };
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let proxy = format!("http://127.0.0.1:{proxy_port}");
    let envs: Vec<(String, String)> = [
        ("MUSTER_BIND", format!("127.0.0.1:{port}")),
        ("MUSTER_DATA_DIR", dir.path().join("data").display().to_string()),
        ("MUSTER_DATABASE_URL", database_url(dir.path()).await),
        ("MUSTER_SMTP_URL", format!("smtp://127.0.0.1:{}", smtp.port)),
        ("MUSTER_DNS_NAMESERVERS", format!("127.0.0.1:{}", dns.port)),
        ("MUSTER_ALLOW_PRIVATE_FETCH", "true".into()),
        ("MUSTER_META_FETCH_PORT", page_port.to_string()),
        ("MUSTER_WORKER_TICK_MS", "100".into()),
        ("MUSTER_SPA_DIR", dir.path().join("no-spa").display().to_string()),
        ("MUSTER_LOG", "warn".into()),
        ("HTTP_PROXY", proxy.clone()),
        ("HTTPS_PROXY", proxy.clone()),
        ("http_proxy", proxy.clone()),
        ("https_proxy", proxy),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let _server = crate::crash::start(&envs);
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    crate::crash::ready(&http, &base).await;
    let claimed = crate::crash::claim_through_api(&http, &base, &smtp).await;
    *token_cell.lock().unwrap() = claimed.verification_token.clone();
    let d = &claimed.domain;
    dns.set(&[format!("address=/{d}/127.0.0.1")]);
    let path = format!("{base}/api/v1/enterprises/{}/domain/verify", claimed.enterprise_id);
    let verify = http.post(path).bearer_auth(&claimed.session).json(&json!({"method": "meta_tag"}));
    let result: Value = verify.send().await.unwrap().json().await.unwrap();
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(proxy_hits.load(Ordering::SeqCst), 0, "the fetch went through the proxy");
}

#[tokio::test]
async fn an_oversized_entry_stops_the_read() {
    let app = spawn_app_with(|c| c.ldap_max_entry_bytes = 8192).await;
    let admin = verified_admin(&app).await;
    // 300 people: the Engineering group lists 150 members, about 10 KiB.
    let dir = Directory::start(&directory_ldif(&admin.domain, 300, 0));
    configure(&app, &admin, &config(&dir)).await;
    let r = app.get(&format!("{}/browse", base(&admin)), Some(&admin.token)).await;
    r.problem(409, "directory_unavailable");
    assert!(r.text.contains("MUSTER_LDAP_MAX_ENTRY_BYTES"), "{}", r.text);
}
