//! Jobs: Bulk Invite (text or multipart upload, junk lines, repeats, bad
//! encodings, limits) and "send pending", read back through the job API.

use serde_json::{json, Value};

use crate::helpers::spawn_app;
use crate::{
    enrollment::{invitations, verified_admin},
    helpers::{Admin, TestApp},
};

pub async fn wait_job(app: &TestApp, admin: &Admin, id: &str, query: &str) -> Value {
    let path = format!("/api/v1/enterprises/{}/jobs/{id}{query}", admin.enterprise_id);
    app.eventually("the job finishes", || async {
        let job = app.get(&path, Some(&admin.token)).await;
        job.body["status"] == "succeeded" || job.body["status"] == "failed"
    })
    .await;
    app.get(&path, Some(&admin.token)).await.ok(200).clone()
}

async fn upload(
    app: &TestApp,
    admin: &Admin,
    body: impl Into<reqwest::Body>,
    content_type: &str,
) -> crate::helpers::Resp {
    app.post_raw(
        &format!("/api/v1/enterprises/{}/bulk-invites", admin.enterprise_id),
        body,
        content_type,
        Some(&admin.token),
    )
    .await
}

#[tokio::test]
async fn a_bulk_file_with_junk_lines_gets_a_result_per_line() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = &admin.domain;
    let file = format!("ada@{d}\n\nnot an address\nbob@{d}, carl@elsewhere.test; ADA@{d}\n{}\n", admin.email);
    let r = upload(&app, &admin, file, "text/plain").await;
    let job = r.ok(202);
    assert_eq!((job["kind"].as_str(), job["status"].as_str()), (Some("bulk_invite"), Some("queued")));
    let id = job["id"].as_str().unwrap().to_string();

    let done = wait_job(&app, &admin, &id, "").await;
    assert_eq!(done["status"], "succeeded", "{done}");
    assert_eq!(
        done["counts"],
        json!({"created": 0, "updated": 0, "unchanged": 0, "invited": 2, "skipped": 3, "errors": 1})
    );
    assert_eq!(done["progress"], json!({"processed": 6, "total": 6}));
    let results: Vec<(u64, &str)> = done["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        results,
        [(1, "invited"), (3, "invalid"), (4, "invited"), (4, "not_in_domain"), (4, "duplicate"), (5, "already_member")]
    );
    app.smtp.wait(&format!("bob@{d}"), "invited").await;
    app.smtp.wait(&format!("ada@{d}"), "invited").await;

    // Results page by cursor.
    let first =
        app.get(&format!("/api/v1/enterprises/{}/jobs/{id}?limit=4", admin.enterprise_id), Some(&admin.token)).await;
    let cursor = first.ok(200)["next_cursor"].as_str().unwrap().to_string();
    let rest = app
        .get(
            &format!("/api/v1/enterprises/{}/jobs/{id}?limit=4&cursor={cursor}", admin.enterprise_id),
            Some(&admin.token),
        )
        .await;
    assert_eq!(rest.ok(200)["results"].as_array().unwrap().len(), 2);
    assert!(rest.body["next_cursor"].is_null());
}

#[tokio::test]
async fn a_multipart_upload_is_read_like_a_plain_one() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"people.txt\"\r\nContent-Type: text/plain\r\n\r\ngrace@{}\r\n--XyZ--\r\n",
        admin.domain
    );
    let r = upload(&app, &admin, body, "multipart/form-data; boundary=XyZ").await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    let done = wait_job(&app, &admin, &id, "").await;
    assert_eq!(done["counts"]["invited"], 1, "{done}");
}

#[tokio::test]
async fn bad_uploads_are_refused_before_a_job_exists() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    upload(&app, &admin, b"ada@x.test\n\xff\xfe latin-1 \xe9\n".to_vec(), "text/plain")
        .await
        .problem(422, "invalid_encoding");
    upload(&app, &admin, "\n  \n", "text/plain").await.problem(422, "no_addresses");
    let huge = "a".repeat(17 * 1024 * 1024);
    upload(&app, &admin, huge, "text/plain").await.problem(413, "payload_too_large");
    assert_eq!(app.count("jobs").await, 0);
    assert_eq!(app.count("invitations").await, 0);
    let unknown = app.get(&format!("/api/v1/enterprises/{}/jobs/nope", admin.enterprise_id), Some(&admin.token)).await;
    unknown.problem(404, "not_found");
}

#[tokio::test]
async fn staged_invitations_go_out_with_send_pending() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = &admin.domain;
    let r = app
        .post_raw(
            &format!("/api/v1/enterprises/{}/bulk-invites?send_invitations=false", admin.enterprise_id),
            format!("a@{d}\nb@{d}\n"),
            "text/plain",
            Some(&admin.token),
        )
        .await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    wait_job(&app, &admin, &id, "").await;
    assert!(invitations(&app, &admin, "").await.iter().all(|i| i["delivery"] == "not_sent"));

    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations/send-pending", admin.enterprise_id),
            json!({}),
            Some(&admin.token),
        )
        .await;
    let job = r.ok(202);
    assert_eq!(job["kind"], "send_pending");
    let done = wait_job(&app, &admin, job["id"].as_str().unwrap(), "").await;
    assert_eq!(done["counts"]["invited"], 2, "{done}");
    assert_eq!(done["progress"], json!({"processed": 2, "total": 2}));
    let mail = app.smtp.wait(&format!("a@{d}"), "invited").await;
    app.get(&format!("/api/v1/invitations/lookup?token={}", mail.token()), None).await.ok(200);
    app.smtp.wait(&format!("b@{d}"), "invited").await;
    // Nothing left to send: a second run sends nothing.
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/invitations/send-pending", admin.enterprise_id),
            json!({}),
            Some(&admin.token),
        )
        .await;
    let again = wait_job(&app, &admin, r.ok(202)["id"].as_str().unwrap(), "").await;
    assert_eq!(again["counts"]["invited"], 0);
}
