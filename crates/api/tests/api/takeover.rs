//! Attacks on accounts: pre-registering someone else's address before or
//! after they sign up, activation by a mail scanner, and sign-up as an oracle
//! of who has an account. Each test performs the attack.

use serde_json::json;

use crate::{
    enrollment::{invite, verified_admin},
    helpers::{domain, spawn_app, TestApp, PASSWORD},
};
use muster_api::services::enterprises::create_contract;
use muster_model::Plan;

const ATTACKER_PASSWORD: &str = "Attacker-chose-this-1";
const OWNER_PASSWORD: &str = "Owner-chose-this-22";

async fn sign_up_with(app: &TestApp, email: &str, password: &str) -> crate::helpers::Resp {
    app.post("/api/v1/accounts", json!({"email": email, "password": password}), None).await
}

async fn login_status(app: &TestApp, email: &str, password: &str) -> u16 {
    app.post("/api/v1/sessions", json!({"email": email, "password": password}), None).await.status
}

#[tokio::test]
async fn a_pre_registered_address_invited_as_pma_is_taken_by_the_invitee_not_the_attacker() {
    let app = spawn_app().await;
    let d = domain();
    let ceo = format!("ceo@{d}");
    // The attacker signs up with the CEO's address and never activates.
    sign_up_with(&app, &ceo, ATTACKER_PASSWORD).await.ok(201);
    // Later the operator creates the contract enterprise with the CEO as admin.
    create_contract(&app.state, &d, &ceo, Plan::Premium, 10).await.unwrap();
    let token = app.smtp.wait(&ceo, "invited").await.token();
    let l = app.get(&format!("/api/v1/invitations/lookup?token={token}"), None).await;
    assert_eq!((l.ok(200)["account_exists"].clone(), l.body["account_active"].clone()), (json!(true), json!(false)));
    // Before: accepting without a password activated the attacker's account.
    app.post("/api/v1/invitations/accept", json!({"token": token}), None).await.problem(422, "password_required");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": OWNER_PASSWORD}), None).await.ok(200);

    assert_eq!(login_status(&app, &ceo, ATTACKER_PASSWORD).await, 401, "the attacker's password must be dead");
    let session = app.post("/api/v1/sessions", json!({"email": ceo, "password": OWNER_PASSWORD}), None).await;
    let token = session.ok(201)["token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.ok(200)["enterprises"][0]["role"], "pma");
    // The attacker's activation link died with their password.
    let attacker_link = app.smtp.wait(&ceo, "Activate").await.token();
    let r = app.post("/api/v1/accounts/activate", json!({"token": attacker_link, "password": ATTACKER_PASSWORD}), None);
    assert_ne!(r.await.status, 200);
}

#[tokio::test]
async fn a_pre_registered_address_invited_by_an_admin_needs_the_invitees_password() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    sign_up_with(&app, &grace, ATTACKER_PASSWORD).await.ok(201);
    invite(&app, &admin, &[&grace]).await;
    let token = app.smtp.wait(&grace, "invited").await.token();
    app.post("/api/v1/invitations/accept", json!({"token": token}), None).await.problem(422, "password_required");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": OWNER_PASSWORD}), None).await.ok(200);
    assert_eq!(login_status(&app, &grace, ATTACKER_PASSWORD).await, 401);
    assert_eq!(login_status(&app, &grace, OWNER_PASSWORD).await, 201);
}

#[tokio::test]
async fn an_attacker_signing_up_before_the_owner_is_replaced_by_the_owners_sign_up() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    sign_up_with(&app, &email, ATTACKER_PASSWORD).await.ok(201);
    sign_up_with(&app, &email, OWNER_PASSWORD).await.ok(201);
    let first = app.smtp.wait_nth(&email, "Activate", 1).await.token();
    let latest = app.smtp.wait_nth(&email, "Activate", 2).await.token();
    // The first link was rotated away; the latest needs the latest password.
    let r = app.post("/api/v1/accounts/activate", json!({"token": first, "password": OWNER_PASSWORD}), None).await;
    assert_ne!(r.status, 200, "{}", r.text);
    app.post("/api/v1/accounts/activate", json!({"token": latest, "password": ATTACKER_PASSWORD}), None)
        .await
        .problem(422, "wrong_password");
    app.post("/api/v1/accounts/activate", json!({"token": latest, "password": OWNER_PASSWORD}), None).await.ok(200);
    assert_eq!(login_status(&app, &email, ATTACKER_PASSWORD).await, 401);
    assert_eq!(login_status(&app, &email, OWNER_PASSWORD).await, 201);
}

#[tokio::test]
async fn an_attacker_signing_up_after_the_owner_never_holds_an_active_account() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    sign_up_with(&app, &email, OWNER_PASSWORD).await.ok(201);
    sign_up_with(&app, &email, ATTACKER_PASSWORD).await.ok(201);
    // The owner gets the attacker's link but it does not open with the owner's password...
    let latest = app.smtp.wait_nth(&email, "Activate", 2).await.token();
    app.post("/api/v1/accounts/activate", json!({"token": latest, "password": OWNER_PASSWORD}), None)
        .await
        .problem(422, "wrong_password");
    // ...and the attacker never sees the link. The owner recovers with a reset.
    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let reset = app.smtp.wait(&email, "Reset your Muster password").await.token();
    let r =
        app.post("/api/v1/accounts/password-reset/confirm", json!({"token": reset, "password": OWNER_PASSWORD}), None);
    assert_eq!(r.await.status, 204);
    assert_eq!(login_status(&app, &email, ATTACKER_PASSWORD).await, 401);
    assert_eq!(login_status(&app, &email, OWNER_PASSWORD).await, 201);
}

#[tokio::test]
async fn activation_needs_the_password_so_a_mail_scanner_cannot_activate() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    let token = app.smtp.wait(&email, "Activate").await.token();
    // What a scanner does: open the link, post what the page would post on load.
    let r = app.post("/api/v1/accounts/activate", json!({"token": token}), None).await;
    assert_eq!(r.status, 400, "{}", r.text);
    app.post("/api/v1/accounts/activate", json!({"token": token, "password": ""}), None)
        .await
        .problem(422, "wrong_password");
    let status: String = sqlx::query_scalar("SELECT status FROM accounts WHERE email = $1")
        .bind(&email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
}

#[tokio::test]
async fn sign_up_answers_alike_for_new_and_existing_addresses_and_mails_the_owner() {
    let app = spawn_app().await;
    let d = domain();
    let owner = format!("ada@{d}");
    app.active_account(&owner).await;
    let fresh = sign_up_with(&app, &format!("new@{d}"), OWNER_PASSWORD).await;
    let taken = sign_up_with(&app, &owner, ATTACKER_PASSWORD).await;
    assert_eq!((fresh.status, taken.status), (201, 201), "{}", taken.text);
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&fresh.body), keys(&taken.body));
    assert_eq!((fresh.body["status"].clone(), taken.body["status"].clone()), (json!("pending"), json!("pending")));
    assert_ne!(taken.body["id"], app.get("/api/v1/me", Some(&app.login(&owner).await)).await.body["account"]["id"]);
    let mail = app.smtp.wait(&owner, "Someone tried to sign up").await;
    assert!(mail.body().contains("/forgot-password"), "{}", mail.body());
    // Nothing about the existing account changed.
    assert_eq!(login_status(&app, &owner, PASSWORD).await, 201);
    assert_eq!(login_status(&app, &owner, ATTACKER_PASSWORD).await, 401);
    assert_eq!(app.count("accounts").await, 2);
}

#[tokio::test]
async fn an_import_changes_the_member_never_the_account() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let grace = format!("grace@{}", admin.domain);
    invite(&app, &admin, &[&grace]).await;
    crate::enrollment::accept(&app, &grace, 1).await;
    let account = |pool: sqlx::AnyPool, email: String| async move {
        let row: (String, String) = sqlx::query_as("SELECT email, password_hash FROM accounts WHERE email = $1")
            .bind(email)
            .fetch_one(&pool)
            .await
            .unwrap();
        row
    };
    let before = account(app.state.db.pool.clone(), grace.clone()).await;
    let csv = format!("email,first_name,phone\n{},Eve,+1 555 0100\n", grace.to_uppercase());
    let r = app
        .post_raw(&format!("/api/v1/enterprises/{}/imports", admin.enterprise_id), csv, "text/csv", Some(&admin.token))
        .await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    let job = crate::jobs::wait_job(&app, &admin, &id, "").await;
    assert_eq!(job["counts"]["updated"], 1, "{job}");
    assert_eq!(account(app.state.db.pool.clone(), grace.clone()).await, before);
    assert_eq!(login_status(&app, &grace, PASSWORD).await, 201);
}
