//! Users and billing: search, filters, paging, profile edits, managed seats,
//! suspend/restore, and a contract's seat cap under concurrent requests.

use serde_json::{json, Value};

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::{domain, spawn_app, Admin, TestApp},
};
use muster_api::services::enterprises::create_contract;
use muster_model::Plan;

async fn users(app: &TestApp, admin: &Admin, query: &str) -> Value {
    app.get(&format!("/api/v1/enterprises/{}/users{query}", admin.enterprise_id), Some(&admin.token))
        .await
        .ok(200)
        .clone()
}

fn id_of(page: &Value, email: &str) -> String {
    page["items"].as_array().unwrap().iter().find(|m| m["email"] == email).unwrap()["id"].as_str().unwrap().to_string()
}

/// Invites and enrolls `names` into the admin's domain; returns their emails.
async fn enrolled(app: &TestApp, admin: &Admin, names: &[&str]) -> Vec<String> {
    let emails: Vec<String> = names.iter().map(|n| format!("{n}@{}", admin.domain)).collect();
    invite(app, admin, &emails.iter().map(String::as_str).collect::<Vec<_>>()).await;
    for e in &emails {
        accept(app, e, 1).await;
    }
    emails
}

#[tokio::test]
async fn members_are_searched_filtered_and_paged_on_the_server() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let emails = enrolled(&app, &admin, &["grace", "alan"]).await;
    invite(&app, &admin, &[&format!("zed@{}", admin.domain)]).await;
    let all = users(&app, &admin, "").await;
    let listed: Vec<&str> = all["items"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    assert_eq!(
        listed,
        [emails[1].as_str(), emails[0].as_str(), admin.email.as_str(), &format!("zed@{}", admin.domain)]
    );

    let alan = id_of(&all, &emails[1]);
    let path = format!("/api/v1/enterprises/{}/users/{alan}", admin.enterprise_id);
    let r = app.patch(&path, json!({"first_name": "Alan", "last_name": "Turing", "department": "Codebreaking", "job_title": "Mathematician"}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["department"], "Codebreaking");
    app.patch(&path, json!({"phone": "x".repeat(300)}), Some(&admin.token)).await.problem(422, "validation_failed");

    assert_eq!(users(&app, &admin, "?q=CODEBREAK").await["items"][0]["email"], emails[1].as_str());
    assert_eq!(users(&app, &admin, "?q=turing").await["items"].as_array().unwrap().len(), 1);
    assert_eq!(users(&app, &admin, "?q=%25").await["items"].as_array().unwrap().len(), 0, "% is matched literally");
    assert_eq!(users(&app, &admin, "?state=invited").await["items"].as_array().unwrap().len(), 1);

    let first = users(&app, &admin, "?limit=2").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = users(&app, &admin, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert!(rest["next_cursor"].is_null());
    app.get(&format!("/api/v1/enterprises/{}/users?limit=500", admin.enterprise_id), Some(&admin.token))
        .await
        .problem(422, "invalid_limit");
    app.get(&format!("/api/v1/enterprises/{}/users?state=ghost", admin.enterprise_id), Some(&admin.token))
        .await
        .problem(422, "validation_failed");
}

#[tokio::test]
async fn managed_members_are_billed_per_seat() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let emails = enrolled(&app, &admin, &["grace", "alan"]).await;
    invite(&app, &admin, &[&format!("zed@{}", admin.domain)]).await;
    let page = users(&app, &admin, "").await;
    let ids: Vec<String> = emails.iter().map(|e| id_of(&page, e)).collect();
    let zed = id_of(&page, &format!("zed@{}", admin.domain));
    let base = format!("/api/v1/enterprises/{}/users", admin.enterprise_id);

    let r = app.post(&format!("{base}/manage"), json!({"ids": [ids[0], ids[1], zed]}), Some(&admin.token)).await;
    let r = r.ok(200);
    assert_eq!((r["changed"].as_u64(), r["managed_seats"].as_i64()), (Some(2), Some(2)));
    assert_eq!(r["skipped"], json!([zed]), "an invited person is not enrolled yet");
    let again = app.post(&format!("{base}/manage"), json!({"ids": [ids[0]]}), Some(&admin.token)).await;
    assert_eq!(again.ok(200)["changed"], 0);
    app.patch(&format!("{base}/{zed}"), json!({"state": "managed"}), Some(&admin.token))
        .await
        .problem(409, "not_enrolled");

    let billing = app.get(&format!("/api/v1/enterprises/{}/billing", admin.enterprise_id), Some(&admin.token)).await;
    let b = billing.ok(200);
    assert_eq!(b["managed_seats"], 2);
    assert_eq!(b["seat_price_cents"], 800);
    assert_eq!(b["period_charge_cents"], 1600);
    assert_eq!(b["recent_seat_events"].as_array().unwrap().len(), 2);
    assert_eq!(b["recent_seat_events"][0]["seats_after"], 2);

    // Suspending a managed member frees its seat; restoring makes it unmanaged.
    let r = app.patch(&format!("{base}/{}", ids[0]), json!({"state": "suspended"}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["state"], "suspended");
    let r = app.patch(&format!("{base}/{}", ids[0]), json!({"state": "unmanaged"}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["state"], "unmanaged");
    let r = app.post(&format!("{base}/unmanage"), json!({"ids": [ids[1]]}), Some(&admin.token)).await;
    assert_eq!(r.ok(200)["managed_seats"], 0);
    app.patch(&format!("{base}/{}", ids[1]), json!({"state": "removed"}), Some(&admin.token))
        .await
        .problem(422, "invalid_state");
    app.post(&format!("{base}/manage"), json!({"ids": []}), Some(&admin.token)).await.problem(422, "invalid_ids");

    // Annual billing prices the seat per year.
    app.patch(
        &format!("/api/v1/enterprises/{}", admin.enterprise_id),
        json!({"billing_cycle": "annual"}),
        Some(&admin.token),
    )
    .await
    .ok(200);
    app.post(&format!("{base}/manage"), json!({"ids": ids}), Some(&admin.token)).await.ok(200);
    let b = app.get(&format!("/api/v1/enterprises/{}/billing", admin.enterprise_id), Some(&admin.token)).await;
    assert_eq!(
        (b.body["seat_price_cents"].as_i64(), b.body["period_charge_cents"].as_i64()),
        (Some(8000), Some(16000))
    );
}

#[tokio::test]
async fn a_contract_seat_cap_holds_under_concurrent_requests() {
    let app = spawn_app().await;
    let d = domain();
    let it = format!("it@{d}");
    let (id, _) = create_contract(&app.state, &d, &it, Plan::Premium, 1).await.unwrap();
    accept(&app, &it, 1).await;
    let token = app.login(&it).await;
    app.elevate(&token).await;
    let admin =
        Admin { email: it.clone(), token, enterprise_id: id, domain: d.clone(), verification_token: String::new() };
    let emails = enrolled(&app, &admin, &["a", "b"]).await;
    let page = users(&app, &admin, "").await;
    let (a, b) = (id_of(&page, &emails[0]), id_of(&page, &emails[1]));
    let path = format!("/api/v1/enterprises/{}/users/manage", admin.enterprise_id);
    let (ra, rb) = tokio::join!(
        app.post(&path, json!({"ids": [a]}), Some(&admin.token)),
        app.post(&path, json!({"ids": [b]}), Some(&admin.token)),
    );
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", ra.text, rb.text);
    let refused = if ra.status == 409 { ra } else { rb };
    refused.problem(409, "seat_cap_reached");
    let managed = users(&app, &admin, "?state=managed").await;
    assert_eq!(managed["items"].as_array().unwrap().len(), 1);
    let b = app.get(&format!("/api/v1/enterprises/{}/billing", admin.enterprise_id), Some(&admin.token)).await;
    assert_eq!((b.body["managed_seats"].as_i64(), b.body["seat_cap"].as_i64()), (Some(1), Some(1)));
}
