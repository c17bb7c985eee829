//! Invite and invitations against the real SMTP sink: outcomes per address,
//! acceptance, resend, revoke, expiry, the daily limit.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{domain, spawn_app, spawn_app_with, Admin, TestApp, PASSWORD};

pub async fn verified_admin(app: &TestApp) -> Admin {
    let admin = app.admin(&domain()).await;
    app.verify_by_dns(&admin).await.ok(200);
    admin
}

pub async fn invite(app: &TestApp, admin: &Admin, emails: &[&str]) -> Value {
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id),
            json!({"emails": emails}),
            Some(&admin.token),
        )
        .await;
    r.ok(200).clone()
}

/// Follows the newest invitation mail to `email` and accepts it with a password.
pub async fn accept(app: &TestApp, email: &str, nth: usize) -> Value {
    let token = app.smtp.wait_nth(email, "invited", nth).await.token();
    let r = app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD}), None).await;
    r.ok(200).clone()
}

pub async fn invitations(app: &TestApp, admin: &Admin, query: &str) -> Vec<Value> {
    let r =
        app.get(&format!("/api/v1/enterprises/{}/invitations{query}", admin.enterprise_id), Some(&admin.token)).await;
    r.ok(200)["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_address_gets_its_own_outcome() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = &admin.domain;
    let ada = format!("ada@{d}");
    let body = invite(&app, &admin, &[&ada, &format!(" ADA@{d} "), "x@elsewhere.test", "nope", &admin.email, ""]).await;
    let outcomes: Vec<&str> =
        body["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["invited", "already_invited", "not_in_domain", "invalid", "already_member", "invalid"]);
    assert_eq!(
        body["counts"],
        json!({"invited": 1, "already_member": 1, "already_invited": 1, "not_in_domain": 1, "invalid": 2})
    );
    assert!(body["results"][0]["invitation_id"].is_string());

    // Asking again does not send a second invitation.
    let again = invite(&app, &admin, &[&ada]).await;
    assert_eq!(again["results"][0]["outcome"], "already_invited");

    let mail = app.smtp.wait(&ada, "You are invited to join").await;
    assert!(mail.body().contains("Ada Lovelace invited you"), "{}", mail.body());
    app.eventually("the list shows the mail as sent", || async {
        let items = invitations(&app, &admin, "").await;
        items.len() == 1 && items[0]["delivery"] == "sent"
    })
    .await;
    let items = invitations(&app, &admin, "?status=pending").await;
    assert_eq!(items[0]["email"], ada.as_str());
    assert_eq!(items[0]["invited_by"], admin.email.as_str());
    assert!(items[0]["sent_at"].is_string() && items[0]["expires_at"].is_string());
    assert_eq!(app.smtp.to(&ada).len(), 1);
}

#[tokio::test]
async fn accepting_makes_an_unmanaged_member_and_works_once() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    invite(&app, &admin, &[&grace]).await;
    let token = app.smtp.wait(&grace, "invited").await.token();
    // Opening the link (a mail scanner) never consumes it.
    for _ in 0..3 {
        let l = app.get(&format!("/api/v1/invitations/lookup?token={token}"), None).await;
        assert_eq!(l.ok(200)["invited_by"], "Ada Lovelace");
    }
    let r = app
        .post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "first_name": "Grace"}), None)
        .await;
    assert_eq!(r.ok(200)["member_state"], "unmanaged");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD}), None)
        .await
        .problem(409, "invitation_already_accepted");
    app.get(&format!("/api/v1/invitations/lookup?token={token}"), None)
        .await
        .problem(409, "invitation_already_accepted");

    let session = app.login(&grace).await;
    let me = app.get("/api/v1/me", Some(&session)).await;
    assert_eq!(me.ok(200)["memberships"][0]["state"], "unmanaged");
    assert_eq!(me.body["account"]["email_verified"], true);
    let items = invitations(&app, &admin, "?status=accepted").await;
    assert_eq!(items.len(), 1);
    assert!(items[0]["accepted_at"].is_string());
}

#[tokio::test]
async fn an_existing_active_account_is_linked_only_with_proof() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    let session = app.active_account(&grace).await;
    invite(&app, &admin, &[&grace]).await;
    let token = app.smtp.wait(&grace, "invited").await.token();
    let l = app.get(&format!("/api/v1/invitations/lookup?token={token}"), None).await;
    assert_eq!(l.ok(200)["account_exists"], true);
    assert_eq!(l.body["account_active"], true);
    // The link alone is not proof: whoever holds it must be the account too.
    app.post("/api/v1/invitations/accept", json!({"token": token}), None).await.problem(422, "password_required");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": "Not-her-password-1"}), None)
        .await
        .problem(422, "wrong_password");
    let stranger = app.active_account(&format!("mallory@{}", admin.domain)).await;
    app.post("/api/v1/invitations/accept", json!({"token": token}), Some(&stranger))
        .await
        .problem(422, "password_required");
    app.post("/api/v1/invitations/accept", json!({"token": token}), Some(&session)).await.ok(200);
    assert_eq!(app.count("accounts").await, 3);
}

#[tokio::test]
async fn an_existing_account_may_also_prove_itself_by_password() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    app.active_account(&grace).await;
    invite(&app, &admin, &[&grace]).await;
    let token = app.smtp.wait(&grace, "invited").await.token();
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD}), None).await.ok(200);
}

#[tokio::test]
async fn resend_rotates_the_token_and_revoke_withdraws_it() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    let body = invite(&app, &admin, &[&grace]).await;
    let id = body["results"][0]["invitation_id"].as_str().unwrap().to_string();
    let first = app.smtp.wait(&grace, "invited").await.token();
    let base = format!("/api/v1/enterprises/{}/invitations/{id}", admin.enterprise_id);
    let r = app.post(&format!("{base}/resend"), json!({}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["status"], "pending");
    let second = app.smtp.wait_nth(&grace, "invited", 2).await.token();
    assert_ne!(first, second);
    app.get(&format!("/api/v1/invitations/lookup?token={first}"), None).await.problem(404, "not_found");
    app.get(&format!("/api/v1/invitations/lookup?token={second}"), None).await.ok(200);

    assert_eq!(app.delete(&base, Some(&admin.token)).await.status, 204);
    app.get(&format!("/api/v1/invitations/lookup?token={second}"), None).await.problem(404, "not_found");
    app.post("/api/v1/invitations/accept", json!({"token": second, "password": PASSWORD}), None)
        .await
        .problem(404, "not_found");
    app.delete(&base, Some(&admin.token)).await.problem(409, "invitation_not_pending");
    app.post(&format!("{base}/resend"), json!({}), Some(&admin.token)).await.problem(409, "invitation_not_pending");
    assert_eq!(invitations(&app, &admin, "?status=revoked").await.len(), 1);
    let users =
        app.get(&format!("/api/v1/enterprises/{}/users?q=grace", admin.enterprise_id), Some(&admin.token)).await;
    assert_eq!(users.ok(200)["items"].as_array().unwrap().len(), 0, "a revoked invitee is not listed");

    // The person can be invited again.
    let again = invite(&app, &admin, &[&grace]).await;
    assert_eq!(again["results"][0]["outcome"], "invited");
    accept(&app, &grace, 3).await;
}

#[tokio::test]
async fn an_expired_invitation_is_refused_until_resent() {
    let app = spawn_app_with(|c| c.invite_ttl_hours = 0).await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    let body = invite(&app, &admin, &[&grace]).await;
    let token = app.smtp.wait(&grace, "invited").await.token();
    app.get(&format!("/api/v1/invitations/lookup?token={token}"), None).await.problem(410, "invitation_expired");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD}), None)
        .await
        .problem(410, "invitation_expired");
    assert_eq!(invitations(&app, &admin, "?status=expired").await.len(), 1);
    assert_eq!(invitations(&app, &admin, "?status=pending").await.len(), 0);
    let id = body["results"][0]["invitation_id"].as_str().unwrap();
    app.get(&format!("/api/v1/enterprises/{}/invitations?status=lost", admin.enterprise_id), Some(&admin.token))
        .await
        .problem(422, "validation_failed");
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations/{id}/resend", admin.enterprise_id),
            json!({}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(r.ok(200)["email"], grace.as_str());
}

#[tokio::test]
async fn invitations_can_wait_for_send_pending() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id),
            json!({"emails": [grace], "send_invitations": false}),
            Some(&admin.token),
        )
        .await;
    assert_eq!(r.ok(200)["counts"]["invited"], 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(app.smtp.to(&grace).is_empty());
    let items = invitations(&app, &admin, "").await;
    assert_eq!(items[0]["delivery"], "not_sent");
    assert!(items[0]["sent_at"].is_null());
}

#[tokio::test]
async fn the_daily_limit_refuses_the_whole_request_and_writes_nothing() {
    let app = spawn_app_with(|c| c.invite_daily_limit = 2).await;
    let admin = verified_admin(&app).await;
    let d = &admin.domain;
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id),
            json!({"emails": [format!("a@{d}"), format!("b@{d}"), format!("c@{d}")]}),
            Some(&admin.token),
        )
        .await;
    r.problem(429, "invite_limit_reached");
    assert_eq!(app.count("invitations").await, 0);
    invite(&app, &admin, &[&format!("a@{d}"), &format!("b@{d}")]).await;
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id),
            json!({"emails": [format!("c@{d}")]}),
            Some(&admin.token),
        )
        .await;
    r.problem(429, "invite_limit_reached");
}

#[tokio::test]
async fn bad_invite_requests_get_clear_codes() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    let path = format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id);
    app.post(&path, json!({"emails": ["a@x.test"]}), Some(&admin.token)).await.problem(403, "domain_unverified");
    app.verify_by_dns(&admin).await.ok(200);
    app.post(&path, json!({"emails": []}), Some(&admin.token)).await.problem(422, "no_addresses");
    app.post(&path, json!({"emails": "a@x.test"}), Some(&admin.token)).await.problem(400, "malformed_json");
    let many: Vec<String> = (0..10_001).map(|i| format!("u{i}@{}", admin.domain)).collect();
    app.post_raw(&path, serde_json::to_vec(&json!({"emails": many})).unwrap(), "application/json", Some(&admin.token))
        .await
        .problem(422, "too_many_addresses");
    let huge = format!("{{\"emails\": [\"{}\"]}}", "a".repeat(2 << 20));
    app.post_raw(&path, huge, "application/json", Some(&admin.token)).await.problem(413, "payload_too_large");
    assert_eq!(app.count("invitations").await, 0);
}
