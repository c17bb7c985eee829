//! Offboarded admins: an admin suspended by hand or by a sync loses the
//! console at once; only the PMA changes an admin's state; nothing suspends
//! the PMA; a sync saved by another admin cannot suspend admins; the PMA hands
//! over ownership.

use serde_json::{json, Value};

use crate::{
    directory::{config, configure, directory_ldif, sync, Directory, SUFFIX},
    enrollment::{accept, invite, verified_admin},
    helpers::{spawn_app, Admin, TestApp, PASSWORD},
};

/// Invites, accepts and makes `local@domain` an admin; returns (account id, elevated session).
async fn make_admin(app: &TestApp, pma: &Admin, local: &str) -> (String, String) {
    let email = format!("{local}@{}", pma.domain);
    invite(app, pma, &[&email]).await;
    let account = accept(app, &email, 1).await["account_id"].as_str().unwrap().to_string();
    grant(app, pma, &account).await;
    let token = app.login(&email).await;
    app.elevate(&token).await;
    (account, token)
}

async fn grant(app: &TestApp, pma: &Admin, account: &str) {
    let r = app.put_json(&format!("/api/v1/enterprises/{}/admins/{account}", pma.enterprise_id), &pma.token).await;
    r.ok(200);
}

async fn member_id(app: &TestApp, pma: &Admin, email: &str) -> String {
    sqlx::query_scalar("SELECT id FROM members WHERE enterprise_id = $1 AND email = $2")
        .bind(&pma.enterprise_id)
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

async fn state_of(app: &TestApp, pma: &Admin, email: &str) -> String {
    sqlx::query_scalar("SELECT state FROM members WHERE enterprise_id = $1 AND email = $2")
        .bind(&pma.enterprise_id)
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

fn users(pma: &Admin) -> String {
    format!("/api/v1/enterprises/{}/users", pma.enterprise_id)
}

#[tokio::test]
async fn only_the_pma_changes_an_admins_state_and_nobody_suspends_the_pma() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let (_, grace) = make_admin(&app, &pma, "grace").await;
    make_admin(&app, &pma, "bob").await;
    let bob_member = member_id(&app, &pma, &format!("bob@{}", pma.domain)).await;
    let pma_member = member_id(&app, &pma, &pma.email).await;

    let suspend = json!({"state": "suspended"});
    app.patch(&format!("{}/{bob_member}", users(&pma)), suspend.clone(), Some(&grace))
        .await
        .problem(403, "admin_protected");
    app.patch(&format!("{}/{pma_member}", users(&pma)), suspend.clone(), Some(&grace))
        .await
        .problem(403, "cannot_suspend_pma");
    app.patch(&format!("{}/{pma_member}", users(&pma)), suspend.clone(), Some(&pma.token))
        .await
        .problem(403, "cannot_suspend_pma");
    // The bulk route skips them instead.
    let r = app.post(&format!("{}/manage", users(&pma)), json!({"ids": [bob_member, pma_member]}), Some(&grace)).await;
    assert_eq!(r.ok(200)["changed"], 0, "{}", r.text);
    assert_eq!(state_of(&app, &pma, &format!("bob@{}", pma.domain)).await, "unmanaged");
    assert_eq!(state_of(&app, &pma, &pma.email).await, "unmanaged");
    // The PMA may.
    app.patch(&format!("{}/{bob_member}", users(&pma)), json!({"state": "managed"}), Some(&pma.token)).await.ok(200);
}

#[tokio::test]
async fn an_admin_suspended_by_the_pma_loses_the_console_at_once() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let (_, grace) = make_admin(&app, &pma, "grace").await;
    let grace_member = member_id(&app, &pma, &format!("grace@{}", pma.domain)).await;
    let console = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    app.get(&console, Some(&grace)).await.ok(200);

    app.patch(&format!("{}/{grace_member}", users(&pma)), json!({"state": "suspended"}), Some(&pma.token))
        .await
        .ok(200);
    // Before: the elevated session kept administering.
    app.get(&console, Some(&grace)).await.problem(403, "admin_suspended");
    app.get(&users(&pma), Some(&grace)).await.problem(403, "admin_suspended");
    let me = app.get("/api/v1/me", Some(&grace)).await;
    assert_eq!(me.ok(200)["enterprises"], json!([]));
    app.post("/api/v1/sessions/current/elevate", json!({"password": PASSWORD}), Some(&grace)).await.ok(200);
    app.get(&console, Some(&grace)).await.problem(403, "admin_suspended");

    // Restored, the old elevation is gone: the password again.
    let fresh = app.login(&format!("grace@{}", pma.domain)).await;
    app.patch(&format!("{}/{grace_member}", users(&pma)), json!({"state": "unmanaged"}), Some(&pma.token))
        .await
        .ok(200);
    app.get(&console, Some(&fresh)).await.problem(403, "elevation_required");
}

fn with_person(ldif: &str, uid: &str, email: &str) -> String {
    format!(
        "{ldif}dn: uid={uid},ou=People,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\nmail: {email}\n\n"
    )
}

fn delete(uid: &str) -> String {
    format!("dn: uid={uid},ou=People,{SUFFIX}\nchangetype: delete\n\n")
}

fn actions<'a>(run: &'a Value, action: &str) -> Vec<&'a Value> {
    run["diff"].as_array().unwrap().iter().filter(|c| c["action"] == action).collect()
}

#[tokio::test]
async fn a_sync_the_pma_saved_suspends_a_leaving_admin_but_never_the_pma() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let dir = Directory::start(&with_person(&directory_ldif(&pma.domain, 4, 0), "pma", &pma.email));
    let mut body = config(&dir);
    body["send_invitations"] = json!(true);
    body["max_suspend_percent"] = json!(100);
    configure(&app, &pma, &body).await;
    sync(&app, &pma, false).await;
    let user1 = format!("user1@{}", pma.domain);
    let account = accept(&app, &user1, 1).await["account_id"].as_str().unwrap().to_string();
    grant(&app, &pma, &account).await;
    let admin = app.login(&user1).await;
    app.elevate(&admin).await;
    let console = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    app.get(&console, Some(&admin)).await.ok(200);

    // user1 leaves the company, and the PMA's own entry goes too.
    dir.modify(&(delete("user1") + &delete("pma")));
    let run = sync(&app, &pma, false).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(state_of(&app, &pma, &user1).await, "suspended");
    assert_eq!(state_of(&app, &pma, &pma.email).await, "unmanaged", "the PMA is never suspended");
    let skipped = actions(&run, "skip");
    assert_eq!(skipped.len(), 1, "{run}");
    assert_eq!(skipped[0]["email"], pma.email.as_str());
    // Before: the offboarded admin kept the console.
    app.get(&console, Some(&admin)).await.problem(403, "admin_suspended");
    app.get(&console, Some(&pma.token)).await.ok(200);

    // Another admin saves the configuration and user1 reappears: that sync may not restore an admin either.
    let user2 = format!("user2@{}", pma.domain);
    let account2 = accept(&app, &user2, 1).await["account_id"].as_str().unwrap().to_string();
    grant(&app, &pma, &account2).await;
    let token2 = app.login(&user2).await;
    app.elevate(&token2).await;
    let other = Admin { token: token2, ..pma.clone() };
    configure(&app, &other, &body).await;
    dir.modify(&format!(
        "dn: uid=user1,ou=People,{SUFFIX}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: user1\ncn: Given1 Family1\n\
         sn: Family1\ngivenName: Given1\nmail: {user1}\n\n"
    ));
    let run = sync(&app, &other, false).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(state_of(&app, &pma, &user1).await, "suspended", "an admin-saved sync restored an admin");
    assert!(actions(&run, "skip").iter().any(|c| c["email"] == user1.as_str()), "{run}");
}

#[tokio::test]
async fn a_sync_another_admin_saved_cannot_suspend_an_admin_and_the_pma_is_told() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&pma.domain, 4, 0));
    let mut body = config(&dir);
    body["send_invitations"] = json!(true);
    body["max_suspend_percent"] = json!(100);
    configure(&app, &pma, &body).await;
    sync(&app, &pma, false).await;
    let mut sessions = Vec::new();
    for i in [1, 2] {
        let email = format!("user{i}@{}", pma.domain);
        let account = accept(&app, &email, 1).await["account_id"].as_str().unwrap().to_string();
        grant(&app, &pma, &account).await;
        let token = app.login(&email).await;
        app.elevate(&token).await;
        sessions.push(token);
    }
    // user1, an admin, saves the configuration; then user2 (another admin) and user3 leave.
    let user1 = Admin { token: sessions[0].clone(), ..pma.clone() };
    configure(&app, &user1, &body).await;
    dir.modify(&(delete("user2") + &delete("user3")));
    let run = sync(&app, &user1, false).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(state_of(&app, &pma, &format!("user2@{}", pma.domain)).await, "unmanaged");
    assert_eq!(state_of(&app, &pma, &format!("user3@{}", pma.domain)).await, "suspended");
    let skipped = actions(&run, "skip");
    assert_eq!(skipped.len(), 1, "{run}");
    assert!(skipped[0]["detail"].as_str().unwrap().contains("only a sync whose configuration"), "{run}");
    let mail = app.smtp.wait(&pma.email, "Directory Sync did not suspend").await;
    assert!(mail.body().contains(&format!("user2@{}", pma.domain)), "{}", mail.body());
    app.get(&format!("/api/v1/enterprises/{}", pma.enterprise_id), Some(&sessions[1])).await.ok(200);
}

#[tokio::test]
async fn the_pma_hands_ownership_to_an_active_admin() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let (bob_account, bob) = make_admin(&app, &pma, "bob").await;
    let path = format!("/api/v1/enterprises/{}/transfer-ownership", pma.enterprise_id);
    let grace = format!("grace@{}", pma.domain);
    invite(&app, &pma, &[&grace]).await;
    let grace_account = accept(&app, &grace, 1).await["account_id"].as_str().unwrap().to_string();

    let body = |account: &str, password: &str| json!({"account_id": account, "password": password});
    app.post(&path, body(&bob_account, "Not-the-password-1"), Some(&pma.token)).await.problem(422, "wrong_password");
    app.post(&path, body(&grace_account, PASSWORD), Some(&pma.token)).await.problem(422, "not_an_admin");
    app.post(&path, body(&bob_account, PASSWORD), Some(&bob)).await.problem(403, "forbidden");
    let r = app.post(&path, body(&bob_account, PASSWORD), Some(&pma.token)).await;
    let admins = r.ok(200).as_array().unwrap().clone();
    let role = |email: &str| admins.iter().find(|a| a["email"] == email).unwrap()["role"].clone();
    assert_eq!(role(&format!("bob@{}", pma.domain)), "pma");
    assert_eq!(role(&pma.email), "admin");

    let me = app.get("/api/v1/me", Some(&bob)).await;
    assert_eq!(me.ok(200)["enterprises"][0]["role"], "pma");
    let e = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    app.patch(&e, json!({"plan": "premium"}), Some(&pma.token)).await.problem(403, "forbidden");
    app.patch(&e, json!({"plan": "premium"}), Some(&bob)).await.ok(200);
    for to in [&pma.email, &format!("bob@{}", pma.domain)] {
        app.smtp.wait(to, "is now the Primary Master Admin").await;
    }
    let audit = app.get(&format!("{e}/audit-events"), Some(&bob)).await;
    assert!(audit.text.contains("enterprise.ownership_transferred"), "{}", audit.text);
}
