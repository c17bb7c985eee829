//! Two-step verification (DESIGN §2a) on the real app: codes are computed
//! here with RFC 6238 from the secret the API handed out, and time moves by
//! the app's injectable clock, never by waiting for the next 30-second step.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::{spawn_app, TestApp, PASSWORD},
    tokens::{create_token, secret},
};

/// An enrolled authenticator app, as the test holds it.
pub struct Authenticator {
    secret: Vec<u8>,
}

impl Authenticator {
    fn from_base32(b32: &str) -> Self {
        let secret = totp_rs::Secret::Encoded(b32.to_string()).to_bytes().expect("the secret is base32");
        Self { secret }
    }

    /// The code the app shows now (by the app's clock).
    pub fn code(&self, app: &TestApp) -> String {
        totp_rs::TOTP::new_unchecked(totp_rs::Algorithm::SHA1, 6, 1, 30, self.secret.clone(), None, String::new())
            .generate(app.state.clock.now_secs())
    }
}

/// The next 30-second step (a code is accepted once).
pub fn next_step(app: &TestApp) {
    app.state.clock.advance(Duration::from_secs(30));
}

/// Turns two-step verification on for the session's account: the app and its recovery codes.
pub async fn enable_mfa(app: &TestApp, token: &str) -> (Authenticator, Vec<String>) {
    let enrolment = app.post("/api/v1/me/mfa/totp", json!({}), Some(token)).await;
    let body = enrolment.ok(200);
    let authenticator = Authenticator::from_base32(body["secret"].as_str().unwrap());
    let confirmed =
        app.post("/api/v1/me/mfa/totp/confirm", json!({"code": authenticator.code(app)}), Some(token)).await;
    let codes = confirmed.ok(200)["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    next_step(app);
    (authenticator, codes)
}

/// Password, then the code: the session token.
pub async fn login_with_code(app: &TestApp, email: &str, authenticator: &Authenticator) -> String {
    let challenge = login(app, email).await;
    let r =
        app.post("/api/v1/sessions/mfa", json!({"mfa_token": challenge, "code": authenticator.code(app)}), None).await;
    next_step(app);
    r.ok(201)["token"].as_str().unwrap().to_string()
}

/// The first step of a log in with MFA on: the `mfa_token`.
async fn login(app: &TestApp, email: &str) -> String {
    let r = app.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD}), None).await;
    let body = r.ok(200);
    assert_eq!(body["mfa_required"], true, "{body}");
    assert!(body.get("token").is_none(), "no session before the second step: {body}");
    body["mfa_token"].as_str().unwrap().to_string()
}

async fn second_step(app: &TestApp, mfa_token: &str, field: &str, code: &str) -> crate::helpers::Resp {
    app.post("/api/v1/sessions/mfa", json!({"mfa_token": mfa_token, field: code}), None).await
}

#[tokio::test]
async fn enrol_log_in_with_the_code_refuse_replays_use_a_recovery_code_once_and_turn_off() {
    let app = spawn_app().await;
    let email = "ada@mfa.test";
    let token = app.active_account(email).await;
    let status = app.get("/api/v1/me/mfa", Some(&token)).await;
    assert_eq!(status.ok(200)["totp_enabled"], false);

    let enrolment = app.post("/api/v1/me/mfa/totp", json!({}), Some(&token)).await;
    let body = enrolment.ok(200).clone();
    let b32 = body["secret"].as_str().unwrap();
    assert_eq!(b32.len(), 32, "160 bits");
    let url = body["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/Muster:ada%40mfa.test?") && url.contains(&format!("secret={b32}")),
        "{url}"
    );
    assert!(body["qr_svg"].as_str().unwrap().starts_with("<?xml") || body["qr_svg"].as_str().unwrap().contains("<svg"));
    let authenticator = Authenticator::from_base32(b32);
    // Not on until confirmed: log in still answers a session.
    app.login(email).await;
    app.post("/api/v1/me/mfa/totp/confirm", json!({"code": "000000"}), Some(&token)).await.problem(422, "wrong_code");
    let confirmed =
        app.post("/api/v1/me/mfa/totp/confirm", json!({"code": authenticator.code(&app)}), Some(&token)).await;
    let codes: Vec<String> = confirmed.ok(200)["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), 10);
    assert!(codes.iter().all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'), "{codes:?}");
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT code_hash FROM recovery_codes").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(stored.iter().all(|h| !codes.iter().any(|c| h.contains(&c[..5]))), "recovery codes are stored hashed");
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT secret FROM account_totp").fetch_one(&app.state.db.pool).await.unwrap();
    let raw = totp_rs::Secret::Encoded(b32.into()).to_bytes().unwrap();
    assert!(!sealed.windows(raw.len()).any(|w| w == raw.as_slice()), "the secret is sealed at rest");
    app.smtp.wait(email, "two-step verification is on").await;
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.ok(200)["account"]["mfa_enabled"], true);

    // Log in now needs the code; the code just used to confirm does not work again.
    let challenge = login(&app, email).await;
    second_step(&app, &challenge, "code", "123456").await.problem(422, "wrong_code");
    second_step(&app, &challenge, "code", &authenticator.code(&app)).await.problem(422, "code_already_used");
    next_step(&app);
    let code = authenticator.code(&app);
    let session = second_step(&app, &challenge, "code", &code).await;
    let session = session.ok(201)["token"].as_str().unwrap().to_string();
    app.get("/api/v1/me", Some(&session)).await.ok(200);
    // The token is single use, and the same code on a new log in is a replay.
    second_step(&app, &challenge, "code", &code).await.problem(401, "mfa_token_invalid");
    let again = login(&app, email).await;
    second_step(&app, &again, "code", &code).await.problem(422, "code_already_used");

    // A recovery code works once, whichever field it comes in.
    second_step(&app, &again, "recovery_code", &codes[0]).await.ok(201);
    let third = login(&app, email).await;
    second_step(&app, &third, "recovery_code", &codes[0]).await.problem(422, "wrong_code");
    second_step(&app, &third, "code", &codes[1].to_uppercase()).await.ok(201);
    let status = app.get("/api/v1/me/mfa", Some(&token)).await;
    assert_eq!(status.ok(200)["recovery_codes_remaining"], 8);

    // Replacing the secret while it is on takes the password and a code.
    app.post("/api/v1/me/mfa/totp", json!({}), Some(&token)).await.problem(422, "mfa_reauthentication_required");
    next_step(&app);
    app.post(
        "/api/v1/me/mfa/totp",
        json!({"password": "wrong password!!", "code": authenticator.code(&app)}),
        Some(&token),
    )
    .await
    .problem(422, "wrong_password");

    // Turning it off takes both too.
    let off = |password: &str, code: String| json!({"password": password, "code": code});
    let r = app
        .send(
            app.http.delete(format!("{}/api/v1/me/mfa/totp", app.base)).json(&off(PASSWORD, "111111".into())),
            Some(&token),
        )
        .await;
    r.problem(422, "wrong_code");
    let r = app
        .send(
            app.http.delete(format!("{}/api/v1/me/mfa/totp", app.base)).json(&off(PASSWORD, authenticator.code(&app))),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.smtp.wait(email, "two-step verification is off").await;
    app.login(email).await;
    assert_eq!(app.count("recovery_codes").await, 0);
}

#[tokio::test]
async fn the_mfa_token_dies_after_five_wrong_codes_and_the_account_locks_after_ten() {
    let app = spawn_app().await;
    let email = "guess@mfa.test";
    let token = app.active_account(email).await;
    let (authenticator, _) = enable_mfa(&app, &token).await;

    let first = login(&app, email).await;
    for _ in 0..4 {
        second_step(&app, &first, "code", "000000").await.problem(422, "wrong_code");
    }
    second_step(&app, &first, "code", "000000").await.problem(401, "mfa_token_invalid");
    second_step(&app, &first, "code", &authenticator.code(&app)).await.problem(401, "mfa_token_invalid");

    // Five more on a fresh token: ten for the account, which locks its second step everywhere.
    let second = login(&app, email).await;
    for _ in 0..4 {
        second_step(&app, &second, "code", "000000").await.problem(422, "wrong_code");
    }
    second_step(&app, &second, "code", "000000").await.problem(401, "mfa_token_invalid");
    let third = login(&app, email).await;
    second_step(&app, &third, "code", &authenticator.code(&app)).await.problem(429, "mfa_locked");
    app.post(
        "/api/v1/sessions/current/elevate",
        json!({"password": PASSWORD, "code": authenticator.code(&app)}),
        Some(&token),
    )
    .await
    .problem(429, "mfa_locked");
    app.smtp.wait(email, "locked").await;

    // The lock lapses; the MFA token lapses after five minutes.
    app.state.clock.advance(Duration::from_secs(16 * 60));
    let fourth = login(&app, email).await;
    app.state.clock.advance(Duration::from_secs(5 * 60 + 1));
    second_step(&app, &fourth, "code", &authenticator.code(&app)).await.problem(401, "mfa_token_invalid");
    login_with_code(&app, email, &authenticator).await;
}

#[tokio::test]
async fn only_the_second_step_issues_sessions_and_a_password_reset_leaves_mfa_on() {
    let app = spawn_app().await;
    let email = "reset@mfa.test";
    let token = app.active_account(email).await;
    let (authenticator, _) = enable_mfa(&app, &token).await;

    app.post("/api/v1/accounts/password-reset", json!({"email": email}), None).await.ok(202);
    let mail = app.smtp.wait(email, "Reset").await;
    let r = app
        .post("/api/v1/accounts/password-reset/confirm", json!({"token": mail.token(), "password": PASSWORD}), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert!(r.body.get("token").is_none());
    login(&app, email).await;
    let session = login_with_code(&app, email, &authenticator).await;
    let changed = app
        .send_put(
            "/api/v1/me/password",
            &json!({"current_password": PASSWORD, "new_password": PASSWORD}),
            Some(&session),
        )
        .await;
    assert_eq!(changed.status, 204, "{}", changed.text);
    assert!(changed.text.is_empty(), "a password change issues no session");
    login(&app, email).await;

    // Lost the app and the codes: the operator's reset ends every session and mails the owner.
    muster_api::services::mfa::operator_reset(&app.state, email).await.unwrap();
    app.get("/api/v1/me", Some(&session)).await.problem(401, "session_revoked");
    app.smtp.wait(email, "turned off by the operator").await;
    app.login(email).await;
}

#[tokio::test]
async fn elevation_asks_for_the_code_and_the_policy_keeps_admins_without_mfa_out() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let grace = format!("grace@{}", pma.domain);
    invite(&app, &pma, &[&grace]).await;
    let account = accept(&app, &grace, 1).await["account_id"].as_str().unwrap().to_string();
    app.put_json(&format!("{base}/admins/{account}"), &pma.token).await.ok(200);
    let grace_token = app.login(&grace).await;
    app.elevate(&grace_token).await;
    let grace_admin = crate::helpers::Admin { email: grace.clone(), token: grace_token.clone(), ..pma.clone() };
    let api_token = secret(&create_token(&app, &grace_admin, "nightly", &[muster_model::ApiScope::UsersRead]).await);

    // Only a PMA with MFA on may require it.
    app.patch(&base, json!({"require_admin_mfa": true}), Some(&pma.token)).await.problem(403, "mfa_required_first");
    app.patch(&base, json!({"require_admin_mfa": true}), Some(&grace_token)).await.problem(403, "forbidden");
    let (pma_app, _) = enable_mfa(&app, &pma.token).await;
    let e = app.patch(&base, json!({"require_admin_mfa": true}), Some(&pma.token)).await;
    assert_eq!(e.ok(200)["require_admin_mfa"], true);
    let audit = app.get(&format!("{base}/audit-events"), Some(&pma.token)).await;
    assert!(audit.text.contains("enterprise.admin_mfa_policy_changed"), "{}", audit.text);

    // The PMA's next session: elevation needs the code as well.
    let session = login_with_code(&app, &pma.email, &pma_app).await;
    let elevate = |code: Option<String>| json!({"password": PASSWORD, "code": code});
    app.post("/api/v1/sessions/current/elevate", elevate(None), Some(&session)).await.problem(422, "mfa_code_required");
    app.post("/api/v1/sessions/current/elevate", elevate(Some("999999".into())), Some(&session))
        .await
        .problem(422, "wrong_code");
    app.post("/api/v1/sessions/current/elevate", elevate(Some(pma_app.code(&app))), Some(&session)).await.ok(200);
    app.get(&base, Some(&session)).await.ok(200);

    // Grace has no MFA: her open console, a new elevation and her token all stop.
    app.get(&format!("{base}/users"), Some(&grace_token)).await.problem(403, "mfa_enrollment_required");
    app.post("/api/v1/sessions/current/elevate", elevate(None), Some(&grace_token))
        .await
        .problem(403, "mfa_enrollment_required");
    app.get(&format!("{base}/users"), Some(&api_token)).await.problem(403, "mfa_enrollment_required");
    let status = app.get("/api/v1/me/mfa", Some(&grace_token)).await;
    assert_eq!(status.ok(200)["required_by_policy"], true);

    // She enrols: the console and the token work again, and she cannot turn it off.
    let (grace_app, _) = enable_mfa(&app, &grace_token).await;
    app.post("/api/v1/sessions/current/elevate", elevate(Some(grace_app.code(&app))), Some(&grace_token)).await.ok(200);
    app.get(&format!("{base}/users"), Some(&grace_token)).await.ok(200);
    app.get(&format!("{base}/users"), Some(&api_token)).await.ok(200);
    next_step(&app);
    let off = json!({"password": PASSWORD, "code": grace_app.code(&app)});
    let r = app.send(app.http.delete(format!("{}/api/v1/me/mfa/totp", app.base)).json(&off), Some(&grace_token)).await;
    r.problem(409, "mfa_required_by_policy");

    // The policy off again: an admin without MFA elevates with the password alone.
    let e: Value = app.patch(&base, json!({"require_admin_mfa": false}), Some(&session)).await.ok(200).clone();
    assert_eq!(e["require_admin_mfa"], false);
}

#[tokio::test]
async fn parallel_guesses_share_the_limits() {
    let app = spawn_app().await;
    let email = "burst@mfa.test";
    let token = app.active_account(email).await;
    let (authenticator, codes) = enable_mfa(&app, &token).await;
    let challenge = login(&app, email).await;
    // Thirty guesses at once on one MFA token: five are judged, the rest find it dead.
    let guesses = (0..30).map(|i| second_step(&app, &challenge, "code", if i % 2 == 0 { "000000" } else { "111111" }));
    let answers = futures_util::future::join_all(guesses).await;
    let judged = answers
        .iter()
        .filter(|r| {
            r.status == 422
                || r.body["detail"].as_str().is_some_and(|d| d.contains("Too many wrong codes for this sign-in;"))
        })
        .count();
    assert_eq!(judged, 5, "{:?}", answers.iter().map(|r| (r.status, r.code().to_string())).collect::<Vec<_>>());
    assert!(answers.iter().all(|r| r.status == 422 || r.code() == "mfa_token_invalid"));

    // Across many tokens the account's own count stops at ten guesses in the window.
    let mut tokens = Vec::new();
    for _ in 0..4 {
        tokens.push(login(&app, email).await);
    }
    let guesses = tokens.iter().flat_map(|t| (0..5).map(move |_| t.clone())).collect::<Vec<_>>();
    let answers = futures_util::future::join_all(guesses.iter().map(|t| second_step(&app, t, "code", "000000"))).await;
    let locked = answers.iter().filter(|r| r.code() == "mfa_locked").count();
    assert_eq!(
        locked,
        15,
        "5 guesses were left of the ten: {:?}",
        answers.iter().map(|r| r.code().to_string()).collect::<Vec<_>>()
    );
    // The owner still gets in with a recovery code while the app's codes are locked.
    let mine = login(&app, email).await;
    second_step(&app, &mine, "code", &authenticator.code(&app)).await.problem(429, "mfa_locked");
    second_step(&app, &mine, "recovery_code", &codes[0]).await.ok(201);
}
