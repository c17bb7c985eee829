//! The cell phone number (DESIGN §2a) against a real HTTP gateway receiver on
//! loopback and the file transport: the code arrives, verifies, and the
//! number signs in; a number another account verified is refused; a gateway
//! that was down gets the message once it is back; the toll-fraud caps hold.

use std::{sync::atomic::Ordering, time::Duration};

use serde_json::json;

use crate::{
    helpers::{spawn_app_with, Receiver, TestApp, PASSWORD},
    mfa::{enable_mfa, next_step},
};

const AUTH: &str = "Bearer gateway-secret";

async fn app_with_gateway() -> (TestApp, Receiver) {
    let gateway = Receiver::start("/sms").await;
    let url = gateway.url.clone();
    let app = spawn_app_with(move |c| {
        c.sms_url = Some(url);
        c.sms_auth_header = Some(AUTH.into());
        c.sms_retry = Duration::from_secs(1);
    })
    .await;
    (app, gateway)
}

/// Waits for the `n`-th message (1-based) the gateway took, and answers its code.
async fn nth_code(app: &TestApp, gateway: &Receiver, to: &str, n: usize) -> String {
    let to_this = || gateway.delivered().into_iter().filter(|r| r.body.contains(to)).collect::<Vec<_>>();
    app.eventually("the SMS reaches the gateway", || async { to_this().len() >= n }).await;
    let sms: serde_json::Value = serde_json::from_str(&to_this()[n - 1].body).unwrap();
    assert_eq!(sms["to"], to);
    code_in(sms["body"].as_str().unwrap())
}

fn code_in(body: &str) -> String {
    body.split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("a 6-digit code")
        .to_string()
}

async fn put_phone(app: &TestApp, token: &str, phone: &str) -> crate::helpers::Resp {
    app.send_put("/api/v1/me/phone", &json!({"phone": phone}), Some(token)).await
}

async fn verify(app: &TestApp, token: &str, code: &str) -> crate::helpers::Resp {
    app.post("/api/v1/me/phone/verify", json!({"code": code}), Some(token)).await
}

#[tokio::test]
async fn a_number_is_verified_by_sms_signs_in_and_is_unique_across_accounts() {
    let (app, gateway) = app_with_gateway().await;
    let token = app.active_account("ada@phone.test").await;
    put_phone(&app, &token, "+1 (201) 555-0123").await.ok(202);
    let code = nth_code(&app, &gateway, "+12015550123", 1).await;
    let got = gateway.delivered();
    assert_eq!(got[0].header("authorization"), AUTH);
    assert_eq!(got[0].header("content-type"), "application/json");
    let sms: serde_json::Value = serde_json::from_str(&got[0].body).unwrap();
    assert!(sms["id"].as_str().is_some_and(|id| !id.is_empty()));
    let status = app.get("/api/v1/me/mfa", Some(&token)).await;
    assert_eq!(status.ok(200)["phone_pending"], "+12015550123");

    let wrong = if code == "000000" { "000001" } else { "000000" };
    verify(&app, &token, wrong).await.problem(422, "wrong_code");
    let verified = verify(&app, &token, &code).await;
    assert_eq!(verified.ok(200)["phone"], "+12015550123");
    verify(&app, &token, &code).await.problem(409, "no_phone_pending");
    // The delivered message's body (it held the code) is not kept.
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body_text FROM sms_outbox").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(bodies.iter().all(String::is_empty), "{bodies:?}");

    // The number signs in, however it is written.
    let r = app.post("/api/v1/sessions", json!({"phone": "+12015550123", "password": PASSWORD}), None).await;
    r.ok(201);
    let r =
        app.post("/api/v1/sessions", json!({"phone": "+1 201 555 0123", "password": "wrong password!!"}), None).await;
    r.problem(401, "invalid_credentials");
    let r = app.post("/api/v1/sessions", json!({"phone": "+1 201 555 0199", "password": PASSWORD}), None).await;
    r.problem(401, "invalid_credentials");

    // Another account may ask for a code to the same number (202 reveals nothing), but not verify it.
    let other = app.active_account("bob@phone.test").await;
    put_phone(&app, &other, "+12015550123").await.ok(202);
    let code = nth_code(&app, &gateway, "+12015550123", 2).await;
    verify(&app, &other, &code).await.problem(409, "phone_taken");

    // With MFA on, a log in by phone asks for the second step too.
    let (authenticator, _) = enable_mfa(&app, &token).await;
    let r = app.post("/api/v1/sessions", json!({"phone": "+12015550123", "password": PASSWORD}), None).await;
    let challenge = r.ok(200)["mfa_token"].as_str().unwrap().to_string();
    let r =
        app.post("/api/v1/sessions/mfa", json!({"mfa_token": challenge, "code": authenticator.code(&app)}), None).await;
    r.ok(201);
    next_step(&app);

    // Removed, it no longer signs in, and the other account may now have it.
    assert_eq!(app.delete("/api/v1/me/phone", Some(&token)).await.status, 204);
    let r = app.post("/api/v1/sessions", json!({"phone": "+12015550123", "password": PASSWORD}), None).await;
    r.problem(401, "invalid_credentials");
    app.state.clock.advance(Duration::from_secs(61));
    put_phone(&app, &other, "+12015550123").await.ok(202);
    let code = nth_code(&app, &gateway, "+12015550123", 3).await;
    verify(&app, &other, &code).await.ok(200);
}

#[tokio::test]
async fn malformed_numbers_and_other_countries_are_refused_with_a_clear_code() {
    let gateway = Receiver::start("/sms").await;
    let url = gateway.url.clone();
    let app = spawn_app_with(move |c| {
        c.sms_url = Some(url);
        c.sms_allowed_countries = Some(vec!["US".into(), "CA".into()]);
    })
    .await;
    let token = app.active_account("eve@phone.test").await;
    for (phone, code) in [
        ("201 555 0123", "invalid_phone"),
        ("+1 twenty", "invalid_phone"),
        ("+1 555", "invalid_phone"),
        ("+44 909 8790879", "phone_not_mobile"),
        ("+44 7400 123456", "phone_country_not_allowed"),
    ] {
        put_phone(&app, &token, phone).await.problem(422, code);
    }
    let r = app.send_put("/api/v1/me/phone", &json!({"phone": 12015550123u64}), Some(&token)).await;
    assert_eq!(r.status, 400, "{}", r.text);
    let r = app.post("/api/v1/sessions", json!({"phone": "not a number", "password": PASSWORD}), None).await;
    r.problem(401, "invalid_credentials");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(gateway.got.lock().unwrap().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn codes_expire_allow_five_tries_and_sends_are_capped() {
    let (app, gateway) = app_with_gateway().await;
    let token = app.active_account("cap@phone.test").await;
    put_phone(&app, &token, "+12015550150").await.ok(202);
    let code = nth_code(&app, &gateway, "+12015550150", 1).await;
    put_phone(&app, &token, "+12015550150").await.problem(429, "sms_resend_too_soon");

    // Ten minutes, then the code is worthless.
    app.state.clock.advance(Duration::from_secs(10 * 60 + 1));
    verify(&app, &token, &code).await.problem(410, "code_expired");

    // Five tries per code.
    put_phone(&app, &token, "+12015550150").await.ok(202);
    let code = nth_code(&app, &gateway, "+12015550150", 2).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        verify(&app, &token, wrong).await.problem(422, "wrong_code");
    }
    verify(&app, &token, &code).await.problem(410, "code_expired");

    // Five sends a day per account.
    for n in 3..=5 {
        app.state.clock.advance(Duration::from_secs(61));
        put_phone(&app, &token, "+12015550150").await.ok(202);
        nth_code(&app, &gateway, "+12015550150", n).await;
    }
    app.state.clock.advance(Duration::from_secs(61));
    put_phone(&app, &token, "+12015550150").await.problem(429, "sms_limit_reached");
    app.state.clock.advance(Duration::from_secs(24 * 3600));
    put_phone(&app, &token, "+12015550150").await.ok(202);
}

#[tokio::test]
async fn the_daily_total_is_capped_across_accounts() {
    let gateway = Receiver::start("/sms").await;
    let url = gateway.url.clone();
    let app = spawn_app_with(move |c| {
        c.sms_url = Some(url);
        c.sms_daily_limit = 2;
    })
    .await;
    for (n, who) in ["a", "b"].iter().enumerate() {
        let token = app.active_account(&format!("{who}@total.test")).await;
        put_phone(&app, &token, &format!("+1201555016{n}")).await.ok(202);
    }
    let token = app.active_account("c@total.test").await;
    put_phone(&app, &token, "+12015550169").await.problem(429, "sms_limit_reached");
}

#[tokio::test]
async fn a_gateway_that_was_down_gets_the_message_once_it_is_back() {
    let (app, gateway) = app_with_gateway().await;
    gateway.status.store(503, Ordering::SeqCst);
    let token = app.active_account("down@phone.test").await;
    put_phone(&app, &token, "+12015550170").await.ok(202);
    app.eventually("the gateway refused twice", || async {
        gateway.got.lock().unwrap().iter().filter(|(s, _)| *s == 503).count() >= 2
    })
    .await;
    gateway.status.store(200, Ordering::SeqCst);
    let code = nth_code(&app, &gateway, "+12015550170", 1).await;
    let got = gateway.got.lock().unwrap().clone();
    let ids: std::collections::HashSet<String> = got
        .iter()
        .map(|(_, r)| serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 1, "every attempt carries the same id, so a gateway can drop a repeat");
    assert_eq!(gateway.delivered().len(), 1, "delivered once");
    verify(&app, &token, &code).await.ok(200);
}

#[tokio::test]
async fn without_a_gateway_the_message_is_a_file_in_the_data_dir() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.active_account("file@phone.test").await;
    put_phone(&app, &token, "+447400123456").await.ok(202);
    let dir = app.state.config.data_dir.join("sms");
    let read = || {
        std::fs::read_dir(&dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json"))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    app.eventually("the SMS file is written", || async { read().len() == 1 }).await;
    let sms: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&read()[0]).unwrap()).unwrap();
    assert_eq!(sms["to"], "+447400123456");
    verify(&app, &token, &code_in(sms["body"].as_str().unwrap())).await.ok(200);
}

#[tokio::test]
async fn parallel_requests_get_one_code_and_five_tries() {
    let (app, gateway) = app_with_gateway().await;
    let token = app.active_account("burst@phone.test").await;
    let answers = futures_util::future::join_all((0..12).map(|_| put_phone(&app, &token, "+12015550180"))).await;
    let sent = answers.iter().filter(|r| r.status == 202).count();
    assert_eq!(sent, 1, "{:?}", answers.iter().map(|r| (r.status, r.code().to_string())).collect::<Vec<_>>());
    assert!(answers.iter().all(|r| r.status == 202 || r.code() == "sms_resend_too_soon"));
    let code = nth_code(&app, &gateway, "+12015550180", 1).await;
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let tries = futures_util::future::join_all((0..20).map(|_| verify(&app, &token, wrong))).await;
    assert_eq!(tries.iter().filter(|r| r.code() == "wrong_code").count(), 5);
    verify(&app, &token, &code).await.problem(410, "code_expired");
}
