//! Sign-up, activation mail, activation and its resend, and bad input.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{domain, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn sign_up_mails_an_activation_link_and_activation_opens_login() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    let r = app.sign_up(&email).await;
    let account = r.ok(201);
    assert_eq!(account["status"], "pending");
    assert_eq!(account["email_verified"], false);
    assert!(account.get("password_hash").is_none() && !r.text.contains("argon2"));

    let pending = app.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None).await;
    pending.problem(403, "account_not_active");

    let mail = app.smtp.wait(&email, "Activate your Muster account").await;
    assert!(mail.link().starts_with("http://muster.test/activate?token="), "{}", mail.link());
    let token = mail.token();
    assert!(token.len() >= 43, "at least 256 bits, url-safe");
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account_tokens WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0, "tokens are stored hashed, never as sent");

    let r = app.post("/api/v1/accounts/activate", json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(r.ok(200)["status"], "active");
    assert_eq!(r.body["email_verified"], true);
    // A second click on the same link is harmless.
    app.post("/api/v1/accounts/activate", json!({"token": token, "password": PASSWORD}), None).await.ok(200);

    let session =
        app.post("/api/v1/sessions", json!({"email": email.to_uppercase(), "password": PASSWORD}), None).await;
    let s = session.ok(201);
    assert_eq!(s["idle_timeout_seconds"], 900);
    assert!(s["expires_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn bad_sign_ups_get_a_clear_code_and_store_nothing() {
    let app = spawn_app().await;
    let d = domain();
    let cases = [
        (json!({"email": "not-an-email", "password": PASSWORD}), 422, "invalid_email"),
        (json!({"email": format!("a@{d}"), "password": "short"}), 422, "weak_password"),
        (json!({"email": format!("a@{d}"), "password": "password1234"}), 422, "weak_password"),
        (json!({"email": format!("adalovelace@{d}"), "password": "adalovelace-rocks"}), 422, "weak_password"),
        (json!({"email": format!("a@{d}")}), 400, "malformed_json"),
        (json!({"email": 5, "password": PASSWORD}), 400, "malformed_json"),
    ];
    for (body, status, code) in cases {
        app.post("/api/v1/accounts", body.clone(), None).await.problem(status, code);
    }
    let r = app.post_raw("/api/v1/accounts", "{\"email\": ", "application/json", None).await;
    r.problem(400, "malformed_json");
    let r = app.post_raw("/api/v1/accounts", "email=a", "application/x-www-form-urlencoded", None).await;
    r.problem(400, "malformed_json");
    let huge = format!("{{\"email\":\"a@{d}\",\"password\":\"{}\"}}", "x".repeat(200_000));
    app.post_raw("/api/v1/accounts", huge, "application/json", None).await.problem(413, "payload_too_large");
    assert_eq!(app.count("accounts").await, 0);
    assert_eq!(app.count("outbox").await, 0);
}

#[tokio::test]
async fn an_email_signs_up_once() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    app.sign_up(&email.to_uppercase()).await.ok(201);
    assert_eq!(app.count("accounts").await, 1);
}

#[tokio::test]
async fn activation_tokens_that_are_wrong_expired_or_replaced_are_refused() {
    let app = spawn_app_with(|c| c.activation_ttl = Duration::from_millis(300)).await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    let first = app.smtp.wait(&email, "Activate").await.token();
    let activate = |token: &str| json!({"token": token, "password": PASSWORD});
    app.post("/api/v1/accounts/activate", activate("nope"), None).await.problem(422, "token_invalid");
    app.post("/api/v1/accounts/activate", activate(""), None).await.problem(422, "token_invalid");

    tokio::time::sleep(Duration::from_millis(400)).await;
    app.post("/api/v1/accounts/activate", activate(&first), None).await.problem(410, "token_expired");

    // Resend answers the same for unknown addresses, so it does not reveal accounts.
    let r =
        app.post("/api/v1/accounts/activation/resend", json!({"email": format!("nobody@{}", domain())}), None).await;
    assert_eq!(r.status, 202);
    app.post("/api/v1/accounts/activation/resend", json!({"email": email}), None).await.ok(202);
    let second = app.smtp.wait_nth(&email, "Activate", 2).await.token();
    assert_ne!(first, second);
    app.post("/api/v1/accounts/activate", activate(&second), None).await.ok(200);
}

#[tokio::test]
async fn sign_up_is_rate_limited_per_address() {
    let app = spawn_app_with(|c| c.signup_per_minute = 3).await;
    let d = domain();
    for i in 0..3 {
        app.sign_up(&format!("u{i}@{d}")).await.ok(201);
    }
    app.sign_up(&format!("u9@{d}")).await.problem(429, "rate_limited");
    assert_eq!(app.count("accounts").await, 3);
}
