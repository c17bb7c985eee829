//! Small exhaustions: every mailed invitation counts against the daily limit
//! (resend and import too), exclusion rules are bounded, and a huge cell of an
//! upload is not stored whole.

use serde_json::{json, Value};

use crate::{
    directory::{config, Directory},
    enrollment::{invite, verified_admin},
    helpers::{spawn_app, spawn_app_with, Admin, TestApp},
    jobs::wait_job,
};

async fn import(app: &TestApp, admin: &Admin, csv: String) -> Value {
    let r = app
        .post_raw(&format!("/api/v1/enterprises/{}/imports", admin.enterprise_id), csv, "text/csv", Some(&admin.token))
        .await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    wait_job(app, admin, &id, "?limit=200").await
}

#[tokio::test]
async fn resend_and_import_count_against_the_daily_invite_limit() {
    let app = spawn_app_with(|c| c.invite_daily_limit = 3).await;
    let admin = verified_admin(&app).await;
    let d = &admin.domain;
    let body = invite(&app, &admin, &[&format!("a@{d}"), &format!("b@{d}")]).await;
    let id = body["results"][0]["invitation_id"].as_str().unwrap().to_string();
    let resend = format!("/api/v1/enterprises/{}/invitations/{id}/resend", admin.enterprise_id);
    app.post(&resend, json!({}), Some(&admin.token)).await.ok(200);
    // Before: resend looped without end, a mail each time.
    app.post(&resend, json!({}), Some(&admin.token)).await.problem(429, "invite_limit_reached");
    let job = import(&app, &admin, format!("email\nc@{d}\n")).await;
    assert_eq!(job["status"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap_or_default().contains("invitations a day"), "{job}");
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'invitation'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(mails, 3);
}

#[tokio::test]
async fn exclusion_rules_are_bounded_in_number_and_size() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&crate::directory::directory_ldif(&admin.domain, 1, 0));
    let path = format!("/api/v1/enterprises/{}/directory-sync", admin.enterprise_id);
    let rule = |value: String| json!({"applies_to": "user", "attribute": "mail", "match": "regex", "value": value});
    let mut many = config(&dir);
    many["exclusion_rules"] = Value::Array((0..101).map(|i| rule(format!("^x{i}$"))).collect());
    let r = app.send_put(&path, &many, Some(&admin.token)).await;
    r.problem(422, "invalid_configuration");
    assert!(r.text.contains("At most 100"), "{}", r.text);
    let mut big = config(&dir);
    big["exclusion_rules"] = json!([rule(format!("({})", "a|".repeat(600)))]);
    let r = app.send_put(&path, &big, Some(&admin.token)).await;
    r.problem(422, "invalid_configuration");
    assert!(r.text.contains("at most 1024 characters"), "{}", r.text);
}

#[tokio::test]
async fn a_huge_invalid_cell_is_not_stored_whole() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 8 << 20).await;
    let admin = verified_admin(&app).await;
    let huge = "x".repeat(2 << 20);
    let job = import(&app, &admin, format!("email,first_name\n{huge},A\nok@{},B\n", admin.domain)).await;
    assert_eq!(job["status"], "succeeded", "{job}");
    let longest: i64 = sqlx::query_scalar("SELECT CAST(MAX(LENGTH(email)) AS BIGINT) FROM job_results")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(longest <= 330, "a result cell of {longest} characters was stored");
}
