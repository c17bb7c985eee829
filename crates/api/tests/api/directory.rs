//! Directory Sync against a real OpenLDAP (Debian slapd started by
//! `e2e/services/slapd.sh`, loaded with `slapadd -q`, memberof overlay):
//! configuration, test connection, browse, dry run, apply, idempotence,
//! leavers and returners, re-linking, exclusions, distribution lists,
//! safeguards and the faults a directory can throw at a sync.

use std::{io::Write, path::PathBuf, process::Command, time::Duration};

use serde_json::{json, Value};

use crate::{
    enrollment::verified_admin,
    helpers::{free_port, script, Admin, TestApp},
};

pub const SUFFIX: &str = "dc=example,dc=test";
const ROOT_DN: &str = "cn=admin,dc=example,dc=test";
const ROOT_PW: &str = "admin-secret";

/// A slapd of this test's own; stopped (by PID) when dropped.
pub struct Directory {
    pub run: PathBuf,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Directory {
    pub fn start(ldif: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("ldap");
        std::fs::create_dir_all(&run).unwrap();
        let data = run.join("data.ldif");
        std::fs::write(&data, ldif).unwrap();
        let port = free_port();
        script("slapd.sh", &["start", run.to_str().unwrap(), &port.to_string(), data.to_str().unwrap()]);
        Self { run, port, _dir: dir }
    }

    /// Also listening on ldaps:// (and offering StartTLS) with a self-signed certificate no client trusts.
    pub fn start_with_tls(ldif: &str) -> (Self, u16) {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("ldap");
        std::fs::create_dir_all(&run).unwrap();
        let data = run.join("data.ldif");
        std::fs::write(&data, ldif).unwrap();
        let (port, tls_port) = (free_port(), free_port());
        let ok = Command::new("bash")
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/slapd.sh"))
            .args(["start", run.to_str().unwrap(), &port.to_string(), data.to_str().unwrap()])
            .env("SLAPD_TLS_PORT", tls_port.to_string())
            .status()
            .unwrap();
        assert!(ok.success(), "slapd with TLS did not start");
        (Self { run, port, _dir: dir }, tls_port)
    }

    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// Applies an LDIF of changes as the rootdn (the overlay keeps memberOf).
    pub fn modify(&self, ldif: &str) {
        let mut child = Command::new("ldapmodify")
            .args(["-x", "-H", &self.url(), "-D", ROOT_DN, "-w", ROOT_PW, "-c"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ldapmodify (ldap-utils) is installed");
        child.stdin.take().unwrap().write_all(ldif.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success(), "ldapmodify failed for:\n{ldif}");
    }

    pub fn kill(&self) {
        let pid = std::fs::read_to_string(self.run.join("slapd.pid")).unwrap();
        Command::new("kill").args(["-9", pid.trim()]).status().unwrap();
    }
}

impl Drop for Directory {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../e2e/services/slapd.sh"))
            .args(["stop", self.run.to_str().unwrap()])
            .output();
    }
}

/// People in ou=People (even ones in Engineering, every third in Sales),
/// contractors in ou=Contractors, an empty ou=Empty, and a bind account
/// `cn=limited` that gets the default 500-entry size limit.
pub fn directory_ldif(domain: &str, people: usize, contractors: usize) -> String {
    let mut out = String::new();
    for ou in ["People", "Contractors", "Groups", "Empty"] {
        out.push_str(&format!("dn: ou={ou},{SUFFIX}\nobjectClass: organizationalUnit\nou: {ou}\n\n"));
    }
    out.push_str(&format!(
        "dn: cn=limited,{SUFFIX}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: limited\nuserPassword: limited-secret\n\n"
    ));
    let engineering = format!("cn=Engineering,ou=Groups,{SUFFIX}");
    let sales = format!("cn=Sales,ou=Groups,{SUFFIX}");
    let mut eng_members = Vec::new();
    let mut sales_members = Vec::new();
    for i in 0..people {
        let dn = format!("uid=user{i},ou=People,{SUFFIX}");
        out.push_str(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nuid: user{i}\ncn: Given{i} Family{i}\ngivenName: Given{i}\nsn: Family{i}\n\
             mail: user{i}@{domain}\ndepartmentNumber: Dept {}\ntitle: Engineer\n",
            i % 7
        ));
        if i % 2 == 0 {
            out.push_str(&format!("memberOf: {engineering}\n"));
            eng_members.push(dn.clone());
        }
        if i % 3 == 0 {
            out.push_str(&format!("memberOf: {sales}\n"));
            sales_members.push(dn.clone());
        }
        out.push('\n');
    }
    for i in 0..contractors {
        out.push_str(&format!(
            "dn: uid=contractor{i},ou=Contractors,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: contractor{i}\ncn: C {i}\nsn: C\n\
             mail: contractor{i}@{domain}\ntitle: Contractor\n\n"
        ));
    }
    for (dn, cn, members) in [(&engineering, "Engineering", &eng_members), (&sales, "Sales", &sales_members)] {
        out.push_str(&format!("dn: {dn}\nobjectClass: groupOfNames\ncn: {cn}\n"));
        if members.is_empty() {
            out.push_str(&format!("member: {ROOT_DN}\n"));
        }
        for m in members.iter() {
            out.push_str(&format!("member: {m}\n"));
        }
        out.push('\n');
    }
    out
}

pub fn config(dir: &Directory) -> Value {
    json!({
        "url": dir.url(),
        "bind_dn": ROOT_DN,
        "bind_password": ROOT_PW,
        "base_dn": SUFFIX,
        "preset": "openldap",
        "page_size": 50,
        "organizational_units": [format!("ou=People,{SUFFIX}")],
        "groups": [format!("cn=Engineering,ou=Groups,{SUFFIX}"), format!("cn=Sales,ou=Groups,{SUFFIX}")],
        "exclusion_rules": [],
        "schedule": null,
        "send_invitations": false,
    })
}

fn base(admin: &Admin) -> String {
    format!("/api/v1/enterprises/{}/directory-sync", admin.enterprise_id)
}

pub async fn configure(app: &TestApp, admin: &Admin, body: &Value) -> Value {
    app.send_put(&base(admin), body, Some(&admin.token)).await.ok(200).clone()
}

/// Starts a run and waits for it to finish; returns it with up to 200 changes.
pub async fn sync(app: &TestApp, admin: &Admin, dry_run: bool) -> Value {
    let r = app.post(&format!("{}/runs", base(admin)), json!({"dry_run": dry_run}), Some(&admin.token)).await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    wait_run(app, admin, &id).await
}

pub async fn wait_run(app: &TestApp, admin: &Admin, id: &str) -> Value {
    let path = format!("{}/runs/{id}?limit=200", base(admin));
    app.eventually("the sync run finishes", || async {
        let run = app.get(&path, Some(&admin.token)).await;
        matches!(run.body["status"].as_str(), Some("succeeded" | "failed" | "blocked"))
    })
    .await;
    app.get(&path, Some(&admin.token)).await.ok(200).clone()
}

fn changes<'a>(run: &'a Value, action: &str) -> Vec<&'a Value> {
    run["diff"].as_array().unwrap().iter().filter(|c| c["action"] == action).collect()
}

async fn member_states(app: &TestApp, admin: &Admin) -> Vec<(String, String)> {
    sqlx::query_as("SELECT email, state FROM members WHERE enterprise_id = $1 ORDER BY email")
        .bind(&admin.enterprise_id)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap()
}

async fn state_of(app: &TestApp, email: &str) -> String {
    sqlx::query_scalar("SELECT state FROM members WHERE email = $1")
        .bind(email)
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_configuration_keeps_the_password_sealed_and_write_only() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 3, 0));
    app.get(&base(&admin), Some(&admin.token)).await.problem(404, "not_found");

    let mut body = config(&dir);
    body["bind_password"] = Value::Null;
    app.send_put(&base(&admin), &body, Some(&admin.token)).await.problem(422, "bind_password_required");
    let mut bad = config(&dir);
    bad["url"] = json!("http://dc1");
    bad["schedule"] = json!("0 * * * *");
    let r = app.send_put(&base(&admin), &bad, Some(&admin.token)).await;
    r.problem(422, "invalid_configuration");
    assert!(r.text.contains("url") && r.text.contains("schedule"), "{}", r.text);

    let saved = configure(&app, &admin, &config(&dir)).await;
    assert_eq!(saved["bind_password"], Value::Null);
    assert_eq!(saved["bind_password_set"], true);
    assert_eq!(saved["attribute_map"]["id"], "entryUUID");
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT bind_password FROM directory_configs").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(!stored.windows(ROOT_PW.len()).any(|w| w == ROOT_PW.as_bytes()), "password stored in clear");
    let got = app.get(&base(&admin), Some(&admin.token)).await;
    assert!(!got.text.contains(ROOT_PW), "password returned: {}", got.text);

    // Saving again without a password keeps the stored one.
    let mut again = config(&dir);
    again.as_object_mut().unwrap().remove("bind_password");
    configure(&app, &admin, &again).await;
    let test = app.post(&format!("{}/test", base(&admin)), json!(null), Some(&admin.token)).await;
    assert_eq!(test.ok(200)["ok"], true, "{}", test.text);
    assert_eq!(test.body["count"], 3);
    assert_eq!(test.body["entries"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn test_connection_and_browse_say_what_they_found() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 12, 2));
    configure(&app, &admin, &config(&dir)).await;

    let test = app.post(&format!("{}/test", base(&admin)), json!(null), Some(&admin.token)).await;
    assert_eq!(test.ok(200)["count"], 12, "{}", test.text);
    assert_eq!(test.body["entries"].as_array().unwrap().len(), 5, "the first five");

    let mut wrong = config(&dir);
    wrong["bind_password"] = json!("not-the-password");
    let r = app.post(&format!("{}/test", base(&admin)), wrong, Some(&admin.token)).await;
    assert_eq!(
        (r.body["ok"].clone(), r.body["code"].clone()),
        (json!(false), json!("invalid_credentials")),
        "{}",
        r.text
    );

    let mut nowhere = config(&dir);
    nowhere["url"] = json!(format!("ldap://127.0.0.1:{}", free_port()));
    let r = app.post(&format!("{}/test", base(&admin)), nowhere, Some(&admin.token)).await;
    assert_eq!(r.body["code"], "unreachable", "{}", r.text);
    assert!(r.body["message"].as_str().unwrap().contains("nothing is listening"), "{}", r.text);

    let mut no_base = config(&dir);
    no_base["organizational_units"] = json!([]);
    no_base["base_dn"] = json!("ou=Nowhere,dc=example,dc=test");
    let r = app.post(&format!("{}/test", base(&admin)), no_base, Some(&admin.token)).await;
    assert_eq!(r.body["code"], "no_such_base_dn", "{}", r.text);

    let tree = app.get(&format!("{}/browse", base(&admin)), Some(&admin.token)).await;
    let ous: Vec<&str> =
        tree.ok(200)["organizational_units"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap()).collect();
    assert_eq!(ous, vec!["Contractors", "Empty", "Groups", "People"], "{}", tree.text);
    let groups = tree.body["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["name"], "Engineering");
    assert_eq!(groups[0]["members"], 6);
}

#[tokio::test]
async fn dry_run_then_apply_then_a_second_run_changes_nothing() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    let dir = Directory::start(&directory_ldif(&d, 30, 3));
    configure(&app, &admin, &config(&dir)).await;
    let members_before = app.count("members").await;

    let dry = sync(&app, &admin, true).await;
    assert_eq!(dry["status"], "succeeded", "{dry}");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["trigger"], "manual");
    assert_eq!(dry["counts"]["created"], 30, "{dry}");
    assert_eq!(dry["counts"]["entries"], 30, "the Contractors OU is left out when not chosen");
    assert_eq!(dry["counts"]["groups_created"], 2);
    let create = changes(&dry, "create");
    let first = create.iter().find(|c| c["email"] == format!("user0@{d}")).unwrap();
    assert_eq!(first["dn"], format!("uid=user0,ou=People,{SUFFIX}"));
    assert_eq!(first["changes"]["first_name"], json!({"before": null, "after": "Given0"}));
    assert_eq!(app.count("members").await, members_before, "a dry run writes nothing");
    assert_eq!(app.count("distribution_lists").await, 0);

    let applied = sync(&app, &admin, false).await;
    assert_eq!(applied["status"], "succeeded", "{applied}");
    assert_eq!(applied["counts"]["created"], 30);
    assert_eq!(applied["counts"]["invited"], 30);
    for phase in ["read_ms", "diff_ms", "write_ms"] {
        assert!(applied["timings"][phase].is_u64(), "{phase} missing: {applied}");
    }
    let states = member_states(&app, &admin).await;
    assert_eq!(states.iter().filter(|(e, s)| e.starts_with("user") && s == "invited").count(), 30);
    assert!(!states.iter().any(|(e, _)| e.starts_with("contractor")), "contractors synced: {states:?}");
    let users = app
        .get(&format!("/api/v1/enterprises/{}/users?q=user1@&limit=5", admin.enterprise_id), Some(&admin.token))
        .await;
    assert_eq!(users.ok(200)["items"][0]["source"], "directory", "{}", users.text);
    assert_eq!(users.body["items"][0]["department"], "Dept 1");

    let lists =
        app.get(&format!("/api/v1/enterprises/{}/distribution-lists", admin.enterprise_id), Some(&admin.token)).await;
    let items = lists.ok(200)["items"].as_array().unwrap();
    assert_eq!(items.iter().map(|l| l["name"].as_str().unwrap()).collect::<Vec<_>>(), vec!["Engineering", "Sales"]);
    assert_eq!(items[0]["members"], 15);
    assert_eq!(items[1]["members"], 10);
    let eng = app
        .get(
            &format!(
                "/api/v1/enterprises/{}/distribution-lists/{}",
                admin.enterprise_id,
                items[0]["id"].as_str().unwrap()
            ),
            Some(&admin.token),
        )
        .await;
    assert!(eng.ok(200)["member_emails"].as_array().unwrap().contains(&json!(format!("user0@{d}"))));
    let lists_path = format!("/api/v1/enterprises/{}/distribution-lists?limit=1", admin.enterprise_id);
    let first = app.get(&lists_path, Some(&admin.token)).await;
    assert_eq!(first.ok(200)["items"][0]["name"], "Engineering");
    let cursor = first.body["next_cursor"].as_str().expect("a second page").to_string();
    let second = app.get(&format!("{lists_path}&cursor={cursor}"), Some(&admin.token)).await;
    assert_eq!(second.ok(200)["items"][0]["name"], "Sales");
    assert_eq!(second.body["next_cursor"], Value::Null);

    let again = sync(&app, &admin, false).await;
    assert_eq!(again["status"], "succeeded");
    let c = &again["counts"];
    assert_eq!(
        (c["created"].clone(), c["updated"].clone(), c["suspended"].clone()),
        (json!(0), json!(0), json!(0)),
        "{again}"
    );
    assert_eq!(c["unchanged"], 30);
    assert_eq!(c["groups_updated"], 0);
    assert!(again["diff"].as_array().unwrap().is_empty(), "{again}");

    let history = app.get(&format!("{}/runs", base(&admin)), Some(&admin.token)).await;
    let runs = history.ok(200)["items"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[0]["id"], again["id"], "newest first");
    let report = app
        .get(&format!("{}/runs/{}/report.csv", base(&admin), applied["id"].as_str().unwrap()), Some(&admin.token))
        .await;
    assert_eq!(report.status, 200);
    assert!(report.text.starts_with("action,email,dn,field,before,after,detail"), "{}", report.text);
    assert!(
        report.text.contains(&format!("create,user0@{d},\"uid=user0,ou=People,{SUFFIX}\",first_name,,Given0")),
        "{}",
        report.text
    );
}

#[tokio::test]
async fn leavers_are_suspended_returners_restored_and_recreated_people_relinked() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    let dir = Directory::start(&directory_ldif(&d, 30, 0));
    let mut body = config(&dir);
    body["send_invitations"] = json!(true);
    configure(&app, &admin, &body).await;
    sync(&app, &admin, false).await;
    let members = app.count("members").await;
    let leaver_token = app.smtp.wait(&format!("user2@{d}"), "invited").await.token();

    // Two leave, one changes title, one leaves Engineering.
    dir.modify(&format!(
        "dn: uid=user1,ou=People,{SUFFIX}\nchangetype: delete\n\n\
         dn: uid=user2,ou=People,{SUFFIX}\nchangetype: delete\n\n\
         dn: uid=user3,ou=People,{SUFFIX}\nchangetype: modify\nreplace: title\ntitle: Staff Engineer\n\n\
         dn: cn=Engineering,ou=Groups,{SUFFIX}\nchangetype: modify\ndelete: member\nmember: uid=user4,ou=People,{SUFFIX}\n\n"
    ));
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["counts"]["suspended"], 2, "{run}");
    assert_eq!(run["counts"]["updated"], 1);
    assert_eq!(state_of(&app, &format!("user1@{d}")).await, "suspended");
    assert_eq!(app.count("members").await, members, "never deleted");
    let accept = json!({"token": leaver_token, "password": crate::helpers::PASSWORD});
    app.post("/api/v1/invitations/accept", accept, None).await.problem(410, "member_suspended");
    let update = changes(&run, "update");
    assert_eq!(update[0]["changes"]["job_title"], json!({"before": "Engineer", "after": "Staff Engineer"}));
    let group = changes(&run, "group_update");
    assert_eq!(group.len(), 1, "{run}");
    // user2 left the directory (and so the list); user4 left only the group.
    assert_eq!(group[0]["changes"]["members_removed"], json!([format!("user2@{d}"), format!("user4@{d}")]));

    // user1 comes back as a new entry (new entryUUID, same email): restored and re-linked, not duplicated.
    dir.modify(&format!(
        "dn: uid=user1,ou=People,{SUFFIX}\nchangetype: add\nobjectClass: inetOrgPerson\nuid: user1\ncn: Given1 Family1\n\
         givenName: Given1\nsn: Family1\nmail: user1@{d}\ndepartmentNumber: Dept 1\ntitle: Engineer\n\n"
    ));
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["counts"]["restored"], 1, "{run}");
    assert_eq!(run["counts"]["relinked"], 1, "{run}");
    assert_eq!(run["counts"]["created"], 0);
    assert_eq!(state_of(&app, &format!("user1@{d}")).await, "invited", "back in the state it was suspended from");
    assert_eq!(app.count("members").await, members);
    let again = sync(&app, &admin, false).await;
    assert_eq!(again["counts"]["unchanged"], 29, "{again}");
    assert!(again["diff"].as_array().unwrap().is_empty(), "{again}");
}

#[tokio::test]
async fn exclusion_rules_are_honoured_for_users_and_groups() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    let dir = Directory::start(&directory_ldif(&d, 10, 4));
    let mut body = config(&dir);
    body["organizational_units"] = json!([]);
    body["exclusion_rules"] = json!([
        {"applies_to": "user", "match": "under_ou", "value": format!("ou=Contractors,{SUFFIX}")},
        {"applies_to": "user", "attribute": "mail", "match": "equals", "value": format!("USER3@{d}")},
        {"applies_to": "user", "attribute": "uid", "match": "regex", "value": "^user[89]$"},
        {"applies_to": "group", "attribute": "cn", "match": "equals", "value": "sales"},
    ]);
    configure(&app, &admin, &body).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["counts"]["entries"], 14);
    assert_eq!(run["counts"]["excluded"], 7, "{run}");
    assert_eq!(run["counts"]["created"], 7);
    let states = member_states(&app, &admin).await;
    for gone in ["contractor0@", "user3@", "user8@", "user9@"] {
        assert!(!states.iter().any(|(e, _)| e.starts_with(gone)), "{gone} synced despite a rule");
    }
    let lists =
        app.get(&format!("/api/v1/enterprises/{}/distribution-lists", admin.enterprise_id), Some(&admin.token)).await;
    let names: Vec<&str> =
        lists.ok(200)["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Engineering"]);

    // An excluded person who is already a member is left alone, never suspended.
    body["exclusion_rules"] = json!([{"applies_to": "user", "attribute": "uid", "match": "equals", "value": "user0"}]);
    configure(&app, &admin, &body).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["counts"]["suspended"], 0, "{run}");
    assert_eq!(state_of(&app, &format!("user0@{d}")).await, "invited");
}

#[tokio::test]
async fn safeguards_block_an_empty_ou_and_a_wrong_base_dn_and_write_nothing() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 30, 0));
    configure(&app, &admin, &config(&dir)).await;
    sync(&app, &admin, false).await;
    let before = member_states(&app, &admin).await;

    let mut empty = config(&dir);
    empty["organizational_units"] = json!([format!("ou=Empty,{SUFFIX}")]);
    configure(&app, &admin, &empty).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "blocked", "{run}");
    assert!(run["error"].as_str().unwrap().contains("would suspend 30 of the 30"), "{run}");
    assert_eq!(member_states(&app, &admin).await, before);

    let mut wrong = config(&dir);
    wrong["organizational_units"] = json!([]);
    wrong["base_dn"] = json!("ou=Peeple,dc=example,dc=test");
    configure(&app, &admin, &wrong).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "blocked", "{run}");
    assert!(run["error"].as_str().unwrap().contains("base DN does not exist"), "{run}");
    assert_eq!(member_states(&app, &admin).await, before);

    // A few leavers are within the 10% allowed; the result far smaller than last time is not.
    let mut few = config(&dir);
    few["max_suspend_percent"] = json!(100);
    few["user_filter"] = json!("(&(objectClass=inetOrgPerson)(uid=user1*))");
    configure(&app, &admin, &few).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "blocked", "{run}");
    assert!(run["error"].as_str().unwrap().contains("far fewer than the 30"), "{run}");
    assert_eq!(member_states(&app, &admin).await, before);

    // A deliberate narrowing is accepted explicitly, for one run; the suspend limit still applies.
    let r = app
        .post(&format!("{}/runs", base(&admin)), json!({"accept_smaller_directory": true}), Some(&admin.token))
        .await;
    let run = wait_run(&app, &admin, r.ok(202)["id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "succeeded", "{run}");
    assert_eq!(run["counts"]["suspended"], 19);
}

#[tokio::test]
async fn a_size_limited_bind_account_is_an_error_not_a_short_result() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 600, 0));
    let mut body = config(&dir);
    body["bind_dn"] = json!(format!("cn=limited,{SUFFIX}"));
    body["bind_password"] = json!("limited-secret");
    configure(&app, &admin, &body).await;
    let test = app.post(&format!("{}/test", base(&admin)), json!(null), Some(&admin.token)).await;
    assert_eq!(test.body["code"], "size_limit", "{}", test.text);
    let members = app.count("members").await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(run["error"].as_str().unwrap().contains("size limit"), "{run}");
    assert_eq!(app.count("members").await, members);
}

#[tokio::test]
async fn bad_credentials_and_a_silent_directory_fail_the_run_with_words() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 3, 0));
    let members = app.count("members").await;
    let mut body = config(&dir);
    body["bind_password"] = json!("wrong");
    configure(&app, &admin, &body).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "failed");
    assert!(run["error"].as_str().unwrap().contains("refused the bind DN or password"), "{run}");

    body["bind_password"] = json!(ROOT_PW);
    body["url"] = json!(format!("ldap://127.0.0.1:{}", free_port()));
    configure(&app, &admin, &body).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["status"], "failed");
    assert!(run["error"].as_str().unwrap().contains("Cannot reach the directory"), "{run}");
    assert_eq!(app.count("members").await, members);
}

#[tokio::test]
async fn slapd_killed_in_the_middle_of_a_run_fails_it_and_suspends_no_one() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 3000, 0));
    let mut body = config(&dir);
    body["groups"] = json!([]);
    configure(&app, &admin, &body).await;
    sync(&app, &admin, false).await;
    let before = member_states(&app, &admin).await;

    // Tiny pages make the read slow enough to cut in the middle.
    body["page_size"] = json!(2);
    configure(&app, &admin, &body).await;
    let r = app.post(&format!("{}/runs", base(&admin)), json!({}), Some(&admin.token)).await;
    let id = r.ok(202)["id"].as_str().unwrap().to_string();
    let path = format!("{}/runs/{id}", base(&admin));
    app.eventually("the run is reading", || async {
        let run = app.get(&path, Some(&admin.token)).await;
        run.body["progress"]["processed"].as_u64().unwrap_or(0) >= 500
    })
    .await;
    dir.kill();
    let run = wait_run(&app, &admin, &id).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert!(run["progress"]["processed"].as_u64().unwrap() < 3000, "{run}");
    assert_eq!(member_states(&app, &admin).await, before, "nothing suspended or changed");
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test]
async fn another_enterprise_never_sees_a_run_a_list_or_the_configuration() {
    let app = crate::helpers::spawn_app().await;
    let a = verified_admin(&app).await;
    let b = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&a.domain, 4, 0));
    configure(&app, &a, &config(&dir)).await;
    let run = sync(&app, &a, false).await;
    let lists = app.get(&format!("/api/v1/enterprises/{}/distribution-lists", a.enterprise_id), Some(&a.token)).await;
    let list_id = lists.ok(200)["items"][0]["id"].as_str().unwrap().to_string();
    let run_id = run["id"].as_str().unwrap();
    // B asks for A's run and list through B's own enterprise: as if they did not exist.
    for path in [
        format!("{}/runs/{run_id}", base(&b)),
        format!("{}/runs/{run_id}/report.csv", base(&b)),
        format!("/api/v1/enterprises/{}/distribution-lists/{list_id}", b.enterprise_id),
        base(&b),
    ] {
        app.get(&path, Some(&b.token)).await.problem(404, "not_found");
    }
    let history = app.get(&format!("{}/runs", base(&b)), Some(&b.token)).await;
    assert!(history.ok(200)["items"].as_array().unwrap().is_empty());
    app.post(&format!("{}/runs", base(&b)), json!({}), Some(&b.token)).await.problem(404, "not_found");
}

/// Three replicas — this test's own app and two `muster` processes — on one
/// database, all with the schedule "every 5 seconds", for a minute: every
/// slot ran exactly once, none was skipped, none overlapped.
#[tokio::test]
async fn a_schedule_slot_runs_exactly_once_across_replicas() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 10, 0));
    let http = reqwest::Client::new();
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let port = free_port();
        let config = &app.state.config;
        let envs: Vec<(String, String)> = [
            ("MUSTER_BIND", format!("127.0.0.1:{port}")),
            ("MUSTER_DATA_DIR", config.data_dir.display().to_string()),
            ("MUSTER_DATABASE_URL", config.database_url.clone()),
            ("MUSTER_SMTP_URL", config.smtp_url.clone().unwrap_or_default()),
            ("MUSTER_WORKER_TICK_MS", "100".into()),
            ("MUSTER_LDAP_ALLOWED_NETWORKS", "127.0.0.0/8".into()),
            ("MUSTER_SPA_DIR", config.spa_dir.display().to_string()),
            ("MUSTER_LOG", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        replicas.push(crate::crash::start(&envs));
        crate::crash::ready(&http, &format!("http://127.0.0.1:{port}")).await;
    }
    let mut body = config(&dir);
    body["schedule"] = json!("*/5 * * * * *");
    configure(&app, &admin, &body).await;
    // Replicas pick up another's change within their reconcile interval.
    tokio::time::sleep(Duration::from_secs(60)).await;
    body["schedule"] = Value::Null;
    configure(&app, &admin, &body).await;
    tokio::time::sleep(Duration::from_secs(12)).await;
    drop(replicas);

    type Slot = (Option<i64>, String, Option<i64>, Option<i64>);
    let runs: Vec<Slot> = sqlx::query_as(
        "SELECT r.scheduled_for, j.status, j.started_at, j.finished_at FROM directory_runs r JOIN jobs j ON j.id = r.job_id \
         WHERE r.enterprise_id = $1 AND r.trigger = 'schedule' ORDER BY r.scheduled_for",
    )
    .bind(&admin.enterprise_id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(runs.len() >= 8, "a minute at every 5 s ran only {} slots", runs.len());
    for pair in runs.windows(2) {
        let (a, b) = (pair[0].0.unwrap(), pair[1].0.unwrap());
        assert_eq!(b - a, 5000, "slots {a} and {b}: one missing or doubled in {runs:?}");
        assert!(pair[0].3.unwrap() <= pair[1].2.unwrap(), "runs overlapped: {runs:?}");
    }
    assert!(runs.iter().all(|r| r.1 == "succeeded"), "{runs:?}");
    let created: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE enterprise_id = $1 AND source = 'directory'")
            .bind(&admin.enterprise_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(created, 10, "the first scheduled run created them once; the rest changed nothing");
}

/// A slot that comes while the previous run is still reading is skipped:
/// runs never overlap and a slow directory is not read twice at once.
#[tokio::test]
async fn a_slot_that_comes_while_a_run_is_going_is_not_doubled() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    // Enough entries at two a page that a run takes well over the one-second slot.
    let dir = Directory::start(&directory_ldif(&admin.domain, 6000, 0));
    let mut body = config(&dir);
    body["groups"] = json!([]);
    body["page_size"] = json!(2);
    body["schedule"] = json!("* * * * * *");
    configure(&app, &admin, &body).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    body["schedule"] = Value::Null;
    configure(&app, &admin, &body).await;
    let last: Option<String> = sqlx::query_scalar(
        "SELECT job_id FROM directory_runs WHERE enterprise_id = $1 ORDER BY scheduled_for DESC LIMIT 1",
    )
    .bind(&admin.enterprise_id)
    .fetch_optional(&app.state.db.pool)
    .await
    .unwrap();
    wait_run(&app, &admin, &last.expect("the schedule fired")).await;

    type Window = (i64, Option<i64>, Option<i64>);
    let runs: Vec<Window> = sqlx::query_as(
        "SELECT r.scheduled_for, j.started_at, j.finished_at FROM directory_runs r JOIN jobs j ON j.id = r.job_id \
         WHERE r.enterprise_id = $1 ORDER BY r.scheduled_for",
    )
    .bind(&admin.enterprise_id)
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    assert!(!runs.is_empty());
    assert!(runs.len() < 8, "every second became a run although each takes longer: {runs:?}");
    for pair in runs.windows(2) {
        assert!(pair[0].2.unwrap() <= pair[1].1.unwrap(), "runs overlapped: {runs:?}");
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_over_ldaps_and_starttls() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let (dir, tls_port) = Directory::start_with_tls(&directory_ldif(&admin.domain, 2, 0));
    let mut ldaps = config(&dir);
    ldaps["url"] = json!(format!("ldaps://127.0.0.1:{tls_port}"));
    let r = app.post(&format!("{}/test", base(&admin)), ldaps, Some(&admin.token)).await;
    assert_eq!((r.body["ok"].clone(), r.body["code"].clone()), (json!(false), json!("tls")), "{}", r.text);
    assert!(r.body["message"].as_str().unwrap().contains("TLS handshake"), "{}", r.text);

    let mut starttls = config(&dir);
    starttls["start_tls"] = json!(true);
    let r = app.post(&format!("{}/test", base(&admin)), starttls, Some(&admin.token)).await;
    assert_eq!(r.body["code"], "tls", "{}", r.text);

    // The same directory without TLS answers: the failure above is the certificate, not the server.
    let r = app.post(&format!("{}/test", base(&admin)), config(&dir), Some(&admin.token)).await;
    assert_eq!(r.body["ok"], true, "{}", r.text);
}

#[tokio::test]
async fn the_stored_password_never_goes_to_another_server() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let dir = Directory::start(&directory_ldif(&admin.domain, 2, 0));
    configure(&app, &admin, &config(&dir)).await;
    let mut elsewhere = config(&dir);
    elsewhere.as_object_mut().unwrap().remove("bind_password");
    elsewhere["url"] = json!(format!("ldap://127.0.0.1:{}", free_port()));
    app.send_put(&base(&admin), &elsewhere, Some(&admin.token)).await.problem(422, "bind_password_required");
    let r = app.post(&format!("{}/test", base(&admin)), elsewhere, Some(&admin.token)).await;
    r.problem(422, "bind_password_required");
    let mut other_dn = config(&dir);
    other_dn.as_object_mut().unwrap().remove("bind_password");
    other_dn["bind_dn"] = json!(format!("cn=limited,{SUFFIX}"));
    app.send_put(&base(&admin), &other_dn, Some(&admin.token)).await.problem(422, "bind_password_required");
}

#[tokio::test]
async fn a_sync_links_existing_members_and_keeps_what_the_directory_lacks() {
    let app = crate::helpers::spawn_app().await;
    let admin = verified_admin(&app).await;
    let d = admin.domain.clone();
    // Imported first, with a phone the directory does not hold.
    let csv = format!("email,first_name,phone\nuser0@{d},Old,+1 555 0100\n");
    let r = app
        .post_raw(
            &format!("/api/v1/enterprises/{}/imports?send_invitations=false", admin.enterprise_id),
            csv,
            "text/csv",
            Some(&admin.token),
        )
        .await;
    let job = r.ok(202)["id"].as_str().unwrap().to_string();
    crate::jobs::wait_job(&app, &admin, &job, "").await;
    let dir = Directory::start(&directory_ldif(&d, 3, 0));
    configure(&app, &admin, &config(&dir)).await;
    let run = sync(&app, &admin, false).await;
    assert_eq!(run["counts"]["relinked"], 1, "{run}");
    assert_eq!(run["counts"]["created"], 2);
    let (first, phone): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT first_name, phone FROM members WHERE email = $1")
            .bind(format!("user0@{d}"))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
    assert_eq!(first.as_deref(), Some("Given0"), "the directory's value wins where it has one");
    assert_eq!(phone.as_deref(), Some("+1 555 0100"), "an attribute the directory lacks clears nothing");
    let again = sync(&app, &admin, false).await;
    assert!(again["diff"].as_array().unwrap().is_empty(), "{again}");
}
