//! Import: a CSV with a BOM, header spellings, quoted commas and newlines and
//! broken rows; dry run diff, all-or-nothing apply, idempotence, the error
//! report, and uploads refused before anything is stored.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::{spawn_app, spawn_app_with, Admin, TestApp},
    jobs::wait_job,
};

async fn upload(app: &TestApp, admin: &Admin, query: &str, body: impl Into<reqwest::Body>) -> crate::helpers::Resp {
    app.post_raw(
        &format!("/api/v1/enterprises/{}/imports{query}", admin.enterprise_id),
        body,
        "text/csv",
        Some(&admin.token),
    )
    .await
}

async fn run(app: &TestApp, admin: &Admin, query: &str, csv: &str) -> Value {
    let r = upload(app, admin, query, csv.to_string()).await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    let done = wait_job(app, admin, &id, "?limit=200").await;
    assert_eq!(done["status"], "succeeded", "{done}");
    done
}

fn by_outcome<'a>(job: &'a Value, outcome: &str) -> Vec<&'a Value> {
    job["results"].as_array().unwrap().iter().filter(|r| r["outcome"] == outcome).collect()
}

fn sample(d: &str) -> String {
    format!(
        "\u{feff}Email,First Name,Last Name,Dept,Job Title,Phone\r\n\
         grace@{d},Grace,Hopper,Navy,\"Rear admiral, retired\",\r\n\
         ada@{d},Ada,Lovelace,\"Analytical\r\nEngine\",Countess,+44 1\r\n\
         not-an-address,X,Y,,,\r\n\
         bob@elsewhere.test,Bob,,,,\r\n\
         ADA@{d},Ada,Again,,,\r\n"
    )
}

#[tokio::test]
async fn a_dry_run_shows_the_exact_diff_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    invite(&app, &admin, &[&format!("grace@{d}")]).await;
    accept(&app, &format!("grace@{d}"), 1).await;
    let members_before = app.count("members").await;

    let job = run(&app, &admin, "?dry_run=true", &sample(&d)).await;
    assert_eq!(job["dry_run"], true);
    assert_eq!(
        job["counts"],
        json!({"created": 1, "updated": 1, "unchanged": 0, "invited": 0, "skipped": 0, "errors": 3})
    );
    let update = by_outcome(&job, "update")[0];
    assert_eq!(update["line"], 2);
    assert_eq!(update["changes"]["department"], json!({"before": null, "after": "Navy"}));
    assert_eq!(update["changes"]["job_title"]["after"], "Rear admiral, retired");
    let create = by_outcome(&job, "create")[0];
    assert_eq!(create["email"], format!("ada@{d}"));
    assert_eq!(create["changes"]["department"]["after"], "Analytical Engine", "a quoted line break is kept as a space");
    let errors: Vec<(u64, &str)> = by_outcome(&job, "error")
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(errors.len(), 3);
    assert_eq!(errors[0].0, 4);
    assert!(errors[1].1.contains("Only addresses in"), "{errors:?}");
    assert!(errors[2].1.contains("Repeats row 3"), "{errors:?}");
    assert_eq!(app.count("members").await, members_before, "a dry run writes no member");
    assert_eq!(app.count("invitations").await, 1);
}

#[tokio::test]
async fn an_apply_invites_new_people_updates_the_rest_and_is_idempotent() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    invite(&app, &admin, &[&format!("grace@{d}")]).await;
    accept(&app, &format!("grace@{d}"), 1).await;

    let job = run(&app, &admin, "", &sample(&d)).await;
    assert_eq!(
        job["counts"],
        json!({"created": 1, "updated": 1, "unchanged": 0, "invited": 1, "skipped": 0, "errors": 3})
    );
    assert_eq!(job["progress"]["processed"], job["progress"]["total"]);
    let mail = app.smtp.wait(&format!("ada@{d}"), "invited").await;
    assert!(mail.body().contains(&admin.email) || mail.body().contains("Ada Lovelace invited you"));
    let users =
        app.get(&format!("/api/v1/enterprises/{}/users?q=analytical", admin.enterprise_id), Some(&admin.token)).await;
    let ada = &users.ok(200)["items"][0];
    assert_eq!((ada["state"].as_str(), ada["source"].as_str()), (Some("invited"), Some("import")));
    assert_eq!((ada["first_name"].as_str(), ada["phone"].as_str()), (Some("Ada"), Some("+44 1")));
    let users = app.get(&format!("/api/v1/enterprises/{}/users?q=navy", admin.enterprise_id), Some(&admin.token)).await;
    assert_eq!(users.ok(200)["items"][0]["state"], "unmanaged", "an update never changes the state");

    let again = run(&app, &admin, "", &sample(&d)).await;
    assert_eq!(
        again["counts"],
        json!({"created": 0, "updated": 0, "unchanged": 2, "invited": 0, "skipped": 0, "errors": 3})
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.to(&format!("ada@{d}")).len(), 1);
}

#[tokio::test]
async fn the_error_report_is_csv_safe_for_spreadsheets() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    let job = run(&app, &admin, "?dry_run=true", &format!("email\n=HYPERLINK(\"http://evil\")\nok@{d}\n@x\n")).await;
    let id = job["id"].as_str().unwrap();
    let r =
        app.get(&format!("/api/v1/enterprises/{}/jobs/{id}/errors.csv", admin.enterprise_id), Some(&admin.token)).await;
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/csv"));
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[0], "row,email,error");
    assert!(lines[1].starts_with("2,\"'=HYPERLINK("), "{}", r.text);
    assert!(lines[2].starts_with("4,'@x,"), "{}", r.text);
    assert_eq!(lines.len(), 3);
}

#[tokio::test]
async fn staged_imports_send_no_mail() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    let job = run(&app, &admin, "?send_invitations=false", &format!("email,first_name\nzoe@{d},Zoe\n")).await;
    assert_eq!(job["counts"]["invited"], 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(app.smtp.to(&format!("zoe@{d}")).is_empty());
}

#[tokio::test]
async fn bad_uploads_are_refused_and_nothing_is_stored() {
    let app = spawn_app_with(|c| c.max_upload_bytes = 64 * 1024).await;
    let admin = verified_admin(&app).await;
    upload(&app, &admin, "", b"email,first_name\nrene@x.test,Ren\xe9\n".to_vec())
        .await
        .problem(422, "invalid_encoding");
    upload(&app, &admin, "", "name,phone\nAda,1\n").await.problem(422, "missing_email_column");
    upload(&app, &admin, "", "").await.problem(422, "empty_file");
    let big = format!("email\n{}", format!("someone@{}\n", admin.domain).repeat(5000));
    upload(&app, &admin, "", big).await.problem(413, "payload_too_large");
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(app.count("job_inputs").await, 0);
}
