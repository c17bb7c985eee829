//! Webhooks against a real HTTP receiver on loopback: signed as Standard
//! Webhooks says, every event delivered once even when the receiver was down
//! for a while, private targets refused without the opt-in, the delivery log
//! and its Retry.

use std::{sync::atomic::Ordering, time::Duration};

use base64::Engine;
use serde_json::{json, Value};

use crate::{
    enrollment::verified_admin,
    helpers::{spawn_app_with, Admin, Received, Receiver, TestApp},
};

async fn receiver() -> Receiver {
    Receiver::start("/hooks/muster").await
}

async fn add_webhook(app: &TestApp, admin: &Admin, url: &str, events: &[&str]) -> Value {
    let path = format!("/api/v1/enterprises/{}/webhooks", admin.enterprise_id);
    app.post(&path, json!({"url": url, "events": events, "description": "test"}), Some(&admin.token))
        .await
        .ok(201)
        .clone()
}

fn verify(secret: &str, r: &Received) -> bool {
    use hmac::{Hmac, Mac};
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.header("webhook-id"), r.header("webhook-timestamp"), r.body).as_bytes());
    let expected = format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()));
    r.header("webhook-signature").split(' ').any(|s| s == expected)
}

async fn invite(app: &TestApp, admin: &Admin, local: &str) {
    let path = format!("/api/v1/enterprises/{}/invitations", admin.enterprise_id);
    let r = app.post(&path, json!({"emails": [format!("{local}@{}", admin.domain)]}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["results"][0]["outcome"], "invited", "{}", r.text);
}

#[tokio::test]
async fn events_arrive_signed_and_each_once_after_the_receiver_was_down() {
    let app = spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.webhook_retry = Duration::from_millis(200);
    })
    .await;
    let pma = verified_admin(&app).await;
    let hook = receiver().await;
    let created = add_webhook(&app, &pma, &hook.url, &["member.created", "api_token.created"]).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_") && secret.len() >= 6 + 32, "{secret}");

    invite(&app, &pma, "ada").await;
    app.eventually("the first event arrives", || async { !hook.got.lock().unwrap().is_empty() }).await;
    let (_, first) = hook.got.lock().unwrap()[0].clone();
    assert!(verify(&secret, &first), "the signature verifies: {first:?}");
    let event: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(event["type"], "member.created");
    assert_eq!(event["id"], json!(first.header("webhook-id")));
    assert_eq!(event["enterprise_id"], json!(pma.enterprise_id));
    assert_eq!(event["data"]["email"], json!(format!("ada@{}", pma.domain)));
    assert_eq!(event["data"]["source"], "invite");

    // Down for a while: three more events are retried until it answers again.
    hook.status.store(503, Ordering::SeqCst);
    for name in ["grace", "linus"] {
        invite(&app, &pma, name).await;
    }
    let tokens = format!("/api/v1/enterprises/{}/api-tokens", pma.enterprise_id);
    app.post(&tokens, json!({"name": "ci", "scopes": ["users:read"]}), Some(&pma.token)).await.ok(201);
    app.eventually("refused attempts", || async {
        hook.got.lock().unwrap().iter().filter(|(s, _)| *s == 503).count() >= 6
    })
    .await;
    hook.status.store(200, Ordering::SeqCst);
    app.eventually("all four delivered", || async {
        hook.got.lock().unwrap().iter().filter(|(s, _)| *s == 200).count() >= 4
    })
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let got = hook.got.lock().unwrap().clone();
    let delivered: Vec<_> = got.iter().filter(|(s, _)| *s == 200).map(|(_, r)| r.header("webhook-id")).collect();
    let mut unique = delivered.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(delivered.len(), 4, "each event delivered once: {delivered:?}");
    assert_eq!(unique.len(), 4);
    assert!(got.iter().all(|(_, r)| verify(&secret, r)), "every attempt is signed anew and verifies");
    let retried = got.iter().filter(|(s, _)| *s == 503).map(|(_, r)| r.header("webhook-id")).collect::<Vec<_>>();
    assert!(retried.iter().all(|id| delivered.contains(id)), "a retry keeps its webhook-id");

    // The delivery log says so.
    let id = created["id"].as_str().unwrap();
    let log =
        app.get(&format!("/api/v1/enterprises/{}/webhooks/{id}/deliveries", pma.enterprise_id), Some(&pma.token)).await;
    let items = log.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 4, "{}", log.text);
    assert!(items.iter().all(|d| d["state"] == "delivered" && d["last_status"] == 200), "{}", log.text);
    assert!(items.iter().any(|d| d["attempts"].as_u64().unwrap() > 1), "some were retried: {}", log.text);
    assert!(items.iter().all(|d| d["last_response"].is_null()), "a private target's answer is not kept");
}

#[tokio::test]
async fn a_private_target_is_refused_without_the_opt_in_and_retry_resends_the_same_event() {
    let app = spawn_app_with(|c| c.webhook_retry = Duration::from_millis(200)).await;
    let pma = verified_admin(&app).await;
    let hook = receiver().await;
    let created = add_webhook(&app, &pma, &hook.url, &["member.created"]).await;
    invite(&app, &pma, "ada").await;
    let id = created["id"].as_str().unwrap();
    let log = format!("/api/v1/enterprises/{}/webhooks/{id}/deliveries", pma.enterprise_id);
    app.eventually("an attempt is logged", || async {
        app.get(&log, Some(&pma.token)).await.body["items"][0]["attempts"].as_u64().unwrap_or(0) >= 1
    })
    .await;
    let d = app.get(&log, Some(&pma.token)).await.body["items"][0].clone();
    assert!(d["last_error"].as_str().unwrap().contains("public addresses only"), "{d}");
    assert!(hook.got.lock().unwrap().is_empty(), "nothing reached the loopback receiver");
    // Retry of a pending delivery is a conflict; of another endpoint's id, 404.
    let retry = format!("{log}/{}/retry", d["id"].as_str().unwrap());
    app.post(&retry, json!({}), Some(&pma.token)).await.problem(409, "delivery_pending");
    app.post(&format!("{log}/01234567-0000-7000-8000-000000000001/retry"), json!({}), Some(&pma.token))
        .await
        .problem(404, "not_found");
    assert!(
        d["last_error"].as_str().unwrap().contains("resolves to a non-public address"),
        "the address is not named: {d}"
    );

    // Turned off, the endpoint gets nothing more: its pending delivery fails.
    let hook_path = format!("/api/v1/enterprises/{}/webhooks/{id}", pma.enterprise_id);
    app.patch(&hook_path, json!({"enabled": false}), Some(&pma.token)).await.ok(200);
    let delivery = d["id"].as_str().unwrap().to_string();
    let pool = app.state.db.pool.clone();
    let row = || {
        let (pool, delivery) = (pool.clone(), delivery.clone());
        async move {
            sqlx::query_as::<_, (String, i64)>("SELECT state, created_at FROM webhook_outbox WHERE id = $1")
                .bind(delivery)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    app.eventually("the delivery fails once the endpoint is off", || async { row().await.0 == "failed" }).await;
    let before = row().await;

    // Another enterprise's admin cannot retry it through an endpoint of their own.
    let other = verified_admin(&app).await;
    let theirs = add_webhook(&app, &other, "https://hooks.example.com/x", &["member.created"]).await;
    let cross = format!(
        "/api/v1/enterprises/{}/webhooks/{}/deliveries/{delivery}/retry",
        other.enterprise_id,
        theirs["id"].as_str().unwrap()
    );
    app.post(&cross, json!({}), Some(&other.token)).await.problem(404, "not_found");
    assert_eq!(row().await, before, "the other enterprise's retry changed nothing");
    assert!(hook.got.lock().unwrap().is_empty());
}

#[tokio::test]
async fn endpoints_are_checked_listed_changed_and_deleted_and_tokens_need_their_scope() {
    let app = spawn_app_with(|_| {}).await;
    let pma = verified_admin(&app).await;
    let path = format!("/api/v1/enterprises/{}/webhooks", pma.enterprise_id);
    let t = Some(pma.token.as_str());
    app.post(&path, json!({"url": "ftp://x", "events": ["member.created"]}), t).await.problem(422, "invalid_url");
    app.post(&path, json!({"url": "https://hooks.example.com/", "events": []}), t).await.problem(422, "no_events");
    let created = add_webhook(&app, &pma, "https://hooks.example.com/m", &["job.finished"]).await;
    let id = created["id"].as_str().unwrap();
    let list = app.get(&path, t).await;
    assert_eq!(list.ok(200)["items"][0]["url"], "https://hooks.example.com/m");
    assert!(!list.text.contains(created["secret"].as_str().unwrap()), "the secret is never listed");
    let changed = app.patch(&format!("{path}/{id}"), json!({"enabled": false, "events": ["member.updated"]}), t).await;
    assert_eq!(changed.ok(200)["enabled"], false);
    assert_eq!(changed.body["events"], json!(["member.updated"]));
    assert_eq!(app.delete(&format!("{path}/{id}"), t).await.status, 204);
    assert!(app.get(&path, t).await.ok(200)["items"].as_array().unwrap().is_empty());
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT secret_sealed FROM webhooks").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(created["secret"].as_str().unwrap()), "sealed at rest");
}

#[tokio::test]
async fn invitations_mailed_later_by_send_pending_or_a_resend_raise_invitation_sent() {
    let app = spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.webhook_retry = Duration::from_millis(200);
    })
    .await;
    let pma = verified_admin(&app).await;
    let hook = receiver().await;
    add_webhook(&app, &pma, &hook.url, &["invitation.sent"]).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let staged = json!({"emails": [format!("ada@{}", pma.domain)], "send_invitations": false});
    let r = app.post(&format!("{base}/invitations"), staged, Some(&pma.token)).await;
    assert_eq!(r.ok(200)["results"][0]["outcome"], "invited", "{}", r.text);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(hook.got.lock().unwrap().is_empty(), "a staged invitation is not sent yet");
    app.post(&format!("{base}/invitations/send-pending"), json!({}), Some(&pma.token)).await.ok(202);
    app.eventually("sent by send pending", || async { hook.got.lock().unwrap().len() == 1 }).await;
    let first: Value = serde_json::from_str(&hook.got.lock().unwrap()[0].1.body).unwrap();
    assert_eq!(first["type"], "invitation.sent");
    assert_eq!(first["data"]["email"], json!(format!("ada@{}", pma.domain)));
    let invitation = first["data"]["invitation_id"].as_str().unwrap().to_string();
    app.post(&format!("{base}/invitations/{invitation}/resend"), json!({}), Some(&pma.token)).await.ok(200);
    app.eventually("sent again by the resend", || async { hook.got.lock().unwrap().len() == 2 }).await;
}
