//! The Active Directory preset against a real domain controller: Debian's
//! Samba 4.17 AD DC, provisioned and seeded by `e2e/services/samba-ad.sh`
//! (domain CORP / corp.example; Ada in CN=Users, Grace and the disabled Linus
//! in OU=Staff; Engineering holds Ada and the nested group Platform, which
//! holds Grace). One DC serves the whole test binary (AD's ports are fixed);
//! the tests only read it, so they can share it.

use std::sync::OnceLock;

use serde_json::{json, Value};

use crate::{
    directory::{configure, sync},
    helpers::{script, spawn_app, Admin, TestApp},
};

const BASE: &str = "DC=corp,DC=example";
const PASSWORD: &str = "Svc-Muster-2026!";

/// Starts the DC once per test binary; it stops when the binary exits.
fn domain_controller() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let run = std::env::temp_dir().join(format!("muster-samba-ad-{}", std::process::id()));
        script("samba-ad.sh", &["start", run.to_str().unwrap(), &std::process::id().to_string()]);
    });
}

async fn corp_admin(app: &TestApp) -> Admin {
    let admin = app.admin("corp.example").await;
    app.verify_by_dns(&admin).await.ok(200);
    admin
}

fn ad_config(bind: &str) -> Value {
    json!({
        "url": "ldap://127.0.0.1:389",
        "bind_dn": bind,
        "bind_password": PASSWORD,
        "base_dn": BASE,
        "preset": "active_directory",
        // More than AD's MaxPageSize: Muster asks for 1,000 a page instead.
        "page_size": 5000,
        "organizational_units": [format!("CN=Users,{BASE}"), format!("OU=Staff,{BASE}")],
        "groups": [format!("CN=Engineering,CN=Users,{BASE}")],
        "exclusion_rules": [{"applies_to": "user", "attribute": "sAMAccountName", "match": "equals", "value": "svc-muster"}],
        "schedule": null,
        "send_invitations": false,
    })
}

#[tokio::test]
async fn upn_down_level_and_dn_binds_reach_a_real_domain_controller() {
    domain_controller();
    let app = spawn_app().await;
    let admin = corp_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}/directory-sync", admin.enterprise_id);
    for bind in ["svc-muster@corp.example", r"CORP\svc-muster", &format!("CN=svc-muster,CN=Users,{BASE}")] {
        configure(&app, &admin, &ad_config(bind)).await;
        let tested = app.post_raw(&format!("{base}/test"), "", "application/json", Some(&admin.token)).await;
        assert_eq!(tested.ok(200)["ok"], true, "{bind}: {}", tested.text);
    }
    // The same forms are refused for OpenLDAP, and a bare name for AD, with the accepted forms in words.
    let mut openldap = ad_config("svc-muster@corp.example");
    openldap["preset"] = json!("openldap");
    let r = app.send_put(&base, &openldap, Some(&admin.token)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let r = app.send_put(&base, &ad_config("svc-muster"), Some(&admin.token)).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("UPN"), "{}", r.text);
    // A wrong password is the directory's refusal, in words.
    let mut wrong = ad_config(r"CORP\svc-muster");
    wrong["bind_password"] = json!("not the password");
    let tested = app.post(&format!("{base}/test"), wrong, Some(&admin.token)).await;
    assert_eq!(tested.ok(200)["ok"], false, "{}", tested.text);
    assert_eq!(tested.body["code"], "invalid_credentials", "{}", tested.text);
}

#[tokio::test]
async fn the_ad_preset_syncs_the_users_container_an_ou_and_disabled_accounts() {
    domain_controller();
    let app = spawn_app().await;
    let admin = corp_admin(&app).await;
    configure(&app, &admin, &ad_config(r"CORP\svc-muster")).await;

    let dry = sync(&app, &admin, true).await;
    assert_eq!(dry["status"], "succeeded", "{dry}");
    let diff = dry["diff"].as_array().unwrap();
    let change = |email: &str| diff.iter().find(|c| c["email"] == email).cloned();
    let ada = change("ada@corp.example").unwrap_or_else(|| panic!("ada missing: {dry}"));
    assert_eq!(ada["action"], "create", "{ada}");
    assert_eq!(ada["dn"], format!("CN=Ada Lovelace,CN=Users,{BASE}"));
    assert_eq!(ada["changes"]["department"]["after"], "Engineering", "{ada}");
    assert_eq!(change("grace@corp.example").unwrap()["action"], "create");
    // A disabled account is not enrolled: reported, with the reason.
    let linus = change("linus@corp.example").unwrap_or_else(|| panic!("linus missing: {dry}"));
    assert_eq!(linus["action"], "exclude", "{linus}");
    assert!(change("svc-muster@corp.example").is_none_or(|c| c["action"] == "exclude"), "{dry}");

    let applied = sync(&app, &admin, false).await;
    assert_eq!(applied["status"], "succeeded", "{applied}");
    let users = app
        .get(&format!("/api/v1/enterprises/{}/users?q=corp.example&limit=50", admin.enterprise_id), Some(&admin.token))
        .await;
    let items = users.ok(200)["items"].as_array().unwrap().clone();
    let find = |email: &str| items.iter().find(|u| u["email"] == email).cloned();
    let ada = find("ada@corp.example").unwrap();
    assert_eq!((ada["first_name"].as_str(), ada["job_title"].as_str()), (Some("Ada"), Some("Engineer")));
    assert_eq!(ada["source"], "directory");
    // The disabled account never becomes an active member.
    assert!(find("linus@corp.example").is_none_or(|u| u["state"] == "suspended"), "{items:?}");
    // A second run over an unchanged directory changes nothing.
    let again = sync(&app, &admin, false).await;
    assert_eq!(again["counts"]["created"], 0, "{again}");
    assert_eq!(again["counts"]["updated"], 0, "{again}");
}
