//! The transactional outbox: an SMTP outage delays mail and loses nothing;
//! without a mail server, mail lands in files under the data dir.

use std::time::Duration;

use crate::helpers::{domain, free_port, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_smtp_outage_keeps_the_mail_in_the_outbox_and_retries() {
    let dead = free_port();
    let app = spawn_app_with(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{dead}"))).await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    app.eventually("a failed delivery attempt is recorded", || async {
        let row: Option<(i64, Option<String>, Option<i64>)> =
            sqlx::query_as("SELECT attempts, last_error, sent_at FROM outbox WHERE to_addr = $1")
                .bind(&email)
                .fetch_optional(&app.state.db.pool)
                .await
                .unwrap();
        matches!(row, Some((attempts, Some(_), None)) if attempts >= 1)
    })
    .await;
    let body: String = sqlx::query_scalar("SELECT body_text FROM outbox WHERE to_addr = $1")
        .bind(&email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert!(body.contains("/activate?token="), "the mail waits, whole");
    assert_eq!(app.count("accounts").await, 1);
}

#[tokio::test]
async fn delivered_mail_does_not_keep_its_one_time_link() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    app.smtp.wait(&email, "Activate").await;
    app.eventually("the outbox marks it sent", || async {
        let (sent, body): (Option<i64>, String) =
            sqlx::query_as("SELECT sent_at, body_text FROM outbox WHERE to_addr = $1")
                .bind(&email)
                .fetch_one(&app.state.db.pool)
                .await
                .unwrap();
        sent.is_some() && body.is_empty()
    })
    .await;
}

#[tokio::test]
async fn without_a_mail_server_mail_is_written_to_files_in_the_data_dir() {
    let app = spawn_app_with(|c| c.smtp_url = None).await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    let dir = app.state.config.data_dir.join("mail");
    for _ in 0..100 {
        // A mail still being written is a `.part` file; only a whole one counts.
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|f| !f.path().to_string_lossy().ends_with(".part"))
            .collect();
        if let Some(f) = files.first() {
            let text = std::fs::read_to_string(f.path()).unwrap();
            assert!(text.contains(&email), "{text}");
            assert!(f.path().extension().is_some_and(|e| e == "eml"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail file in {}", dir.display());
}

#[tokio::test]
async fn mail_sent_while_the_smtp_server_is_down_arrives_once_it_is_back() {
    let app = spawn_app().await;
    let admin = crate::enrollment::verified_admin(&app).await;
    app.smtp.stop();
    let d = &admin.domain;
    let people: Vec<String> = (0..5).map(|i| format!("p{i}@{d}")).collect();
    crate::enrollment::invite(&app, &admin, &people.iter().map(String::as_str).collect::<Vec<_>>()).await;
    app.eventually("deliveries fail while the server is down", || async {
        let failed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE kind = 'invitation' AND attempts > 0 AND sent_at IS NULL",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
        failed == 5
    })
    .await;
    app.smtp.resume();
    for p in &people {
        app.smtp.wait(p, "invited").await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for p in &people {
        assert_eq!(app.smtp.to(p).len(), 1, "{p} got exactly one mail");
    }
}
