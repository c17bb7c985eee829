//! An admin of one enterprise never sees or touches another's; non-admins get
//! 404 (ids don't leak) and anonymous callers 401.

use serde_json::{json, Value};

use crate::helpers::{domain, spawn_app, TestApp};

const ANY_ID: &str = "01234567-0000-7000-8000-000000000001";

/// Every enterprise-scoped operation of the published OpenAPI document, so a
/// route added later is in the matrix the moment it is documented.
pub fn routes(e: &str) -> Vec<(&'static str, String, Value)> {
    let routes: Vec<_> = documented()
        .into_iter()
        .filter(|(_, template, _)| template.starts_with("/api/v1/enterprises/{e}"))
        .map(|(method, template, _)| (method, fill_ids(&template.replace("{e}", e)), body_for(method, &template)))
        .collect();
    assert!(routes.len() >= 33, "the document lists every enterprise route ({} found)", routes.len());
    routes
}

/// Every operation of the published document: method, path template, whether it needs a session.
pub fn documented() -> Vec<(&'static str, String, bool)> {
    let doc = muster_api::openapi::document();
    let mut all = Vec::new();
    for (template, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                all.push((method, template.clone(), op.security.is_some()));
            }
        }
    }
    all
}

/// Fills every remaining `{param}` with an id that exists nowhere.
pub fn fill_ids(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') && s.ends_with('}') { ANY_ID } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// A valid body for each operation that takes one, so the refusal is about
/// who asks and not what they sent. An operation not named here gets `{}`:
/// if that is not valid for it, the matrix fails until it is named.
pub fn body_for(method: &str, template: &str) -> Value {
    let route = template.trim_start_matches("/api/v1/enterprises/{e}");
    match (method, route) {
        ("GET" | "DELETE", _) => Value::Null,
        ("PATCH", "") => json!({"plan": "premium"}),
        ("POST", "/invitations") => json!({"emails": ["x@example.test"]}),
        ("PATCH", "/users/{id}") => json!({"department": "x"}),
        ("POST", "/users/manage" | "/users/unmanage") => json!({"ids": [ANY_ID]}),
        ("POST", "/bulk-invites") => json!("x@example.test"),
        ("POST", "/imports") => json!("email"),
        ("POST", "/transfer-ownership") => json!({"account_id": ANY_ID, "password": crate::helpers::PASSWORD}),
        ("PUT", "/directory-sync") => directory_config(),
        ("POST", "/directory-sync/test") => Value::Null,
        ("POST", "/directory-sync/runs") => json!({"dry_run": true}),
        ("POST", "/api-tokens") => json!({"name": "x", "scopes": ["users:read"]}),
        ("POST", "/webhooks") => json!({"url": "https://hooks.example.com/x", "events": ["member.created"]}),
        ("PUT", "/scim-settings") => json!({"send_invitations": true}),
        _ => json!({}),
    }
}

/// A valid body, so the refusal is about who asks and not what they sent.
fn directory_config() -> Value {
    json!({"url": "ldap://127.0.0.1:1", "bind_dn": "cn=x,dc=example,dc=test", "bind_password": "x",
           "base_dn": "dc=example,dc=test"})
}

pub async fn call(app: &TestApp, method: &str, path: &str, body: &Value, token: Option<&str>) -> crate::helpers::Resp {
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
    // Every other operation the document marks as needing a session.
    for (method, template, secured) in documented() {
        if secured {
            let path = fill_ids(&template.replace("{e}", &a.enterprise_id));
            call(&app, method, &path, &json!({}), None).await.problem(401, "unauthenticated");
        }
    }
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
