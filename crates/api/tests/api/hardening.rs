//! Token theft surface and the data dir: response headers an attacker's page
//! or a shared cache would exploit, and files other local users could read.

use serde_json::json;

use crate::helpers::{domain, spawn_app, spawn_app_with};

#[tokio::test]
async fn api_answers_are_never_cached_and_carry_a_restrictive_policy() {
    let app = spawn_app().await;
    let email = format!("ada@{}", domain());
    let token = app.active_account(&email).await;
    let http = reqwest::Client::new();
    for (path, auth) in [("/api/v1/me", Some(&token)), ("/api/v1/me", None), ("/api/v1/nope", None)] {
        let mut req = http.get(format!("{}{path}", app.base));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let h = r.headers();
        assert_eq!(h.get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(h.get("referrer-policy").unwrap(), "no-referrer");
        assert!(h.get("content-security-policy").unwrap().to_str().unwrap().contains("frame-ancestors 'none'"));
    }
    let r = http
        .post(format!("{}/api/v1/sessions", app.base))
        .json(&json!({"email": email, "password": crate::helpers::PASSWORD}));
    let r = r.send().await.unwrap();
    assert_eq!(r.headers().get("cache-control").unwrap(), "no-store", "the answer carrying a token");
}

#[tokio::test]
async fn the_console_page_allows_only_its_own_scripts() {
    let spa = tempfile::tempdir().unwrap();
    let loader = "import init from '/muster-frontend-abc.js'; init();";
    std::fs::write(spa.path().join("index.html"), format!("<html><script type=\"module\">{loader}</script></html>"))
        .unwrap();
    let dir = spa.path().to_path_buf();
    let app = spawn_app_with(move |c| c.spa_dir = dir).await;
    let r = reqwest::get(format!("{}/console/x/users", app.base)).await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
    for part in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval' 'sha256-",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    let scripts = csp.split(';').find(|d| d.trim().starts_with("script-src")).unwrap();
    assert!(!scripts.contains("unsafe-inline") && !scripts.contains(" 'unsafe-eval'"), "{csp}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_dir_and_its_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app_with(|c| c.smtp_url = None).await;
    let email = format!("ada@{}", domain());
    app.sign_up(&email).await.ok(201);
    let dir = app.state.config.data_dir.clone();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "data dir");
    assert_eq!(mode(&dir.join("mail")), 0o700, "mail dir");
    app.eventually("the activation mail is written to a file", || async {
        std::fs::read_dir(dir.join("mail")).map(|d| d.count() > 0).unwrap_or(false)
    })
    .await;
    for entry in std::fs::read_dir(dir.join("mail")).unwrap() {
        assert_eq!(mode(&entry.unwrap().path()) & 0o077, 0, "a mail file with a live link is readable by others");
    }
    if app.state.db.backend == muster_api::store::Backend::Sqlite {
        assert_eq!(mode(&dir.join("muster.db")) & 0o077, 0, "the SQLite file is readable by others");
    }
    for key in ["jwt.key", "encryption.key"] {
        assert_eq!(mode(&dir.join(key)), 0o600, "{key}");
    }
}
