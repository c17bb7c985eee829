//! Account recovery and the caller's sessions: password reset by mail,
//! password change, listing sessions and ending them.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{domain, spawn_app, spawn_app_with, PASSWORD};

const NEW_PASSWORD: &str = "A-brand-new-secret-7";

#[tokio::test]
async fn password_reset_mails_a_single_use_link_that_ends_every_session() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    let first = app.active_account(&email).await;
    let second = app.login(&email).await;
    // The same answer for an address without an account, and nothing mailed there.
    let nobody = format!("nobody@{}", domain());
    app.post("/api/v1/accounts/password-reset", json!({"email": nobody}), None).await.ok(202);
    app.post("/api/v1/accounts/password-reset", json!({"email": "not an email"}), None)
        .await
        .problem(422, "invalid_email");
    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let mail = app.smtp.wait(&email, "Reset your Muster password").await;
    assert!(mail.link().starts_with("http://muster.test/reset-password?token="), "{}", mail.link());
    assert!(app.smtp.to(&nobody).is_empty());
    let token = mail.token();

    let confirm = |password: &str| json!({"token": token, "password": password});
    app.post("/api/v1/accounts/password-reset/confirm", confirm("short"), None).await.problem(422, "weak_password");
    assert_eq!(app.post("/api/v1/accounts/password-reset/confirm", confirm(NEW_PASSWORD), None).await.status, 204);
    // Single use.
    app.post("/api/v1/accounts/password-reset/confirm", confirm("Another-new-one-99"), None)
        .await
        .problem(422, "token_invalid");
    for token in [&first, &second] {
        app.get("/api/v1/me", Some(token)).await.problem(401, "session_revoked");
    }
    let old = app.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None).await;
    old.problem(401, "invalid_credentials");
    app.post("/api/v1/sessions", json!({"email": email, "password": NEW_PASSWORD}), None).await.ok(201);
}

#[tokio::test]
async fn a_reset_link_expires_and_a_newer_one_replaces_it() {
    let app = spawn_app_with(|c| c.password_reset_ttl = Duration::from_millis(400)).await;
    let email = format!("ada@{}", domain());
    app.active_account(&email).await;
    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let first = app.smtp.wait(&email, "Reset your Muster password").await.token();
    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let second = app.smtp.wait_nth(&email, "Reset your Muster password", 2).await.token();
    let r =
        app.post("/api/v1/accounts/password-reset/confirm", json!({"token": first, "password": NEW_PASSWORD}), None);
    assert_ne!(r.await.status, 204, "the first link was replaced");
    tokio::time::sleep(Duration::from_millis(500)).await;
    app.post("/api/v1/accounts/password-reset/confirm", json!({"token": second, "password": NEW_PASSWORD}), None)
        .await
        .problem(410, "token_expired");
}

#[tokio::test]
async fn a_reset_activates_a_pending_account() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let token = app.smtp.wait(&email, "Reset your Muster password").await.token();
    let r =
        app.post("/api/v1/accounts/password-reset/confirm", json!({"token": token, "password": NEW_PASSWORD}), None);
    assert_eq!(r.await.status, 204);
    let s = app.post("/api/v1/sessions", json!({"email": email, "password": NEW_PASSWORD}), None).await;
    s.ok(201);
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    let here = app.active_account(&email).await;
    let elsewhere = app.login(&email).await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    app.send_put("/api/v1/me/password", &change("Wrong-password-12", NEW_PASSWORD), Some(&here))
        .await
        .problem(422, "wrong_password");
    app.send_put("/api/v1/me/password", &change(PASSWORD, "short"), Some(&here)).await.problem(422, "weak_password");
    app.send_put("/api/v1/me/password", &change(PASSWORD, NEW_PASSWORD), None).await.problem(401, "unauthenticated");
    assert_eq!(app.send_put("/api/v1/me/password", &change(PASSWORD, NEW_PASSWORD), Some(&here)).await.status, 204);
    app.get("/api/v1/me", Some(&here)).await.ok(200);
    app.get("/api/v1/me", Some(&elsewhere)).await.problem(401, "session_revoked");
    app.post("/api/v1/sessions", json!({"email": email, "password": NEW_PASSWORD}), None).await.ok(201);
}

#[tokio::test]
async fn a_person_lists_and_ends_their_own_sessions_only() {
    let app = spawn_app().await;
    let d = domain();
    let email = format!("ada@{d}");
    let here = app.active_account(&email).await;
    let phone = app.login(&email).await;
    let laptop = app.login(&email).await;
    let other = app.active_account(&format!("bob@{d}")).await;

    let list = app.get("/api/v1/sessions", Some(&here)).await;
    let items = list.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3, "{}", list.text);
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(items.iter().all(|s| s["client_address"] == "127.0.0.1" && s["created_at"].is_string()));
    let bobs = app.get("/api/v1/sessions", Some(&other)).await.ok(200)["items"][0]["id"].as_str().unwrap().to_string();
    let phone_id = {
        let mine = app.get("/api/v1/sessions", Some(&phone)).await;
        mine.ok(200)["items"].as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };

    // Someone else's session is not found, and stays alive.
    app.delete(&format!("/api/v1/sessions/{bobs}"), Some(&here)).await.problem(404, "not_found");
    app.get("/api/v1/me", Some(&other)).await.ok(200);

    assert_eq!(app.delete(&format!("/api/v1/sessions/{phone_id}"), Some(&here)).await.status, 204);
    app.get("/api/v1/me", Some(&phone)).await.problem(401, "session_revoked");
    app.get("/api/v1/me", Some(&laptop)).await.ok(200);

    assert_eq!(app.delete("/api/v1/sessions", Some(&here)).await.status, 204);
    app.get("/api/v1/me", Some(&laptop)).await.problem(401, "session_revoked");
    app.get("/api/v1/me", Some(&here)).await.ok(200);
    let left = app.get("/api/v1/sessions", Some(&here)).await;
    assert_eq!(left.ok(200)["items"].as_array().unwrap().len(), 1);
}
