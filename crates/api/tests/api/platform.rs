//! Health probes, the published OpenAPI contract, the vendored docs, and
//! unknown routes.

use crate::helpers::spawn_app;

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz", None).await.ok(200)["status"], "ok");
    assert_eq!(app.get("/readyz", None).await.ok(200)["status"], "ready");
}

#[tokio::test]
async fn unknown_api_routes_are_problems() {
    let app = spawn_app().await;
    app.get("/api/v1/nope", None).await.problem(404, "not_found");
    app.get("/api/v2/anything", None).await.problem(404, "not_found");
}

/// A scanner (or a confused client) trying other methods: documented paths
/// answer 405 with the methods they do take, never the SPA page or a 404.
#[tokio::test]
async fn undeclared_methods_on_documented_paths_are_405_with_allow() {
    let app = spawn_app().await;
    let trace = reqwest::Method::from_bytes(b"TRACE").unwrap();
    for (method, path, allow) in [
        (trace.clone(), "/readyz", "GET"),
        (trace, "/healthz", "GET"),
        (reqwest::Method::DELETE, "/api/v1/me", "GET"),
        (reqwest::Method::PUT, "/api/v1/enterprises/some-id", "GET, PATCH"),
        (reqwest::Method::POST, "/api/v1/sessions/current", "DELETE"),
    ] {
        let r = app.http.request(method.clone(), format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 405, "{method} {path}");
        assert_eq!(r.headers()["allow"], allow, "{method} {path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{method} {path}");
    }
    // Paths nobody documented stay 404; the SPA still answers GET for its pages.
    let r = app.http.post(format!("{}/api/v1/nothing", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
}

/// serde would build a struct from a JSON array; a body is an object or it is refused.
#[tokio::test]
async fn a_json_body_must_be_an_object() {
    let app = spawn_app().await;
    for body in ["[]", "[\"a@b.test\", \"pw\"]", "5", "\"text\""] {
        app.post_raw("/api/v1/sessions", body, "application/json", None).await.problem(400, "malformed_json");
    }
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/openapi.json"))
        .expect("openapi/openapi.json exists (just openapi)");
    assert!(
        committed == muster_api::openapi::json(),
        "openapi/openapi.json is out of date: run `just openapi` and commit it"
    );
}

#[tokio::test]
async fn the_spec_and_swagger_ui_are_served_without_any_cdn() {
    let app = spawn_app().await;
    let spec = app.get("/api/openapi.json", None).await;
    assert!(spec.ok(200)["paths"]["/api/v1/enterprises/{e}/domain/verify"].is_object());
    let redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = redirect.get(format!("{}/api/docs", app.base)).send().await.unwrap();
    assert!(r.status().is_redirection());
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger-ui"), "{}", page.text);
    for script in ["/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-initializer.js"] {
        let r = app.get(script, None).await;
        assert_eq!(r.status, 200, "{script}");
        assert!(!r.text.contains("unpkg.com") && !r.text.contains("cdn.jsdelivr"), "{script} loads from a CDN");
    }
}

/// The two backends' migrations are twins: the same files, equal but for the
/// type words that differ (BLOB/BYTEA). A file that must differ says so on its
/// first line (`-- twin-differs: why`) in both, and SQLite's (which may rebuild
/// a table, so recreate its old indexes) creates every index PostgreSQL's does.
#[test]
fn the_sqlite_and_postgres_migrations_are_twins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let list = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (list("sqlite"), list("postgres"));
    assert_eq!(sqlite, postgres, "each migration needs its twin");
    let normal = |text: &str| text.replace("BYTEA", "BLOB");
    let indexes = |text: &str| {
        let mut names: Vec<String> = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .filter(|w| w[0].eq_ignore_ascii_case("INDEX"))
            .map(|w| w[1].to_string())
            .collect();
        names.sort();
        names
    };
    for name in &sqlite {
        let a = std::fs::read_to_string(root.join("sqlite").join(name)).unwrap();
        let b = std::fs::read_to_string(root.join("postgres").join(name)).unwrap();
        let marked = |t: &str| t.starts_with("-- twin-differs:");
        if marked(&a) && marked(&b) {
            let (lite, pg) = (indexes(&a), indexes(&b));
            assert!(pg.iter().all(|i| lite.contains(i)), "{name}: PostgreSQL creates {pg:?}, SQLite only {lite:?}");
        } else {
            assert_eq!(normal(&a), normal(&b), "{name}: the twins differ beyond BLOB/BYTEA");
        }
    }
}
