//! The diff and the safeguards on made-up snapshots: no directory needed.

use std::collections::HashMap;

use muster_model::{BillingCycle, DirectoryConfigRequest, DomainStatus, EnterpriseKind, MemberState, Profile};
use serde_json::json;

use super::super::{mapping::Person, read::Snapshot, safeguard::safeguard, Settings};
use super::{diff, AdminGuard, Plan};
use crate::store::{directory::SyncedMember, enterprises::EnterpriseRow};

fn enterprise() -> EnterpriseRow {
    EnterpriseRow {
        id: "e1".into(),
        domain: "acme.test".into(),
        kind: EnterpriseKind::Online,
        plan: muster_model::Plan::Free,
        billing_cycle: BillingCycle::Monthly,
        seat_cap: None,
        domain_status: DomainStatus::Verified,
        verification_token: None,
        verified_at: Some(1),
        at_risk_since: None,
        claim_checks_until: None,
        next_check_at: None,
        check_attempts: 0,
        last_check: None,
        created_at: 1,
        require_admin_mfa: 0,
    }
}

fn person(n: u32) -> Person {
    Person {
        dn: format!("uid=u{n},ou=People,dc=acme,dc=test"),
        directory_id: format!("id-{n}"),
        email: format!("u{n}@acme.test"),
        profile: Profile {
            first_name: Some(format!("Given{n}")),
            last_name: Some("Family".into()),
            job_title: Some("Engineer".into()),
            ..Default::default()
        },
        groups: vec![],
        disabled: false,
    }
}

/// The member a previous run made of `person(n)`.
fn member(n: u32, state: &str) -> SyncedMember {
    SyncedMember {
        id: format!("m{n}"),
        email: format!("u{n}@acme.test"),
        directory_id: Some(format!("id-{n}")),
        state: MemberState::parse(state).unwrap(),
        sync_suspended_from: None,
        first_name: Some(format!("Given{n}")),
        last_name: Some("Family".into()),
        department: None,
        phone: None,
        job_title: Some("Engineer".into()),
    }
}

fn snapshot(people: Vec<Person>) -> Snapshot {
    Snapshot { entries: people.len() as u64, people, ..Default::default() }
}

fn nobody_special() -> AdminGuard {
    AdminGuard { roles: HashMap::new(), may_suspend_admins: true }
}

fn plan(snap: &Snapshot, current: &[SyncedMember], guard: &AdminGuard) -> Plan {
    diff(&enterprise(), snap, current, &[], &[], guard)
}

fn actions(p: &Plan) -> Vec<(String, String)> {
    p.results.iter().map(|r| (r.outcome.clone(), r.email.clone().unwrap_or_default())).collect()
}

#[test]
fn a_new_person_is_created_with_the_profile() {
    let p = plan(&snapshot(vec![person(1)]), &[], &nobody_special());
    assert_eq!(p.counts.created, 1);
    assert_eq!(p.creates.len(), 1);
    assert_eq!(actions(&p), vec![("create".to_string(), "u1@acme.test".to_string())]);
    let changes: serde_json::Value = serde_json::from_str(p.results[0].changes.as_deref().unwrap()).unwrap();
    assert_eq!(changes["fields"]["job_title"], json!({"before": null, "after": "Engineer"}));
}

#[test]
fn a_changed_field_is_an_update_with_before_and_after_and_the_rest_is_unchanged() {
    let mut changed = person(1);
    changed.profile.job_title = Some("Manager".into());
    let p =
        plan(&snapshot(vec![changed, person(2)]), &[member(1, "unmanaged"), member(2, "managed")], &nobody_special());
    assert_eq!((p.counts.updated, p.counts.unchanged, p.counts.created), (1, 1, 0));
    let (_, _, fields, relinked) = &p.updates[0];
    assert!(!relinked);
    assert_eq!(fields["job_title"], json!({"before": "Engineer", "after": "Manager"}));
}

#[test]
fn a_leaver_is_suspended_and_a_returner_restored_to_where_they_were() {
    let mut away = member(2, "suspended");
    away.sync_suspended_from = Some("managed".into());
    let p = plan(&snapshot(vec![person(2)]), &[member(1, "managed"), away], &nobody_special());
    assert_eq!(p.counts.suspended, 1);
    assert_eq!(p.suspends[0].0.email, "u1@acme.test");
    assert_eq!(p.counts.restored, 1);
    let restore = p.results.iter().find(|r| r.outcome == "restore").unwrap();
    assert!(restore.changes.as_deref().unwrap().contains("\"after\":\"managed\""), "{restore:?}");
}

#[test]
fn a_member_with_the_same_email_and_no_link_is_relinked_not_duplicated() {
    let mut invited = member(1, "invited");
    invited.directory_id = None;
    let p = plan(&snapshot(vec![person(1)]), &[invited], &nobody_special());
    assert_eq!((p.counts.relinked, p.counts.created), (1, 0));
    assert!(p.updates[0].3, "marked as a relink");
}

#[test]
fn an_excluded_entry_leaves_its_member_alone_and_outsiders_are_excluded() {
    let mut snap = snapshot(vec![Person { email: "x@elsewhere.test".into(), ..person(3) }]);
    snap.excluded.push((
        "uid=u1,ou=People,dc=acme,dc=test".into(),
        Some("u1@acme.test".into()),
        Some("id-1".into()),
        "rule".into(),
    ));
    let p = plan(&snap, &[member(1, "managed")], &nobody_special());
    assert_eq!(p.counts.suspended, 0, "an excluded person read as gone");
    assert_eq!(p.counts.excluded, 2);
    assert_eq!(p.counts.created, 0);
}

#[test]
fn the_pma_is_never_suspended_and_other_admins_only_by_a_pma_saved_sync() {
    let current = [member(1, "unmanaged"), member(2, "unmanaged"), member(3, "unmanaged")];
    let roles: HashMap<String, String> =
        [("m1".to_string(), "pma".to_string()), ("m2".to_string(), "admin".to_string())].into();
    let everyone_left = snapshot(vec![]);

    let pma_saved = AdminGuard { roles: roles.clone(), may_suspend_admins: true };
    let p = plan(&everyone_left, &current, &pma_saved);
    let suspended: Vec<&str> = p.suspends.iter().map(|(m, _)| m.email.as_str()).collect();
    assert_eq!(suspended, vec!["u2@acme.test", "u3@acme.test"]);
    assert!(actions(&p).contains(&("skip".to_string(), "u1@acme.test".to_string())));
    assert!(p.spared_admins.is_empty());

    let admin_saved = AdminGuard { roles, may_suspend_admins: false };
    let p = plan(&everyone_left, &current, &admin_saved);
    let suspended: Vec<&str> = p.suspends.iter().map(|(m, _)| m.email.as_str()).collect();
    assert_eq!(suspended, vec!["u3@acme.test"]);
    assert_eq!(p.spared_admins, vec!["u2@acme.test".to_string()]);
}

fn settings(max_suspend_percent: u32) -> Settings {
    let req: DirectoryConfigRequest = serde_json::from_value(json!({
        "url": "ldap://dc1.acme.test", "bind_dn": "cn=muster,dc=acme,dc=test", "base_dn": "dc=acme,dc=test",
        "max_suspend_percent": max_suspend_percent,
    }))
    .unwrap();
    Settings::from_request(req)
}

#[test]
fn the_safeguards_stop_a_mass_suspension_and_a_shrunken_directory() {
    let current: Vec<SyncedMember> = (0..10).map(|n| member(n, "unmanaged")).collect();
    let most_left = snapshot((0..5).map(person).collect());
    let p = plan(&most_left, &current, &nobody_special());
    let why = safeguard(&settings(10), None, &most_left, &current, &p).expect("5 of 10 is over 10%");
    assert!(why.contains("suspend 5 of the 10"), "{why}");
    assert_eq!(safeguard(&settings(50), None, &most_left, &current, &p), None);

    let all_here = snapshot((0..10).map(person).collect());
    let p = plan(&all_here, &current, &nobody_special());
    assert_eq!(safeguard(&settings(10), Some(15), &all_here, &current, &p), None);
    let why = safeguard(&settings(10), Some(100), &all_here, &current, &p).expect("10 entries after 100");
    assert!(why.contains("far fewer than the 100"), "{why}");
}
