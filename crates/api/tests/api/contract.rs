//! Contract enterprises (`muster enterprise create`): domain assigned, seats
//! capped, and the admin invited by mail to set a password.

use serde_json::json;

use crate::helpers::{domain, spawn_app, PASSWORD};
use muster_api::services::enterprises::create_contract;
use muster_model::Plan;

#[tokio::test]
async fn the_contract_admin_sets_a_password_through_the_invitation() {
    let app = spawn_app().await;
    let d = domain();
    let admin = format!("it@{d}");
    let (id, link) = create_contract(&app.state, &d, &admin, Plan::Premium, 50).await.unwrap();
    let mail = app.smtp.wait(&admin, "invited").await;
    assert_eq!(mail.link(), link);
    let token = mail.token();

    // Looking up (as a mail scanner would) never consumes the invitation.
    for _ in 0..2 {
        let r = app.get(&format!("/api/v1/invitations/lookup?token={token}"), None).await;
        let l = r.ok(200);
        assert_eq!(l["email"], admin.as_str());
        assert_eq!(l["enterprise_domain"], d.as_str());
        assert_eq!(l["account_exists"], false);
        assert_eq!(l["grants_admin"], true);
    }
    app.get("/api/v1/invitations/lookup?token=nope", None).await.problem(404, "not_found");
    app.post("/api/v1/invitations/accept", json!({"token": token}), None).await.problem(422, "password_required");
    app.post("/api/v1/invitations/accept", json!({"token": token, "password": "short"}), None)
        .await
        .problem(422, "weak_password");
    let r = app
        .post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD, "first_name": "Ida"}), None)
        .await;
    assert_eq!(r.ok(200)["enterprise_id"], id.as_str());
    assert_eq!(r.body["member_state"], "unmanaged");
    let again = app.post("/api/v1/invitations/accept", json!({"token": token, "password": PASSWORD}), None).await;
    assert_eq!(again.status, 409, "{}", again.text);

    let session = app.login(&admin).await;
    app.elevate(&session).await;
    let e = app.get(&format!("/api/v1/enterprises/{id}"), Some(&session)).await;
    let e = e.ok(200);
    assert_eq!(e["kind"], "contract");
    assert_eq!(e["seat_cap"], 50);
    assert_eq!(e["domain_status"], "verified");
    assert_eq!(e["role"], "pma");
    assert!(e["verification"].is_null());
    assert!(e["modules"].as_array().unwrap().iter().all(|m| m["enabled"] == true));
}

#[tokio::test]
async fn contract_input_is_checked() {
    let app = spawn_app().await;
    let d = domain();
    let err = create_contract(&app.state, &d, &format!("it@other-{d}"), Plan::Premium, 5).await.unwrap_err();
    assert_eq!(err.code(), "not_in_domain");
    let err = create_contract(&app.state, "not a domain", "it@x.test", Plan::Premium, 5).await.unwrap_err();
    assert_eq!(err.code(), "invalid_domain");
    let err = create_contract(&app.state, &d, &format!("it@{d}"), Plan::Premium, -1).await.unwrap_err();
    assert_eq!(err.code(), "invalid_seats");
    create_contract(&app.state, &d, &format!("it@{d}"), Plan::Free, 5).await.unwrap();
    let err = create_contract(&app.state, &d, &format!("it@{d}"), Plan::Free, 5).await.unwrap_err();
    assert_eq!(err.code(), "domain_taken");
    assert_eq!(app.count("enterprises").await, 1);
}
