//! SCIM 2.0 as Okta and Entra drive it: their request sequences, taken from
//! their public documentation, replayed against the real app; filters and
//! paging; Groups as distribution lists; the rules every channel keeps (the
//! PMA never suspended, admins only by the PMA's token, identity untouched,
//! tenants apart).

use muster_model::ApiScope;
use serde_json::{json, Value};

use crate::{
    enrollment::{accept, invite, verified_admin},
    helpers::{spawn_app, Admin, Resp, TestApp},
    tokens::{create_token, secret},
};

const SCIM: &str = "application/scim+json";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A client of `/scim/v2` with a token, sending `application/scim+json` as Okta and Entra do.
struct Client<'a> {
    app: &'a TestApp,
    token: String,
}

impl Client<'_> {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}/scim/v2{path}", self.app.base);
        let mut req = self.app.http.request(method, url).header("accept", SCIM);
        if let Some(body) = body {
            req = req.header("content-type", SCIM).body(body.to_string());
        }
        let r = self.app.send(req, Some(&self.token)).await;
        if !r.text.is_empty() {
            assert!(r.content_type.starts_with(SCIM), "{path}: {} {}", r.content_type, r.text);
        }
        r
    }
    async fn get(&self, path: &str) -> Resp {
        self.call(reqwest::Method::GET, path, None).await
    }
    async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }
    async fn put(&self, path: &str, body: Value) -> Resp {
        self.call(reqwest::Method::PUT, path, Some(body)).await
    }
    async fn patch(&self, path: &str, ops: Value) -> Resp {
        self.call(reqwest::Method::PATCH, path, Some(json!({"schemas": [PATCH_OP], "Operations": ops}))).await
    }
    async fn delete(&self, path: &str) -> Resp {
        self.call(reqwest::Method::DELETE, path, None).await
    }
}

async fn client<'a>(app: &'a TestApp, admin: &Admin) -> Client<'a> {
    Client { app, token: secret(&create_token(app, admin, "Okta", &[ApiScope::Scim]).await) }
}

/// Asserts a SCIM Error with this status and (when given) scimType.
#[track_caller]
fn scim_error(r: &Resp, status: u16, scim_type: Option<&str>) {
    assert_eq!(r.status, status, "{}", r.text);
    assert_eq!(r.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]), "{}", r.text);
    assert_eq!(r.body["status"], status.to_string());
    assert_eq!(r.body["scimType"].as_str(), scim_type, "{}", r.text);
    assert!(!r.body["detail"].as_str().unwrap_or_default().is_empty());
}

fn enc(filter: &str) -> String {
    url::form_urlencoded::byte_serialize(filter.as_bytes()).collect()
}

async fn member(app: &TestApp, admin: &Admin, email: &str) -> Value {
    let path = format!("/api/v1/enterprises/{}/users?search={}", admin.enterprise_id, enc(email));
    let r = app.get(&path, Some(&admin.token)).await;
    let items = r.ok(200)["items"].as_array().unwrap().clone();
    items.into_iter().find(|m| m["email"] == email).unwrap_or(Value::Null)
}

fn okta_user(email: &str, first: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": email,
        "name": {"givenName": first, "familyName": "Lovelace"},
        "emails": [{"primary": true, "value": email, "type": "work"}],
        "displayName": format!("{first} Lovelace"),
        "locale": "en-US",
        "externalId": "00u1okta",
        "groups": [],
        "password": "1mP0ssible!",
        "active": true
    })
}

#[tokio::test]
async fn okta_provisions_updates_deactivates_and_deprovisions_a_person() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let okta = client(&app, &pma).await;

    // "Test Connector Configuration": discovery, then a look-up of a user that does not exist.
    let spc = okta.get("/ServiceProviderConfig").await;
    assert_eq!(spc.ok(200)["patch"]["supported"], true);
    assert_eq!(spc.body["bulk"]["supported"], false);
    let probe = okta
        .get(&format!("/Users?filter={}&startIndex=1&count=2", enc("userName eq \"nobody-4f1c@example.org\"")))
        .await;
    assert_eq!(probe.ok(200)["totalResults"], 0);
    assert_eq!(probe.body["Resources"], json!([]));

    // Push a new person: look up by userName, then create.
    let ada = format!("ada@{}", pma.domain);
    let found =
        okta.get(&format!("/Users?filter={}&startIndex=1&count=100", enc(&format!("userName eq \"{ada}\"")))).await;
    assert_eq!(found.ok(200)["totalResults"], 0);
    let created = okta.post("/Users", okta_user(&ada.to_uppercase(), "Ada")).await;
    let user = created.ok(201).clone();
    let id = user["id"].as_str().unwrap().to_string();
    assert_eq!(user["userName"], ada);
    assert_eq!(user["name"]["givenName"], "Ada");
    assert_eq!(user["active"], true);
    assert_eq!(user["externalId"], "00u1okta");
    assert!(user.get("password").is_none(), "a password is discarded, never echoed");
    assert!(user["meta"]["location"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{id}")));
    // Invited by the same pipeline as Import: the mail arrives in the SMTP sink.
    app.smtp.wait(&ada, "invited").await;
    let m = member(&app, &pma, &ada).await;
    assert_eq!(
        (m["state"].as_str(), m["source"].as_str(), m["first_name"].as_str()),
        (Some("invited"), Some("scim"), Some("Ada"))
    );

    // The same userName again is a conflict, however it is spelled.
    scim_error(&okta.post("/Users", okta_user(&ada, "Ada")).await, 409, Some("uniqueness"));

    // Profile push (PUT replaces), then deactivation and reactivation (PATCH).
    let mut replaced = okta_user(&ada, "Augusta");
    replaced["id"] = json!(id);
    replaced["title"] = json!("Analyst");
    let r = okta.put(&format!("/Users/{id}"), replaced).await;
    assert_eq!((r.ok(200)["name"]["givenName"].as_str(), r.body["title"].as_str()), (Some("Augusta"), Some("Analyst")));
    let off = okta.patch(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(off.ok(200)["active"], false);
    assert_eq!(member(&app, &pma, &ada).await["state"], "suspended");
    let listed = okta.get(&format!("/Users?filter={}", enc(&format!("userName eq \"{ada}\"")))).await;
    assert_eq!(listed.ok(200)["Resources"][0]["active"], false, "inactive users are still returned");
    let on = okta.patch(&format!("/Users/{id}"), json!([{"op": "replace", "value": {"active": true}}])).await;
    assert_eq!(on.ok(200)["active"], true);
    assert_eq!(member(&app, &pma, &ada).await["state"], "invited", "restored to the state it was suspended from");

    // Deprovision: removed (kept), gone from SCIM; creating it again brings it back.
    assert_eq!(okta.delete(&format!("/Users/{id}")).await.status, 204);
    scim_error(&okta.get(&format!("/Users/{id}")).await, 404, None);
    let removed =
        app.get(&format!("/api/v1/enterprises/{}/users?state=removed", pma.enterprise_id), Some(&pma.token)).await;
    assert!(removed.ok(200)["items"].as_array().unwrap().iter().any(|m| m["email"] == ada), "never erased");
    let again = okta.post("/Users", okta_user(&ada, "Ada")).await;
    assert_eq!(again.ok(201)["id"], id.as_str());

    // Audited with the token as the actor.
    let audit = app
        .get(
            &format!("/api/v1/enterprises/{}/audit-events?action=scim.user.created", pma.enterprise_id),
            Some(&pma.token),
        )
        .await;
    assert_eq!(audit.ok(200)["items"][0]["actor_token"]["name"], "Okta");
}

#[tokio::test]
async fn entra_provisions_with_its_quirks_and_manages_groups() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let entra = client(&app, &pma).await;

    // Test Connection: a filter on a random attribute value answers an empty list.
    let probe =
        entra.get(&format!("/Users?filter={}", enc("userName eq \"8e1f0d1e-4a0a-4d3c-9b0e-1f2a3b4c5d6e\""))).await;
    assert_eq!(probe.ok(200)["totalResults"], 0);

    let grace = format!("grace@{}", pma.domain);
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": grace,
        "active": true,
        "displayName": "Grace Hopper",
        "emails": [{"primary": true, "type": "work", "value": grace}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Grace Hopper", "familyName": "Hopper", "givenName": "Grace"},
        "title": "Rear Admiral",
        ENTERPRISE: {"department": "Navy", "employeeNumber": "1906"}
    });
    let id = entra.post("/Users", body).await.ok(201)["id"].as_str().unwrap().to_string();
    let by_external =
        entra.get(&format!("/Users?filter={}", enc("externalId eq \"0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef\""))).await;
    assert_eq!(by_external.ok(200)["Resources"][0]["id"], id.as_str());

    // Capitalised ops, path-less replace with dotted and URN keys, "False" as a string.
    let r = entra
        .patch(
            &format!("/Users/{id}"),
            json!([
                {"op": "Replace", "value": {
                    "name.familyName": "Murray Hopper",
                    format!("{ENTERPRISE}:department"): "Computing",
                    "active": "False"
                }},
                {"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555 0100"},
                {"op": "Replace", "path": "title", "value": "Commodore"}
            ]),
        )
        .await;
    let u = r.ok(200);
    assert_eq!(u["name"]["familyName"], "Murray Hopper");
    assert_eq!(u[ENTERPRISE]["department"], "Computing");
    assert_eq!(u[ENTERPRISE]["employeeNumber"], "1906");
    assert_eq!(u["phoneNumbers"][0]["value"], "+1 555 0100");
    assert_eq!(u["active"], false);
    let m = member(&app, &pma, &grace).await;
    assert_eq!(
        (m["last_name"].as_str(), m["department"].as_str(), m["phone"].as_str()),
        (Some("Murray Hopper"), Some("Computing"), Some("+1 555 0100"))
    );
    let back =
        entra.patch(&format!("/Users/{id}"), json!([{"op": "Replace", "path": "active", "value": "True"}])).await;
    assert_eq!(back.ok(200)["active"], true);

    // Groups: created, members added and removed the ways Entra and Okta send them, renamed, deleted.
    let alan = format!("alan@{}", pma.domain);
    let alan_id = entra.post("/Users", json!({"userName": alan})).await.ok(201)["id"].as_str().unwrap().to_string();
    let g = entra
        .post("/Groups", json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Navy", "externalId": "g-1", "members": []}))
        .await;
    let gid = g.ok(201)["id"].as_str().unwrap().to_string();
    scim_error(&entra.post("/Groups", json!({"displayName": "navy"})).await, 409, Some("uniqueness"));
    let found =
        entra.get(&format!("/Groups?filter={}&excludedAttributes=members", enc("displayName eq \"Navy\""))).await;
    assert_eq!(found.ok(200)["totalResults"], 1);
    assert!(found.body["Resources"][0].get("members").is_none(), "excludedAttributes=members leaves them out");
    let added = entra
        .patch(
            &format!("/Groups/{gid}"),
            json!([{"op": "Add", "path": "members", "value": [{"value": id}, {"value": alan_id}]}]),
        )
        .await;
    assert_eq!(added.status, 204, "a group PATCH answers no body: {}", added.text);
    assert_eq!(entra.get(&format!("/Groups/{gid}")).await.ok(200)["members"].as_array().unwrap().len(), 2);
    let removed = entra
        .patch(&format!("/Groups/{gid}"), json!([{"op": "Remove", "path": format!("members[value eq \"{alan_id}\"]")}]))
        .await;
    assert_eq!(removed.status, 204);
    assert_eq!(
        entra.get(&format!("/Groups/{gid}")).await.ok(200)["members"],
        json!([{"value": id, "$ref": format!("{}/scim/v2/Users/{id}", app.state.config.public_url.trim_end_matches('/'))}])
    );
    let member_filter = entra.get(&format!("/Groups?filter={}", enc(&format!("members[value eq \"{id}\"]")))).await;
    assert_eq!(member_filter.ok(200)["totalResults"], 1);
    let renamed = entra
        .patch(&format!("/Groups/{gid}"), json!([{"op": "Replace", "value": {"id": gid, "displayName": "US Navy"}}]))
        .await;
    assert_eq!(renamed.status, 204);
    assert_eq!(entra.get(&format!("/Groups/{gid}")).await.ok(200)["displayName"], "US Navy");
    scim_error(
        &entra
            .patch(
                &format!("/Groups/{gid}"),
                json!([{"op": "Add", "path": "members", "value": [{"value": "01234567-0000-7000-8000-00000000dead"}]}]),
            )
            .await,
        400,
        Some("invalidValue"),
    );
    // The console shows the list like the directory's.
    let lists =
        app.get(&format!("/api/v1/enterprises/{}/distribution-lists", pma.enterprise_id), Some(&pma.token)).await;
    assert!(lists.ok(200)["items"].as_array().unwrap().iter().any(|l| l["name"] == "US Navy"), "{}", lists.text);
    assert_eq!(entra.delete(&format!("/Groups/{gid}")).await.status, 204);
    scim_error(&entra.get(&format!("/Groups/{gid}")).await, 404, None);
}

#[tokio::test]
async fn filters_page_stably_and_bad_requests_say_what_is_wrong() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let c = client(&app, &pma).await;
    for (i, name) in ["ann", "bob", "cyd", "dee", "eve"].iter().enumerate() {
        let body = json!({"userName": format!("{name}@{}", pma.domain), "name": {"givenName": name, "familyName": "Smith"}, "title": if i % 2 == 0 { "Eng" } else { "Ops" }});
        c.post("/Users", body).await.ok(201);
    }
    // The PMA is a user too: six in all, in a stable order across pages.
    let all = c.get("/Users?count=100").await;
    assert_eq!(all.ok(200)["totalResults"], 6);
    let names: Vec<String> =
        all.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_string()).collect();
    let mut paged = Vec::new();
    for start in [1, 3, 5] {
        let p = c.get(&format!("/Users?startIndex={start}&count=2")).await;
        assert_eq!(
            (p.ok(200)["startIndex"].as_i64(), p.body["itemsPerPage"].as_i64(), p.body["totalResults"].as_i64()),
            (Some(start), Some(2), Some(6))
        );
        paged.extend(
            p.body["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_string()),
        );
    }
    assert_eq!(paged, names);
    let count = |filter: String| {
        let c = &c;
        async move { c.get(&format!("/Users?filter={}", enc(&filter))).await.ok(200)["totalResults"].as_i64().unwrap() }
    };
    assert_eq!(count("title eq \"eng\"".into()).await, 3, "case-insensitive");
    assert_eq!(count("userName sw \"b\" or userName sw \"c\"".into()).await, 2);
    assert_eq!(count(format!("emails[type eq \"work\"].value co \"e@{}\"", pma.domain)).await, 2);
    assert_eq!(count("title pr and not (name.givenName eq \"ann\")".into()).await, 4);
    assert_eq!(count("active eq true".into()).await, 6);
    assert_eq!(count("meta.lastModified gt \"2000-01-01T00:00:00Z\"".into()).await, 6);
    assert_eq!(count("meta.lastModified gt \"2999-01-01T00:00:00Z\"".into()).await, 0);
    assert_eq!(count("title ne \"Eng\"".into()).await, 3, "ne counts the PMA, who has no title");
    assert_eq!(c.get("/Users?count=0").await.ok(200)["Resources"], json!([]));

    scim_error(&c.get(&format!("/Users?filter={}", enc("userName eq"))).await, 400, Some("invalidFilter"));
    scim_error(&c.get(&format!("/Users?filter={}", enc("nickName eq \"x\""))).await, 400, Some("invalidFilter"));
    // A filter cannot nest or grow without bound (each level is a recursion, each comparison a bind).
    let deep = format!("{}userName pr{}", "not (".repeat(200), ")".repeat(200));
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": deep});
    scim_error(&c.post("/Users/.search", search).await, 400, Some("invalidFilter"));
    let wide = vec!["userName pr"; 5000].join(" or ");
    scim_error(&c.post("/Users/.search", json!({"filter": wide})).await, 400, Some("invalidFilter"));
    let searched =
        c.post("/Users/.search", json!({"filter": "title eq \"Eng\"", "attributes": ["userName"], "count": 2})).await;
    assert_eq!((searched.ok(200)["totalResults"].as_i64(), searched.body["itemsPerPage"].as_i64()), (Some(3), Some(2)));
    assert!(searched.body["Resources"][0].get("title").is_none(), "attributes honoured");
    scim_error(&c.post("/Users", json!({"userName": "mallory@elsewhere.example"})).await, 400, Some("invalidValue"));
    scim_error(&c.post("/Users", json!({"name": {"givenName": "No"}})).await, 400, Some("invalidValue"));
    let raw = app
        .send(
            app.http.post(format!("{}/scim/v2/Users", app.base)).header("content-type", SCIM).body("{not json"),
            Some(&c.token),
        )
        .await;
    scim_error(&raw, 400, Some("invalidSyntax"));
    let id = c.get("/Users?count=1").await.body["Resources"][0]["id"].as_str().unwrap().to_string();
    scim_error(
        &c.patch(&format!("/Users/{id}"), json!([{"op": "Move", "path": "title"}])).await,
        400,
        Some("invalidSyntax"),
    );
    scim_error(&c.get("/Users/01234567-0000-7000-8000-00000000beef").await, 404, None);
    scim_error(&c.get("/Nothing").await, 404, None);
}

#[tokio::test]
async fn scim_never_changes_identity_nor_suspends_the_pma_and_only_the_pmas_token_changes_admins() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let base = format!("/api/v1/enterprises/{}", pma.enterprise_id);
    let by_pma = client(&app, &pma).await;
    let lookup = |email: String| {
        let c = &by_pma;
        async move {
            c.get(&format!("/Users?filter={}", enc(&format!("userName eq \"{email}\"")))).await.ok(200)["Resources"][0]
                .clone()
        }
    };

    // The PMA: "active": false is reported as skipped (the answer keeps it active); DELETE is refused.
    let me = lookup(pma.email.clone()).await;
    let id = me["id"].as_str().unwrap();
    let r = by_pma.patch(&format!("/Users/{id}"), json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!(r.ok(200)["active"], true);
    scim_error(&by_pma.delete(&format!("/Users/{id}")).await, 403, None);
    // An account's email is its own: a userName change is refused once someone signed in with it.
    let r = by_pma
        .patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "path": "userName", "value": format!("boss@{}", pma.domain)}]),
        )
        .await;
    scim_error(&r, 400, Some("mutability"));
    let skipped = app.get(&format!("{base}/audit-events?action=scim.user.skipped"), Some(&pma.token)).await;
    assert_eq!(skipped.ok(200)["items"].as_array().unwrap().len(), 2, "the PATCH and the DELETE, each reported");

    // Two admins; a SCIM token one of them created cannot change the other's state (the PMA is mailed).
    let (grace, hal) = (format!("grace@{}", pma.domain), format!("hal@{}", pma.domain));
    invite(&app, &pma, &[&grace, &hal]).await;
    for who in [&grace, &hal] {
        let account = accept(&app, who, 1).await["account_id"].as_str().unwrap().to_string();
        app.put_json(&format!("{base}/admins/{account}"), &pma.token).await.ok(200);
    }
    let grace_session = app.login(&grace).await;
    app.elevate(&grace_session).await;
    let grace_admin = crate::helpers::Admin { email: grace.clone(), token: grace_session, ..pma.clone() };
    let by_grace = client(&app, &grace_admin).await;
    let hal_id = lookup(hal.clone()).await["id"].as_str().unwrap().to_string();
    let r = by_grace.patch(&format!("/Users/{hal_id}"), json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(r.ok(200)["active"], true, "skipped");
    app.smtp.wait(&pma.email, "SCIM did not change").await;
    scim_error(&by_grace.delete(&format!("/Users/{hal_id}")).await, 403, None);
    // The PMA's own SCIM token may.
    let r = by_pma.patch(&format!("/Users/{hal_id}"), json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(r.ok(200)["active"], false);
    // Removed by the PMA's token, an admin does not come back through another admin's token.
    assert_eq!(by_pma.delete(&format!("/Users/{hal_id}")).await.status, 204);
    scim_error(&by_grace.post("/Users", json!({"userName": hal})).await, 403, None);
    assert_eq!(by_pma.post("/Users", json!({"userName": hal})).await.ok(201)["id"], hal_id.as_str());
    // And a pending person's userName may change (the old link stops working, the new address is invited).
    let c = by_pma.post("/Users", json!({"userName": format!("typo@{}", pma.domain)})).await;
    let typo = c.ok(201)["id"].as_str().unwrap().to_string();
    let fixed = format!("tipo@{}", pma.domain);
    let r = by_pma.put(&format!("/Users/{typo}"), json!({"userName": fixed})).await;
    assert_eq!(r.ok(200)["userName"], fixed.as_str());
    app.smtp.wait(&fixed, "invited").await;
}

#[tokio::test]
async fn a_scim_token_reaches_its_own_enterprise_only_and_needs_the_scim_scope() {
    let app = spawn_app().await;
    let a = verified_admin(&app).await;
    let b = verified_admin(&app).await;
    let (ca, cb) = (client(&app, &a).await, client(&app, &b).await);
    let b_user = cb.post("/Users", json!({"userName": format!("bea@{}", b.domain)})).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b_group = cb.post("/Groups", json!({"displayName": "B team", "members": [{"value": b_user}]})).await.ok(201)
        ["id"]
        .as_str()
        .unwrap()
        .to_string();

    // A's token: B's people and groups do not exist; it cannot add them to its own group either.
    scim_error(&ca.get(&format!("/Users/{b_user}")).await, 404, None);
    scim_error(
        &ca.patch(&format!("/Users/{b_user}"), json!([{"op": "replace", "value": {"active": false}}])).await,
        404,
        None,
    );
    scim_error(&ca.delete(&format!("/Users/{b_user}")).await, 404, None);
    scim_error(&ca.get(&format!("/Groups/{b_group}")).await, 404, None);
    scim_error(
        &ca.post("/Groups", json!({"displayName": "Steal", "members": [{"value": b_user}]})).await,
        400,
        Some("invalidValue"),
    );
    scim_error(&ca.post("/Users", json!({"userName": format!("bea@{}", b.domain)})).await, 400, Some("invalidValue"));
    let listed = ca.get("/Users?count=100").await;
    assert!(listed.ok(200)["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["userName"].as_str().unwrap().ends_with(&a.domain)));
    assert_eq!(
        ca.get(&format!("/Users?filter={}", enc(&format!("userName eq \"bea@{}\"", b.domain)))).await.body
            ["totalResults"],
        0
    );

    // Other tokens: without the scope, none, forged, revoked.
    let users_only =
        Client { app: &app, token: secret(&create_token(&app, &a, "reader", &[ApiScope::UsersRead]).await) };
    scim_error(&users_only.get("/Users").await, 403, None);
    assert!(users_only.get("/Users").await.body["detail"].as_str().unwrap().contains("scim"));
    let none = Client { app: &app, token: String::new() };
    scim_error(&none.get("/Users").await, 401, None);
    let forged = Client { app: &app, token: format!("{}x", &ca.token[..ca.token.len() - 1]) };
    scim_error(&forged.get("/Users").await, 401, None);
    let session = Client { app: &app, token: a.token.clone() };
    scim_error(&session.get("/Users").await, 401, None);
    let tokens = app.get(&format!("/api/v1/enterprises/{}/api-tokens", a.enterprise_id), Some(&a.token)).await;
    let okta = tokens.ok(200)["items"].as_array().unwrap().iter().find(|t| t["name"] == "Okta").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.delete(&format!("/api/v1/enterprises/{}/api-tokens/{okta}", a.enterprise_id), Some(&a.token)).await.ok(204);
    scim_error(&ca.get("/Users").await, 401, None);
}

#[tokio::test]
async fn the_scim_setting_says_whether_new_people_are_mailed() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let path = format!("/api/v1/enterprises/{}/scim-settings", pma.enterprise_id);
    let s = app.get(&path, Some(&pma.token)).await;
    assert_eq!(s.ok(200)["send_invitations"], true);
    assert!(s.body["base_url"].as_str().unwrap().ends_with("/scim/v2"));
    let saved = app.send_put(&path, &json!({"send_invitations": false}), Some(&pma.token)).await;
    assert_eq!(saved.ok(200)["send_invitations"], false);
    let c = client(&app, &pma).await;
    let quiet = format!("quiet@{}", pma.domain);
    c.post("/Users", json!({"userName": quiet})).await.ok(201);
    let pending = app.get(&format!("/api/v1/enterprises/{}/invitations", pma.enterprise_id), Some(&pma.token)).await;
    let inv =
        pending.ok(200)["items"].as_array().unwrap().iter().find(|i| i["email"] == quiet.as_str()).unwrap().clone();
    assert_eq!(inv["delivery"], "not_sent", "staged for Send pending");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(app.smtp.to(&quiet).is_empty());
    app.send_put(&path, &json!({"send_invitations": true}), Some(&pma.token)).await.ok(200);
    let loud = format!("loud@{}", pma.domain);
    c.post("/Users", json!({"userName": loud})).await.ok(201);
    app.smtp.wait(&loud, "invited").await;
}

#[tokio::test]
async fn parallel_deletes_of_a_managed_person_release_one_seat() {
    let app = spawn_app().await;
    let pma = verified_admin(&app).await;
    let c = client(&app, &pma).await;
    let ada = format!("ada@{}", pma.domain);
    invite(&app, &pma, &[&ada]).await;
    accept(&app, &ada, 1).await;
    let id = member(&app, &pma, &ada).await["id"].as_str().unwrap().to_string();
    let base = format!("/api/v1/enterprises/{}/users", pma.enterprise_id);
    app.post(&format!("{base}/manage"), json!({"ids": [id]}), Some(&pma.token)).await.ok(200);
    let seats = || async {
        sqlx::query_scalar::<_, i64>("SELECT managed_seats FROM enterprises WHERE id = $1")
            .bind(&pma.enterprise_id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
    };
    assert_eq!(seats().await, 1);
    let path = format!("/Users/{id}");
    let (a, b, d, e) = tokio::join!(c.delete(&path), c.delete(&path), c.delete(&path), c.delete(&path));
    let mut statuses = [a.status, b.status, d.status, e.status];
    statuses.sort();
    assert_eq!(statuses, [204, 404, 404, 404], "one delete removes, the others find nothing");
    assert_eq!(seats().await, 0, "the seat is released once");
}
