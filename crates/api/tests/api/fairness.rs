//! One tenant cannot starve the rest or fill the disk: uploads are deleted
//! when their job ends, each enterprise may queue only a few jobs, and the
//! worker takes jobs fairly across enterprises.

use serde_json::json;

use crate::{
    directory::{config, configure, directory_ldif, Directory},
    enrollment::verified_admin,
    helpers::{spawn_app, spawn_app_with, Admin, TestApp},
    jobs::wait_job,
};

async fn upload(app: &TestApp, admin: &Admin, csv: String) -> crate::helpers::Resp {
    let path = format!("/api/v1/enterprises/{}/imports?dry_run=true", admin.enterprise_id);
    app.post_raw(&path, csv, "text/csv", Some(&admin.token)).await
}

async fn inputs_of(app: &TestApp, job: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM job_inputs WHERE job_id = $1")
        .bind(job)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_is_deleted_when_its_job_ends() {
    let app = spawn_app().await;
    let admin = verified_admin(&app).await;
    let ok = upload(&app, &admin, format!("email\na@{}\n", admin.domain)).await;
    let id = ok.ok(202)["id"].as_str().unwrap().to_string();
    assert_eq!(wait_job(&app, &admin, &id, "").await["status"], "succeeded");
    assert_eq!(inputs_of(&app, &id).await, 0, "the upload outlived its job");
    // A failed job's upload goes too.
    let path = format!("/api/v1/enterprises/{}/bulk-invites", admin.enterprise_id);
    let r = app.post_raw(&path, "x@elsewhere.test\n", "text/plain", Some(&admin.token)).await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    wait_job(&app, &admin, &id, "").await;
    assert_eq!(inputs_of(&app, &id).await, 0);
}

/// A slow directory sync keeps the one worker busy while the test queues more.
async fn busy_worker(app: &TestApp, admin: &Admin, dir: &Directory) -> String {
    let mut body = config(dir);
    body["groups"] = json!([]);
    body["page_size"] = json!(1);
    configure(app, admin, &body).await;
    let r = app
        .post(
            &format!("/api/v1/enterprises/{}/directory-sync/runs", admin.enterprise_id),
            json!({"dry_run": true}),
            Some(&admin.token),
        )
        .await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    app.eventually("the sync is running", || async {
        let s: String = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
        s == "running"
    })
    .await;
    id
}

#[tokio::test]
async fn an_enterprise_may_queue_only_a_few_jobs() {
    let app = spawn_app_with(|c| c.max_queued_jobs_per_enterprise = 2).await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 4000, 0));
    busy_worker(&app, &admin, &dir).await;
    for _ in 0..2 {
        upload(&app, &admin, format!("email\na@{}\n", admin.domain)).await.ok(202);
    }
    let r = upload(&app, &admin, format!("email\na@{}\n", admin.domain)).await;
    r.problem(429, "too_many_queued_jobs");
    let path = format!("/api/v1/enterprises/{}/bulk-invites", admin.enterprise_id);
    app.post_raw(&path, "x@elsewhere.test\n", "text/plain", Some(&admin.token))
        .await
        .problem(429, "too_many_queued_jobs");
    // Another enterprise still gets in.
    let other = verified_admin(&app).await;
    upload(&app, &other, format!("email\nb@{}\n", other.domain)).await.ok(202);
}

#[tokio::test]
async fn the_worker_takes_jobs_fairly_across_enterprises() {
    let app = spawn_app().await;
    let hog = verified_admin(&app).await;
    let other = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&hog.domain, 4000, 0));
    busy_worker(&app, &hog, &dir).await;
    let mut hogs = Vec::new();
    for _ in 0..3 {
        let r = upload(&app, &hog, format!("email\na@{}\n", hog.domain)).await;
        hogs.push(r.ok(202)["id"].as_str().unwrap().to_string());
    }
    let r = upload(&app, &other, format!("email\nb@{}\n", other.domain)).await;
    let theirs = r.ok(202)["id"].as_str().unwrap().to_string();
    for id in &hogs {
        wait_job(&app, &hog, id, "").await;
    }
    wait_job(&app, &other, &theirs, "").await;
    let started = |id: String| {
        let pool = app.state.db.pool.clone();
        async move {
            let v: Option<i64> = sqlx::query_scalar("SELECT started_at FROM jobs WHERE id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            v.unwrap()
        }
    };
    let theirs_at = started(theirs).await;
    let first_hog = started(hogs[0].clone()).await;
    // Queued after all of the hog's, it ran before the hog's first upload.
    assert!(theirs_at <= first_hog, "the other enterprise waited behind the hog's queue");
}

/// Uploads still streaming in hold their place: parallel slow uploads cannot
/// all slip under the cap while none is committed yet.
#[tokio::test]
async fn uploads_in_flight_count_against_the_queue() {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app_with(|c| c.max_queued_jobs_per_enterprise = 2).await;
    let admin = verified_admin(&app).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut open = Vec::new();
    for _ in 0..2 {
        let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let head = format!(
            "POST /api/v1/enterprises/{}/imports?dry_run=true HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\nemail\n",
            admin.enterprise_id, admin.token
        );
        sock.write_all(head.as_bytes()).await.unwrap();
        open.push(sock);
    }
    // Both slow uploads are being received (nothing committed) when the third arrives.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    upload(&app, &admin, format!("email\na@{}\n", admin.domain)).await.problem(429, "too_many_queued_jobs");
    drop(open);
    // Once they are gone (the connections dropped, nothing stored), there is room again.
    app.eventually("the abandoned uploads release their places", || async {
        upload(&app, &admin, format!("email\na@{}\n", admin.domain)).await.status == 202
    })
    .await;
}
