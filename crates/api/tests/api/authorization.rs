//! An admin of one enterprise never sees or touches another's; non-admins get
//! 404 (ids don't leak) and anonymous callers 401.

use serde_json::{json, Value};

use crate::helpers::{domain, spawn_app, TestApp};

const ANY_ID: &str = "01234567-0000-7000-8000-000000000001";

/// Every enterprise-scoped route of this issue, with a harmless body.
fn routes(e: &str) -> Vec<(&'static str, String, Value)> {
    vec![
        ("GET", format!("/api/v1/enterprises/{e}"), Value::Null),
        ("PATCH", format!("/api/v1/enterprises/{e}"), json!({"plan": "premium"})),
        ("POST", format!("/api/v1/enterprises/{e}/domain/verify"), json!({})),
        ("GET", format!("/api/v1/enterprises/{e}/audit-events"), Value::Null),
        ("POST", format!("/api/v1/enterprises/{e}/invitations"), json!({"emails": ["x@example.test"]})),
        ("GET", format!("/api/v1/enterprises/{e}/invitations"), Value::Null),
        ("POST", format!("/api/v1/enterprises/{e}/invitations/{ANY_ID}/resend"), json!({})),
        ("DELETE", format!("/api/v1/enterprises/{e}/invitations/{ANY_ID}"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/users"), Value::Null),
        ("PATCH", format!("/api/v1/enterprises/{e}/users/{ANY_ID}"), json!({"department": "x"})),
        ("POST", format!("/api/v1/enterprises/{e}/users/manage"), json!({"ids": [ANY_ID]})),
        ("POST", format!("/api/v1/enterprises/{e}/users/unmanage"), json!({"ids": [ANY_ID]})),
        ("GET", format!("/api/v1/enterprises/{e}/billing"), Value::Null),
        ("POST", format!("/api/v1/enterprises/{e}/bulk-invites"), json!("x@example.test")),
        ("POST", format!("/api/v1/enterprises/{e}/invitations/send-pending"), json!({})),
        ("GET", format!("/api/v1/enterprises/{e}/jobs/{ANY_ID}"), Value::Null),
        ("POST", format!("/api/v1/enterprises/{e}/imports"), json!("email")),
        ("GET", format!("/api/v1/enterprises/{e}/member-counts"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/analytics"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/admins"), Value::Null),
        ("PUT", format!("/api/v1/enterprises/{e}/admins/{ANY_ID}"), json!({})),
        ("DELETE", format!("/api/v1/enterprises/{e}/admins/{ANY_ID}"), Value::Null),
        (
            "POST",
            format!("/api/v1/enterprises/{e}/transfer-ownership"),
            json!({"account_id": ANY_ID, "password": crate::helpers::PASSWORD}),
        ),
        ("GET", format!("/api/v1/enterprises/{e}/jobs/{ANY_ID}/errors.csv"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/directory-sync"), Value::Null),
        ("PUT", format!("/api/v1/enterprises/{e}/directory-sync"), directory_config()),
        ("POST", format!("/api/v1/enterprises/{e}/directory-sync/test"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/directory-sync/browse"), Value::Null),
        ("POST", format!("/api/v1/enterprises/{e}/directory-sync/runs"), json!({"dry_run": true})),
        ("GET", format!("/api/v1/enterprises/{e}/directory-sync/runs"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/directory-sync/runs/{ANY_ID}"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/directory-sync/runs/{ANY_ID}/report.csv"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/distribution-lists"), Value::Null),
        ("GET", format!("/api/v1/enterprises/{e}/distribution-lists/{ANY_ID}"), Value::Null),
    ]
}

/// A valid body, so the refusal is about who asks and not what they sent.
fn directory_config() -> Value {
    json!({"url": "ldap://127.0.0.1:1", "bind_dn": "cn=x,dc=example,dc=test", "bind_password": "x",
           "base_dn": "dc=example,dc=test"})
}

async fn call(app: &TestApp, method: &str, path: &str, body: &Value, token: Option<&str>) -> crate::helpers::Resp {
    match method {
        "GET" => app.get(path, token).await,
        "PATCH" => app.patch(path, body.clone(), token).await,
        "POST" => app.post(path, body.clone(), token).await,
        "DELETE" => app.delete(path, token).await,
        "PUT" => app.send_put(path, body, token).await,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn an_admin_of_one_enterprise_gets_404_on_every_route_of_another() {
    let app = spawn_app().await;
    let a = app.admin(&domain()).await;
    let b = app.admin(&domain()).await;
    app.verify_by_dns(&b).await.ok(200);
    let before = app.enterprise(&b).await;
    for (method, path, body) in routes(&b.enterprise_id) {
        call(&app, method, &path, &body, Some(&a.token)).await.problem(404, "not_found");
    }
    // A made-up id looks exactly the same.
    for (method, path, body) in routes("01234567-0000-7000-8000-000000000000") {
        call(&app, method, &path, &body, Some(&a.token)).await.problem(404, "not_found");
    }
    assert_eq!(app.enterprise(&b).await["plan"], before["plan"], "nothing changed");
    let b_audit = app.get(&format!("/api/v1/enterprises/{}/audit-events", b.enterprise_id), Some(&b.token)).await;
    let actors: Vec<_> =
        b_audit.ok(200)["items"].as_array().unwrap().iter().map(|i| i["actor_email"].clone()).collect();
    assert!(!actors.contains(&json!(a.email)), "{actors:?}");
}

#[tokio::test]
async fn a_person_of_the_domain_who_is_not_an_admin_gets_404() {
    let app = spawn_app().await;
    let a = app.admin(&domain()).await;
    let token = app.active_account(&format!("member@{}", a.domain)).await;
    app.elevate(&token).await;
    for (method, path, body) in routes(&a.enterprise_id) {
        call(&app, method, &path, &body, Some(&token)).await.problem(404, "not_found");
    }
}

#[tokio::test]
async fn anonymous_callers_get_401_everywhere() {
    let app = spawn_app().await;
    let a = app.admin(&domain()).await;
    for (method, path, body) in routes(&a.enterprise_id) {
        call(&app, method, &path, &body, None).await.problem(401, "unauthenticated");
    }
    app.post("/api/v1/enterprises", json!({}), None).await.problem(401, "unauthenticated");
    app.post("/api/v1/sessions/current/elevate", json!({"password": "x"}), None).await.problem(401, "unauthenticated");
}

#[tokio::test]
async fn an_admin_without_the_password_again_gets_403_everywhere() {
    let app = spawn_app().await;
    let a = app.admin(&domain()).await;
    app.verify_by_dns(&a).await.ok(200);
    let fresh = app.login(&a.email).await;
    for (method, path, body) in routes(&a.enterprise_id) {
        call(&app, method, &path, &body, Some(&fresh)).await.problem(403, "elevation_required");
    }
    assert_eq!(app.count("invitations").await, 0);
}
