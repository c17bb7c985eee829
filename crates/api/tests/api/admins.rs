//! Admins: the PMA grants and revokes; admins can run the console but not
//! change the plan or manage admins.

use serde_json::json;

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::spawn_app,
};

#[tokio::test]
async fn the_pma_makes_a_member_an_admin_and_takes_it_back() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let grace = format!("grace@{}", pma.domain);
    invite(&app, &pma, &[&grace]).await;
    let accepted = accept(&app, &grace, 1).await;
    let account = accepted["account_id"].as_str().unwrap().to_string();

    let r = app.put_json(&format!("{base}/admins/{account}"), &pma.token).await;
    assert_eq!(r.ok(200)["role"], "admin");
    let admins = app.get(&format!("{base}/admins"), Some(&pma.token)).await;
    assert_eq!(admins.ok(200).as_array().unwrap().len(), 2);

    let token = app.login(&grace).await;
    app.elevate(&token).await;
    app.get(&format!("{base}/users"), Some(&token)).await.ok(200);
    app.patch(&base, json!({"plan": "premium"}), Some(&token)).await.problem(403, "forbidden");
    app.put_json(&format!("{base}/admins/{account}"), &token).await.problem(403, "forbidden");
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.ok(200)["enterprises"][0]["role"], "admin");

    let pma_id = app.get("/api/v1/me", Some(&pma.token)).await.body["account"]["id"].as_str().unwrap().to_string();
    app.delete(&format!("{base}/admins/{pma_id}"), Some(&pma.token)).await.problem(409, "cannot_remove_pma");
    assert_eq!(app.delete(&format!("{base}/admins/{account}"), Some(&pma.token)).await.status, 204);
    app.get(&format!("{base}/users"), Some(&token)).await.problem(404, "not_found");
    app.put_json(&format!("{base}/admins/01234567-0000-7000-8000-000000000009"), &pma.token)
        .await
        .problem(404, "not_found");
}
