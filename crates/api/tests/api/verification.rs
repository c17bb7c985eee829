//! Domain verification against a real DNS server (dnsmasq) and a real HTTP
//! page, the background checks after a claim, and daily re-verification.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{domain, spawn_app, spawn_app_with, Admin, Dns, TestApp};

fn verify_path(a: &Admin) -> String {
    format!("/api/v1/enterprises/{}/domain/verify", a.enterprise_id)
}

#[tokio::test]
async fn a_txt_record_at_the_challenge_name_verifies_and_opens_the_console() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    let r = app.verify_by_dns(&admin).await;
    let result = r.ok(200);
    assert_eq!(result["verified"], true);
    assert_eq!(result["domain_status"], "verified");
    let detail = result["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("found at _muster-challenge.{}", admin.domain)), "{detail}");

    let e = app.enterprise(&admin).await;
    assert_eq!(e["domain_status"], "verified");
    assert!(e["verified_at"].is_string());
    assert_eq!(e["last_check"]["verified"], true);
    app.get(
        &format!("/api/v1/enterprises/{}/audit-events?action=domain.verified", admin.enterprise_id),
        Some(&admin.token),
    )
    .await
    .ok(200);
    let mail = app.smtp.wait(&admin.email, "is verified").await;
    assert!(mail.body().contains(&format!("/console/{}/domain", admin.enterprise_id)));
}

#[tokio::test]
async fn a_txt_record_at_the_apex_verifies_too() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    app.dns.set(&[
        Dns::txt(&admin.domain, "v=spf1 -all"),
        Dns::txt(&admin.domain, &format!("muster-verification={}", admin.verification_token)),
    ]);
    let r = app.post(&verify_path(&admin), json!({}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["verified"], true);
}

#[tokio::test]
async fn a_failed_check_says_exactly_what_it_saw_and_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    let r = app.post(&verify_path(&admin), json!({"method": "dns_txt"}), Some(&admin.token)).await;
    let detail = r.ok(200)["checks"][0]["detail"].as_str().unwrap().to_string();
    assert_eq!(r.body["verified"], false);
    assert!(detail.contains(&format!("no TXT record at _muster-challenge.{}", admin.domain)), "{detail}");

    app.dns.set(&[
        Dns::txt(&admin.domain, "v=spf1 -all"),
        Dns::txt(&admin.domain, "google-site-verification=abc"),
        Dns::txt(&format!("_muster-challenge.{}", admin.domain), "muster-verification=someone-elses-token"),
    ]);
    let r = app.post(&verify_path(&admin), json!({"method": "dns_txt"}), Some(&admin.token)).await;
    let detail = r.ok(200)["checks"][0]["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("1 TXT record at _muster-challenge"), "{detail}");
    assert!(detail.contains("a different token"), "{detail}");
    assert!(detail.contains(&format!("2 TXT records at {}, none matches", admin.domain)), "{detail}");
    assert_eq!(app.enterprise(&admin).await["domain_status"], "unverified");

    app.post(&verify_path(&admin), json!({"method": "carrier_pigeon"}), Some(&admin.token))
        .await
        .problem(400, "malformed_json");
}

#[tokio::test]
async fn a_dns_server_that_does_not_answer_is_reported_as_a_timeout() {
    // A UDP socket that never answers stands in for a dead nameserver.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap();
    let app = spawn_app_with(|c| {
        c.dns_nameservers = vec![addr];
        c.dns_timeout = Duration::from_secs(1);
    })
    .await;
    let admin = app.admin(&domain()).await;
    let r = app.post(&verify_path(&admin), json!({"method": "dns_txt"}), Some(&admin.token)).await;
    let detail = r.ok(200)["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("timed out after 1 s"), "{detail}");
}

async fn meta_app(allow_private: bool, page: impl FnOnce(&str) -> String) -> (TestApp, Admin) {
    // The page needs the token, which exists only after the claim: serve it from a cell.
    let cell = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let port = {
        let cell = cell.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let body = cell.lock().unwrap().clone();
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let resp = format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                let _ = sock.write_all(resp.as_bytes()).await;
            }
        });
        port
    };
    let app = spawn_app_with(|c| {
        c.allow_private_fetch = allow_private;
        c.meta_fetch_port = Some(port);
    })
    .await;
    let admin = app.admin(&domain()).await;
    *cell.lock().unwrap() = page(&admin.verification_token);
    app.dns.set(&[format!("address=/{}/127.0.0.1", admin.domain)]);
    (app, admin)
}

async fn check_meta(app: &TestApp, admin: &Admin) -> crate::helpers::Resp {
    app.post(&verify_path(admin), json!({"method": "meta_tag"}), Some(&admin.token)).await
}

#[tokio::test]
async fn a_meta_tag_verifies_when_private_fetches_are_allowed() {
    let (app, admin) =
        meta_app(true, |t| format!("<html><head><meta name=\"muster-verification\" content=\"{t}\"></head></html>"))
            .await;
    let r = check_meta(&app, &admin).await;
    let result = r.ok(200);
    assert_eq!(result["verified"], true, "{}", r.text);
    assert_eq!(result["checks"][0]["method"], "meta_tag");
    assert_eq!(app.enterprise(&admin).await["domain_status"], "verified");
}

#[tokio::test]
async fn a_page_without_the_tag_is_described() {
    let (app, admin) = meta_app(true, |_| "<html><head><title>Acme</title></head></html>".into()).await;
    let r = check_meta(&app, &admin).await;
    let detail = r.ok(200)["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("no meta tag named muster-verification"), "{detail}");
}

#[tokio::test]
async fn the_ssrf_guard_refuses_loopback_pages_without_the_opt_in() {
    let (app, admin) = meta_app(false, |t| format!("<meta name=\"muster-verification\" content=\"{t}\">")).await;
    let r = check_meta(&app, &admin).await;
    let result = r.ok(200);
    assert_eq!(result["verified"], false);
    let detail = result["checks"][0]["detail"].as_str().unwrap();
    assert!(detail.contains("127.0.0.1, a loopback address"), "{detail}");
    assert_eq!(app.enterprise(&admin).await["domain_status"], "unverified");
}

#[tokio::test]
async fn the_server_keeps_checking_after_a_claim_so_the_admin_need_not_click() {
    let app = spawn_app_with(|c| c.claim_check_backoff = Duration::from_millis(200)).await;
    let admin = app.admin(&domain()).await;
    app.dns.set(&[Dns::txt(
        &format!("_muster-challenge.{}", admin.domain),
        &format!("muster-verification={}", admin.verification_token),
    )]);
    app.eventually("the background check verifies the domain", || async {
        app.enterprise(&admin).await["domain_status"] == "verified"
    })
    .await;
    app.smtp.wait(&admin.email, "is verified").await;
}

#[tokio::test]
async fn a_verified_domain_that_loses_its_record_goes_at_risk_then_unverified_after_grace() {
    let app = spawn_app_with(|c| {
        c.domain_recheck_interval = Duration::from_millis(300);
        c.domain_grace = Duration::from_millis(2500);
    })
    .await;
    let admin = app.admin(&domain()).await;
    app.verify_by_dns(&admin).await.ok(200);
    app.dns.set(&[]);
    app.eventually("the re-check marks the domain at risk", || async {
        app.enterprise(&admin).await["domain_status"] == "at_risk"
    })
    .await;
    let e = app.enterprise(&admin).await;
    assert!(e["grace_ends_at"].is_string());
    // The console stays open during the grace period.
    app.get(&format!("/api/v1/enterprises/{}/audit-events", admin.enterprise_id), Some(&admin.token)).await.ok(200);
    let mail = app.smtp.wait(&admin.email, "could not be re-verified").await;
    assert!(mail.body().contains("no TXT record"), "{}", mail.raw);

    app.eventually("the grace period ends", || async { app.enterprise(&admin).await["domain_status"] == "unverified" })
        .await;
    app.smtp.wait(&admin.email, "no longer verified").await;
    app.get(&format!("/api/v1/enterprises/{}/audit-events", admin.enterprise_id), Some(&admin.token))
        .await
        .problem(403, "domain_unverified");
}

#[tokio::test]
async fn an_at_risk_domain_recovers_when_the_record_is_back() {
    let app = spawn_app_with(|c| {
        c.domain_recheck_interval = Duration::from_millis(300);
        c.domain_grace = Duration::from_secs(3600);
    })
    .await;
    let admin = app.admin(&domain()).await;
    app.verify_by_dns(&admin).await.ok(200);
    app.dns.set(&[]);
    app.eventually("at risk", || async { app.enterprise(&admin).await["domain_status"] == "at_risk" }).await;
    app.verify_by_dns(&admin).await.ok(200);
    assert_eq!(app.enterprise(&admin).await["domain_status"], "verified");
    assert!(app.enterprise(&admin).await["grace_ends_at"].is_null());
}
