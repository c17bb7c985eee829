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
