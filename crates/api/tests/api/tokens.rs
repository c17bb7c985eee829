//! API tokens (DESIGN §9): each works only within its scopes, on its own
//! enterprise, while its creator is an admin; revoked and expired tokens are
//! 401; tokens never manage tokens, admins or the plan; actions name them.

use muster_model::ApiScope;
use serde_json::{json, Value};

use crate::{
    authorization::{body_for, call, fill_ids},
    enrollment::{accept, invite, verified_admin},
    helpers::{domain, spawn_app, spawn_app_with, Admin, TestApp},
};

pub async fn create_token(app: &TestApp, admin: &Admin, name: &str, scopes: &[ApiScope]) -> Value {
    let path = format!("/api/v1/enterprises/{}/api-tokens", admin.enterprise_id);
    let scopes: Vec<_> = scopes.iter().map(|s| s.as_str()).collect();
    app.post(&path, json!({"name": name, "scopes": scopes}), Some(&admin.token)).await.ok(201).clone()
}

pub fn secret(created: &Value) -> String {
    created["token"].as_str().unwrap().to_string()
}

/// Every console operation with the scopes the document says it needs.
fn console_routes() -> Vec<(&'static str, String, Vec<ApiScope>)> {
    let doc = serde_json::to_value(muster_api::openapi::document()).unwrap();
    let mut all = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        if !template.starts_with("/api/v1/enterprises/{e}") {
            continue;
        }
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let scopes = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|r| r.get("api_token"))
                .flat_map(|s| s.as_array().unwrap().iter().map(|s| ApiScope::parse(s.as_str().unwrap()).unwrap()))
                .collect();
            let method = match method {
                "get" => "GET",
                "post" => "POST",
                "put" => "PUT",
                "patch" => "PATCH",
                _ => "DELETE",
            };
            all.push((method, template.clone(), scopes));
        }
    }
    assert!(all.len() >= 36, "the document lists every enterprise route ({} found)", all.len());
    all
}

#[tokio::test]
async fn a_token_works_on_every_route_within_its_scopes_and_on_none_outside_them() {
    let app = spawn_app_with(|c| c.token_requests_per_minute = 100_000).await;
    let pma = verified_admin(&app).await;
    let mut closed = 0;
    for (method, template, needs) in console_routes() {
        let path = fill_ids(&template.replace("{e}", &pma.enterprise_id));
        let body = body_for(method, &template);
        if needs.is_empty() {
            // Tokens, admins, the plan, the domain check and ownership: never a token's.
            let all = create_token(&app, &pma, "everything", ApiScope::ALL).await;
            call(&app, method, &path, &body, Some(&secret(&all))).await.problem(403, "token_not_allowed");
            closed += 1;
            continue;
        }
        let others: Vec<_> = ApiScope::ALL.iter().copied().filter(|s| !needs.contains(s)).collect();
        let without = create_token(&app, &pma, "without", &others).await;
        let r = call(&app, method, &path, &body, Some(&secret(&without))).await;
        r.problem(403, "insufficient_scope");
        assert!(r.body["detail"].as_str().unwrap().contains(needs[0].as_str()), "{method} {template}: {}", r.text);
        for scope in &needs {
            let with = create_token(&app, &pma, "with", &[*scope]).await;
            let r = call(&app, method, &path, &body, Some(&secret(&with))).await;
            assert!(
                r.status != 401 && !["insufficient_scope", "token_not_allowed"].contains(&r.code()),
                "{method} {template} with {scope}: {}",
                r.text
            );
        }
    }
    assert!(closed >= 9, "token management, admins, the plan and the domain check are closed to tokens");
}

#[tokio::test]
async fn a_token_reads_and_acts_as_its_scopes_allow_and_the_audit_log_names_it() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let created = create_token(&app, &pma, "CI nightly", &[ApiScope::InvitationsWrite, ApiScope::UsersRead]).await;
    let token = secret(&created);
    assert!(token.starts_with(&format!("mst_{}_", created["prefix"].as_str().unwrap())), "{token}");
    assert!(token.len() >= 4 + 12 + 1 + 43, "at least 256 bits of secret: {token}");

    let invited = app
        .post(&format!("{base}/invitations"), json!({"emails": [format!("ada@{}", pma.domain)]}), Some(&token))
        .await;
    assert_eq!(invited.ok(200)["results"][0]["outcome"], "invited", "{}", invited.text);
    app.get(&format!("{base}/users"), Some(&token)).await.ok(200);

    let audit = app.get(&format!("{base}/audit-events?action=invitations.created"), Some(&pma.token)).await;
    let event = &audit.ok(200)["items"][0];
    assert_eq!(event["actor_token"], json!({"id": created["id"], "name": "CI nightly"}), "{}", audit.text);
    assert_eq!(event["actor_email"], json!(pma.email));

    // Listed with its last use, never with its secret; the store keeps only a hash.
    let list = app.get(&format!("{base}/api-tokens"), Some(&pma.token)).await;
    let listed = &list.ok(200)["items"][0];
    assert_eq!(listed["name"], "CI nightly");
    assert!(listed["last_used_at"].is_string(), "{}", list.text);
    assert!(!list.text.contains(&token[17..]), "the secret is never listed");
    let stored: String =
        sqlx::query_scalar("SELECT secret_hash FROM api_tokens").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!token.contains(&stored) && !stored.contains(&token[17..]), "only a hash is stored");

    // A token is no session: the person's own routes refuse it.
    app.get("/api/v1/me", Some(&token)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn revoked_and_expired_tokens_are_refused_at_once() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let revoked = create_token(&app, &pma, "old", &[ApiScope::UsersRead]).await;
    app.get(&format!("{base}/users"), Some(&secret(&revoked))).await.ok(200);
    let r = app.delete(&format!("{base}/api-tokens/{}", revoked["id"].as_str().unwrap()), Some(&pma.token)).await;
    assert_eq!(r.status, 204, "{}", r.text);
    app.get(&format!("{base}/users"), Some(&secret(&revoked))).await.problem(401, "token_revoked");
    app.delete(&format!("{base}/api-tokens/{}", revoked["id"].as_str().unwrap()), Some(&pma.token))
        .await
        .problem(404, "not_found");

    let expiring = create_token(&app, &pma, "short", &[ApiScope::UsersRead]).await;
    sqlx::query("UPDATE api_tokens SET expires_at = 1 WHERE id = $1")
        .bind(expiring["id"].as_str().unwrap())
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    app.get(&format!("{base}/users"), Some(&secret(&expiring))).await.problem(401, "token_expired");

    // A forged secret with a real prefix, and a made-up token, are simply invalid.
    let live = secret(&create_token(&app, &pma, "live", &[ApiScope::UsersRead]).await);
    let forged = format!("{}{}", &live[..17], "A".repeat(43));
    app.get(&format!("{base}/users"), Some(&forged)).await.problem(401, "token_invalid");
    app.get(&format!("{base}/users"), Some("mst_000000000000_nothing")).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn a_token_of_one_enterprise_gets_404_on_another_and_dies_with_its_creators_admin_role() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let other = app.admin(&domain()).await;
    app.verify_by_dns(&other).await.ok(200);
    let token = secret(&create_token(&app, &pma, "mine", ApiScope::ALL).await);
    app.get(&format!("/api/v1/enterprises/{}/users", other.enterprise_id), Some(&token))
        .await
        .problem(404, "not_found");
    app.get(&format!("/api/v1/enterprises/{}", other.enterprise_id), Some(&token)).await.problem(404, "not_found");

    // An admin's token works while they are an admin, and stops when the PMA takes the role back.
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let grace = format!("grace@{}", pma.domain);
    invite(&app, &pma, &[&grace]).await;
    let account = accept(&app, &grace, 1).await["account_id"].as_str().unwrap().to_string();
    app.put_json(&format!("{base}/admins/{account}"), &pma.token).await.ok(200);
    let session = app.login(&grace).await;
    app.elevate(&session).await;
    let admin = Admin { token: session, email: grace.clone(), ..pma.clone() };
    let graces = secret(&create_token(&app, &admin, "grace's", &[ApiScope::UsersRead]).await);
    app.get(&format!("{base}/users"), Some(&graces)).await.ok(200);
    assert_eq!(app.delete(&format!("{base}/admins/{account}"), Some(&pma.token)).await.status, 204);
    app.get(&format!("{base}/users"), Some(&graces)).await.problem(401, "token_invalid");
}

#[tokio::test]
async fn tokens_cannot_make_tokens_and_a_busy_token_is_told_when_to_retry() {
    let app = spawn_app_with(|c| c.token_requests_per_minute = 3).await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let token = secret(&create_token(&app, &pma, "all", ApiScope::ALL).await);
    let body = json!({"name": "child", "scopes": ["users:read"]});
    app.post(&format!("{base}/api-tokens"), body, Some(&token)).await.problem(403, "token_not_allowed");
    app.get(&format!("{base}/users"), Some(&token)).await.ok(200);
    app.get(&format!("{base}/users"), Some(&token)).await.ok(200);
    let r = app.get(&format!("{base}/users"), Some(&token)).await;
    r.problem(429, "rate_limited");
    let retry = app.http.get(format!("{}{base}/users", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(retry.status(), 429);
    let after: u64 = retry.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=61).contains(&after), "Retry-After {after}");
    // The person's session is not limited by the token's bucket.
    app.get(&format!("{base}/users"), Some(&pma.token)).await.ok(200);
}

#[tokio::test]
async fn bad_token_requests_say_what_is_wrong() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let path = format!("/api/v1/enterprises/{}/api-tokens", pma.enterprise_id);
    let t = Some(pma.token.as_str());
    app.post(&path, json!({"name": " ", "scopes": ["users:read"]}), t).await.problem(422, "invalid_name");
    app.post(&path, json!({"name": "x", "scopes": []}), t).await.problem(422, "no_scopes");
    app.post(&path, json!({"name": "x", "scopes": ["users:read"], "expires_in_days": 0}), t)
        .await
        .problem(422, "invalid_expiry");
    app.post(&path, json!({"name": "x", "scopes": ["root"]}), t).await.problem(400, "malformed_json");
    let created = app.post(&path, json!({"name": "x", "scopes": ["users:read"], "expires_in_days": 30}), t).await;
    assert!(created.ok(201)["expires_at"].is_string(), "{}", created.text);
    assert_eq!(app.count("api_tokens").await, 1);
}
