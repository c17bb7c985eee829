//! Dashboard counts, and the enrollment funnel, premium only.

use serde_json::json;

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::spawn_app,
};

#[tokio::test]
async fn the_funnel_counts_invited_accepted_and_managed_per_day_and_source() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", admin.enterprise_id);
    app.get(&format!("{base}/analytics"), Some(&admin.token)).await.problem(403, "plan_required");
    app.patch(&base, json!({"plan": "premium"}), Some(&admin.token)).await.ok(200);

    let d = admin.domain.clone();
    invite(&app, &admin, &[&format!("a@{d}"), &format!("b@{d}")]).await;
    let accepted = accept(&app, &format!("a@{d}"), 1).await;
    let users = app.get(&format!("{base}/users?q=a@"), Some(&admin.token)).await;
    let a =
        users.ok(200)["items"].as_array().unwrap().iter().find(|m| m["account_id"] == accepted["account_id"]).unwrap()
            ["id"]
            .clone();
    app.post(&format!("{base}/users/manage"), json!({"ids": [a]}), Some(&admin.token)).await.ok(200);

    let counts = app.get(&format!("{base}/member-counts"), Some(&admin.token)).await;
    assert_eq!(counts.ok(200), &json!({"invited": 1, "unmanaged": 1, "managed": 1, "suspended": 0}));

    let r = app.get(&format!("{base}/analytics?days=7"), Some(&admin.token)).await;
    let f = r.ok(200);
    let days = f["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    let today = days.last().unwrap();
    assert_eq!(
        (today["invited"].as_i64(), today["accepted"].as_i64(), today["managed"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(days[0]["invited"], 0);
    let sources = f["by_source"].as_array().unwrap();
    let invite_source = sources.iter().find(|s| s["source"] == "invite").unwrap();
    assert_eq!(invite_source, &json!({"source": "invite", "invited": 2, "accepted": 1, "managed": 1}));
    assert!(sources.iter().any(|s| s["source"] == "signup"));
    app.get(&format!("{base}/analytics?days=0"), Some(&admin.token)).await.problem(422, "invalid_days");
}
