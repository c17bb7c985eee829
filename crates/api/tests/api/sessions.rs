//! Log in, idle timeout, elevation, log out, and the tokens that must be refused.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{domain, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn wrong_passwords_and_unknown_accounts_fail_alike() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    app.active_account(&email).await;
    let wrong = app.post("/api/v1/sessions", json!({"email": email, "password": "Wrong-password-123"}), None).await;
    wrong.problem(401, "invalid_credentials");
    let unknown =
        app.post("/api/v1/sessions", json!({"email": format!("x@{}", domain()), "password": PASSWORD}), None).await;
    unknown.problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
}

#[tokio::test]
async fn login_is_rate_limited_per_account() {
    let app = spawn_app_with(|c| c.login_per_minute = 3).await;
    let email = format!("ada@{}", domain());
    app.active_account(&email).await; // one login used
    for _ in 0..2 {
        app.post("/api/v1/sessions", json!({"email": email, "password": "Wrong-password-123"}), None)
            .await
            .problem(401, "invalid_credentials");
    }
    // Even the right password waits now.
    app.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None)
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn me_lists_the_account_and_what_it_administers() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    let me = app.get("/api/v1/me", Some(&admin.token)).await;
    let me = me.ok(200);
    assert_eq!(me["account"]["email"], admin.email.as_str());
    assert_eq!(me["enterprises"][0]["id"], admin.enterprise_id.as_str());
    assert_eq!(me["enterprises"][0]["role"], "pma");
    assert_eq!(me["memberships"][0]["state"], "unmanaged");
    assert_eq!(me["session"]["elevated"], true);
}

#[tokio::test]
async fn missing_tampered_and_logged_out_tokens_are_refused() {
    let app = spawn_app().await;
    let token = app.active_account(&format!("ada@{}", domain())).await;
    app.get("/api/v1/me", None).await.problem(401, "unauthenticated");
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    app.get("/api/v1/me", Some(&tampered)).await.problem(401, "token_invalid");
    app.get("/api/v1/me", Some("garbage")).await.problem(401, "token_invalid");

    app.get("/api/v1/me", Some(&token)).await.ok(200);
    assert_eq!(app.delete("/api/v1/sessions/current", Some(&token)).await.status, 204);
    app.get("/api/v1/me", Some(&token)).await.problem(401, "session_revoked");
    app.delete("/api/v1/sessions/current", Some(&token)).await.problem(401, "session_revoked");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let email = format!("ada@{}", domain());
    let token = other.active_account(&email).await;
    app.get("/api/v1/me", Some(&token)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn the_idle_timeout_is_enforced_by_the_server_and_slides_on_activity() {
    let app = spawn_app_with(|c| c.session_idle_timeout = Duration::from_millis(1500)).await;
    let token = app.active_account(&format!("ada@{}", domain())).await;
    // Activity keeps it alive well past one idle period...
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        app.get("/api/v1/me", Some(&token)).await.ok(200);
    }
    // ...and idleness ends it, for good.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    app.get("/api/v1/me", Some(&token)).await.problem(401, "session_expired");
    app.get("/api/v1/me", Some(&token)).await.problem(401, "session_expired");
}

#[tokio::test]
async fn the_console_needs_the_password_again_and_elevation_lapses_when_idle() {
    let app = spawn_app_with(|c| c.session_idle_timeout = Duration::from_millis(1500)).await;
    let admin = app.admin(&domain()).await;
    let path = format!("/api/v1/enterprises/{}", admin.enterprise_id);
    app.get(&path, Some(&admin.token)).await.ok(200);

    let token = app.login(&admin.email).await;
    app.get(&path, Some(&token)).await.problem(403, "elevation_required");
    app.post("/api/v1/sessions/current/elevate", json!({"password": "Not-the-password-1"}), Some(&token))
        .await
        .problem(422, "wrong_password");
    app.get(&path, Some(&token)).await.problem(403, "elevation_required");
    app.elevate(&token).await;
    app.get(&path, Some(&token)).await.ok(200);

    // The session stays alive through /me, but the console was not used: elevation lapses.
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        app.get("/api/v1/me", Some(&token)).await.ok(200);
    }
    app.get(&path, Some(&token)).await.problem(403, "elevation_required");
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    // Behind a load balancer on loopback that forwards the client's address.
    let app = spawn_app_with(|c| {
        c.login_per_minute = 3;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let email = format!("ceo@{}", domain());
    app.active_account(&email).await;
    let attempt = |from: &'static str, password: &'static str| {
        let body = json!({"email": email, "password": password});
        app.http.post(format!("{}/api/v1/sessions", app.base)).header("x-forwarded-for", from).json(&body).send()
    };
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(attempt("198.51.100.7", "Wrong-password-123").await.unwrap().status().as_u16());
    }
    assert!(statuses.ends_with(&[429, 429]), "the attacker is limited: {statuses:?}");
    // Before: the per-account bucket was the attacker's to empty.
    assert_eq!(attempt("203.0.113.5", PASSWORD).await.unwrap().status(), 201);
}

#[tokio::test]
async fn a_forged_forwarded_for_from_an_untrusted_peer_changes_nothing() {
    let app = spawn_app_with(|c| c.login_per_minute = 3).await;
    let email = format!("ada@{}", domain());
    app.active_account(&email).await; // one attempt used
    let mut last = 0;
    for i in 0..3 {
        let body = json!({"email": email, "password": "Wrong-password-123"});
        let r =
            app.http.post(format!("{}/api/v1/sessions", app.base)).header("x-forwarded-for", format!("192.0.2.{i}"));
        last = r.json(&body).send().await.unwrap().status().as_u16();
    }
    assert_eq!(last, 429, "every attempt counted against the real peer");
}

#[tokio::test]
async fn huge_or_malformed_emails_never_become_limiter_keys() {
    let app = spawn_app().await;
    let before = app.state.limits.len();
    for i in 0..50 {
        let email = format!("{}{i}@{}", "x".repeat(1000), "y".repeat(1000));
        let r = app.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None).await;
        r.problem(401, "invalid_credentials");
    }
    let huge = format!("{{\"email\":\"{}\",\"password\":\"x\"}}", "a".repeat(60_000));
    app.post_raw("/api/v1/sessions", huge, "application/json", None).await.problem(401, "invalid_credentials");
    assert!(app.state.limits.len() <= before + 1, "{} buckets after junk logins", app.state.limits.len());
}
