//! Claiming a domain: one PMA per domain, public mail domains, plans and modules.

use std::time::Duration;

use serde_json::{json, Value};

use crate::helpers::{domain, spawn_app};

fn module<'a>(e: &'a Value, name: &str) -> &'a Value {
    e["modules"].as_array().unwrap().iter().find(|m| m["module"] == name).unwrap_or_else(|| panic!("no module {name}"))
}

#[tokio::test]
async fn a_claim_makes_the_caller_pma_with_verification_instructions() {
    let app = spawn_app().await;
    let d = domain();
    let token = app.active_account(&format!("pma@{d}")).await;
    app.elevate(&token).await;
    let r = app.post("/api/v1/enterprises", json!({"plan": "premium", "billing_cycle": "annual"}), Some(&token)).await;
    let e = r.ok(201);
    assert_eq!(e["domain"], d.as_str());
    assert_eq!((e["plan"].as_str(), e["billing_cycle"].as_str()), (Some("premium"), Some("annual")));
    assert_eq!(e["role"], "pma");
    assert_eq!(e["kind"], "online");
    assert_eq!(e["domain_status"], "unverified");
    let v = &e["verification"];
    let token_text = v["token"].as_str().unwrap();
    assert!(token_text.len() >= 32, "≥128 bits");
    assert_eq!(v["txt_record_name"], format!("_muster-challenge.{d}"));
    assert_eq!(v["txt_record_value"], format!("muster-verification={token_text}"));
    assert_eq!(v["meta_tag"], format!("<meta name=\"muster-verification\" content=\"{token_text}\">"));
    // Until verified, only Domain Management is open.
    for m in e["modules"].as_array().unwrap() {
        let open = m["module"] == "domain_management";
        assert_eq!(m["enabled"], open, "{m}");
        if !open {
            assert_eq!(m["locked_reason"], "domain_unverified");
        }
    }
    let id = e["id"].as_str().unwrap();
    let audit = app.get(&format!("/api/v1/enterprises/{id}/audit-events"), Some(&token)).await;
    audit.problem(403, "domain_unverified");
}

#[tokio::test]
async fn claims_default_to_free_monthly_and_unknown_plans_are_refused() {
    let app = spawn_app().await;
    let d = domain();
    let token = app.active_account(&format!("pma@{d}")).await;
    app.post("/api/v1/enterprises", json!({"plan": "gold"}), Some(&token)).await.problem(400, "malformed_json");
    app.post_raw("/api/v1/enterprises", "{plan", "application/json", Some(&token)).await.problem(400, "malformed_json");
    assert_eq!(app.count("enterprises").await, 0);
    let r = app.post_raw("/api/v1/enterprises", "", "application/json", Some(&token)).await;
    let e = r.ok(201);
    assert_eq!((e["plan"].as_str(), e["billing_cycle"].as_str()), (Some("free"), Some("monthly")));
}

#[tokio::test]
async fn public_mail_domains_cannot_be_claimed() {
    let app = spawn_app().await;
    let token = app.active_account(&format!("someone.{}@gmail.com", &domain()[..8])).await;
    let r = app.post("/api/v1/enterprises", json!({}), Some(&token)).await;
    r.problem(422, "public_mail_domain");
    assert!(r.body["detail"].as_str().unwrap().contains("gmail.com"));
    assert_eq!(app.count("enterprises").await, 0);
}

#[tokio::test]
async fn a_second_claimant_is_forwarded_to_the_pma_without_flooding() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    // Join requests go only to a verified PMA (an unverified claim holds nothing).
    app.verify_by_dns(&admin).await.ok(200);
    let other = format!("grace@{}", admin.domain);
    let token = app.active_account(&other).await;
    let r = app.post("/api/v1/enterprises", json!({}), Some(&token)).await;
    assert_eq!(r.ok(202)["status"], "admin_notified");
    assert!(r.body["detail"].as_str().unwrap().contains(&admin.domain));
    assert_eq!(app.count("enterprises").await, 1);

    let mail = app.smtp.wait(&admin.email, "asked to administer").await;
    assert!(mail.body().contains(&other), "{}", mail.raw);
    assert!(mail.body().contains("Ada Lovelace"));
    assert!(
        mail.link().ends_with(&format!("/console/{}/invite?email={other}", admin.enterprise_id)),
        "{}",
        mail.link()
    );

    // Asking again does not mail the PMA again.
    app.post("/api/v1/enterprises", json!({}), Some(&token)).await.ok(202);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        app.smtp.to(&admin.email).iter().filter(|m| m.header("Subject").contains("asked to administer")).count(),
        1
    );
    // The PMA claiming again is told so.
    app.post("/api/v1/enterprises", json!({}), Some(&admin.token)).await.problem(409, "already_admin");
}

#[tokio::test]
async fn the_pma_changes_the_plan_and_analytics_follows_it() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    app.verify_by_dns(&admin).await.ok(200);
    let e = app.enterprise(&admin).await;
    assert_eq!(module(&e, "users")["enabled"], true);
    assert_eq!(module(&e, "analytics")["locked_reason"], "plan_required");

    let path = format!("/api/v1/enterprises/{}", admin.enterprise_id);
    app.patch(&path, json!({"plan": "platinum"}), Some(&admin.token)).await.problem(400, "malformed_json");
    let r = app.patch(&path, json!({"plan": "premium"}), Some(&admin.token)).await;
    let e = r.ok(200);
    assert_eq!(e["plan"], "premium");
    assert_eq!(e["billing_cycle"], "monthly");
    assert_eq!(module(e, "analytics")["enabled"], true);

    let audit = app.get(&format!("{path}/audit-events?action=enterprise.plan_changed"), Some(&admin.token)).await;
    let items = audit.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["actor_email"], admin.email.as_str());
    assert_eq!(items[0]["details"]["plan"]["after"], "premium");
}

#[tokio::test]
async fn the_audit_log_pages_with_a_cursor() {
    let app = spawn_app().await;
    let admin = app.admin(&domain()).await;
    app.verify_by_dns(&admin).await.ok(200);
    let path = format!("/api/v1/enterprises/{}", admin.enterprise_id);
    for plan in ["premium", "free", "premium"] {
        app.patch(&path, json!({"plan": plan}), Some(&admin.token)).await.ok(200);
    }
    let first = app.get(&format!("{path}/audit-events?limit=2"), Some(&admin.token)).await;
    let first = first.ok(200).clone();
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app.get(&format!("{path}/audit-events?limit=200&cursor={cursor}"), Some(&admin.token)).await;
    let rest = rest.ok(200);
    assert!(rest["next_cursor"].is_null());
    let total = 2 + rest["items"].as_array().unwrap().len();
    assert_eq!(total, 5, "claimed, verified, three plan changes");
    app.get(&format!("{path}/audit-events?limit=0"), Some(&admin.token)).await.problem(422, "invalid_limit");
}
