//! Domain squatting: the first claimant of a domain used to hold it forever,
//! even unverified, and the real IT admin's details were mailed to the
//! squatter. Now every claimant holds a claim of its own and the first to
//! verify becomes the PMA; the rest close, mailed without naming the winner.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{domain, spawn_app, spawn_app_with, Admin, Dns, TestApp};
use muster_api::services::enterprises::{create_contract, expire_claims};
use muster_model::Plan;

async fn claim(app: &TestApp, email: &str) -> Admin {
    let token = app.active_account(email).await;
    app.elevate(&token).await;
    let r = app.post("/api/v1/enterprises", json!({}), Some(&token)).await;
    let e = r.ok(201);
    Admin {
        email: email.into(),
        token,
        enterprise_id: e["id"].as_str().unwrap().into(),
        domain: email.split('@').nth(1).unwrap().into(),
        verification_token: e["verification"]["token"].as_str().unwrap().into(),
    }
}

fn txt(a: &Admin) -> String {
    Dns::txt(&format!("_muster-challenge.{}", a.domain), &format!("muster-verification={}", a.verification_token))
}

async fn verify(app: &TestApp, a: &Admin) -> crate::helpers::Resp {
    let path = format!("/api/v1/enterprises/{}/domain/verify", a.enterprise_id);
    app.post(&path, json!({"method": "dns_txt"}), Some(&a.token)).await
}

#[tokio::test]
async fn the_first_claimant_to_verify_wins_and_a_squatter_learns_nothing() {
    let app = spawn_app().await;
    let d = domain();
    let squatter = claim(&app, &format!("squatter@{d}")).await;
    // Before: 202, and the real admin's details went to the squatter.
    let it = claim(&app, &format!("it@{d}")).await;
    assert_ne!(it.enterprise_id, squatter.enterprise_id);
    assert_ne!(it.verification_token, squatter.verification_token);
    let e = app.get(&format!("/api/v1/enterprises/{}", it.enterprise_id), Some(&it.token)).await;
    assert_eq!(e.ok(200)["open_claims"], 2);
    // Claiming again returns the same claim.
    let again = app.post("/api/v1/enterprises", json!({}), Some(&it.token)).await;
    assert_eq!(again.ok(201)["id"], it.enterprise_id.as_str());

    app.dns.set(&[txt(&it)]);
    assert_eq!(verify(&app, &it).await.ok(200)["verified"], true);
    let closed = app.smtp.wait(&squatter.email, "was closed").await;
    assert!(!closed.raw.contains(&it.email), "the closing mail names the winner");
    app.get(&format!("/api/v1/enterprises/{}", squatter.enterprise_id), Some(&squatter.token))
        .await
        .problem(404, "not_found");
    assert_eq!(app.get("/api/v1/me", Some(&squatter.token)).await.body["enterprises"], json!([]));
    assert!(
        app.smtp.to(&squatter.email).iter().all(|m| !m.header("Subject").contains("asked to administer")),
        "a join request went to an unverified claimant"
    );
    // Now the domain has a PMA: a newcomer is forwarded to the winner only.
    let late = app.active_account(&format!("late@{d}")).await;
    assert_eq!(app.post("/api/v1/enterprises", json!({}), Some(&late)).await.ok(202)["status"], "admin_notified");
    app.smtp.wait(&it.email, "asked to administer").await;
    // The squatter's token can no longer verify anything.
    app.dns.set(&[txt(&squatter)]);
    verify(&app, &squatter).await.problem(404, "not_found");
}

#[tokio::test]
async fn two_claims_verifying_at_once_on_two_replicas_end_with_one_pma() {
    let app = spawn_app().await;
    let url = app.state.config.database_url.clone();
    let data = app.state.config.data_dir.clone();
    // One mail relay for both, as replicas have: either replica's outbox worker may send a mail.
    let smtp = app.state.config.smtp_url.clone();
    let replica = spawn_app_with(move |c| {
        c.database_url = url;
        c.data_dir = data;
        c.smtp_url = smtp;
    })
    .await;
    // Both requests must be in flight together for this to be a race: a loser that arrives after the
    // winner committed finds its claim closed (404, as `the_first_claimant_to_verify_wins…` checks).
    // On a loaded machine that can happen, so the race is run again on a new domain, a few times.
    for attempt in 1..=5 {
        let d = domain();
        let a = claim(&app, &format!("a@{d}")).await;
        let b = claim(&app, &format!("b@{d}")).await;
        let records = [txt(&a), txt(&b)];
        app.dns.set(&records);
        replica.dns.set(&records);
        let (ra, rb) = tokio::join!(verify(&app, &a), verify(&replica, &b));
        let holders: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM enterprises WHERE domain = $1 AND closed_at IS NULL AND domain_status = 'verified'",
        )
        .bind(&d)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        assert_eq!(holders, 1, "exactly one PMA, attempt {attempt}");
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        if statuses == [200, 404] && attempt < 5 {
            continue;
        }
        assert_eq!(statuses, [200, 409], "{} / {}", ra.text, rb.text);
        let loser = if ra.status == 409 { &ra } else { &rb };
        loser.problem(409, "domain_taken");
        return;
    }
}

#[tokio::test]
async fn an_unverified_claim_expires_and_blocks_nobody() {
    let app = spawn_app_with(|c| c.claim_ttl = Duration::from_millis(300)).await;
    let d = domain();
    let squatter = claim(&app, &format!("squatter@{d}")).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(expire_claims(&app.state).await.unwrap(), 1);
    app.smtp.wait(&squatter.email, "expired").await;
    app.get(&format!("/api/v1/enterprises/{}", squatter.enterprise_id), Some(&squatter.token))
        .await
        .problem(404, "not_found");
    // The squatter may claim again: a fresh claim, not the closed one.
    let r = app.post("/api/v1/enterprises", json!({}), Some(&squatter.token)).await;
    assert_ne!(r.ok(201)["id"], squatter.enterprise_id.as_str());
}

#[tokio::test]
async fn a_contract_takes_the_domain_from_pending_claims_and_refuses_a_held_one() {
    let app = spawn_app().await;
    let d = domain();
    let squatter = claim(&app, &format!("squatter@{d}")).await;
    create_contract(&app.state, &d, &format!("it@{d}"), Plan::Premium, 10).await.unwrap();
    app.smtp.wait(&squatter.email, "was closed").await;
    app.get(&format!("/api/v1/enterprises/{}", squatter.enterprise_id), Some(&squatter.token))
        .await
        .problem(404, "not_found");
    let err = create_contract(&app.state, &d, &format!("other@{d}"), Plan::Premium, 10).await.unwrap_err();
    assert_eq!(err.code(), "domain_taken");
}
