//! Writing a planned run in one transaction with multi-row statements: the
//! diff rows, new and updated members, suspensions and restores with their
//! seat events, and the distribution lists.

use super::{
    plan::{ListChange, NewMember, Plan},
    read::Snapshot,
    Settings,
};
use crate::services::{automatic, webhooks};
use crate::store::distribution_lists;
use crate::{
    services::access::Actor,
    services::error::DomainResult,
    services::staged_invitations,
    state::AppState,
    store::{directory, enterprises::EnterpriseRow, jobs, jobs::JobRow, jobs::ResultRow, members},
};
use muster_model::WebhookEvent;
use muster_model::{MemberSource, MemberState};

/// The name seat events and audit give this source.
const SOURCE: &str = "Directory Sync";

/// Creates written per multi-row statement group.
pub const WRITE_SLICE: usize = 2000;

pub async fn write_results(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &JobRow,
    results: Vec<ResultRow>,
) -> DomainResult<()> {
    jobs::clear_results(&mut **tx, &job.id).await?;
    let mut seq = 1;
    let mut rows = results.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<ResultRow> = rows.by_ref().take(5000).collect();
        let n = chunk.len() as i64;
        jobs::insert_results(tx, state.db.backend, &job.id, seq, chunk).await?;
        seq += n;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn apply(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    actor: Option<&Actor>,
    s: &Settings,
    snap: &Snapshot,
    plan: &mut Plan,
    now: i64,
) -> DomainResult<()> {
    let backend = state.db.backend;
    let mut staged = staged_invitations::StagedInvitations::new(state, e, actor, s.send_invitations, now);

    // New people: members, invitations and (when sending) their mail.
    // In slices, so a 100,000-person first sync never holds all its rows as cells at once.
    for slice in plan.creates.chunks(WRITE_SLICE) {
        let mut new_members = Vec::with_capacity(slice.len());
        for (p, new) in slice {
            match new {
                NewMember::Fresh(id) => {
                    new_members.push(members::NewMember {
                        id: id.clone(),
                        email: p.email.clone(),
                        source: MemberSource::Directory,
                        profile: p.profile.clone(),
                        directory_id: Some(p.directory_id.clone()),
                    });
                }
                NewMember::Revived(id) => {
                    directory::revive(&mut **tx, id, now).await?;
                    members::merge_profile(&mut **tx, id, &p.profile, Some(&p.directory_id), now).await?;
                }
            }
            staged.add(new.id(), &p.email);
        }
        plan.counts.invited += slice.len() as u64;
        let created = new_members.iter().map(webhooks::member_created).collect::<Vec<_>>();
        webhooks::queue_all(tx, &e.id, WebhookEvent::MemberCreated, created, now).await?;
        members::insert_invited(tx, backend, &e.id, new_members, now).await?;
        staged.flush(tx).await?;
    }

    for (id, p, _, _) in &plan.updates {
        members::merge_profile(&mut **tx, id, &p.profile, Some(&p.directory_id), now).await?;
    }

    // Suspensions release managed seats; restores take them back within the cap.
    let ids: Vec<String> = plan.suspends.iter().map(|(m, _)| m.id.clone()).collect();
    automatic::suspend(state, tx, e, &ids, SOURCE, now).await?;
    let restores: Vec<(String, String, MemberState)> =
        plan.restores.iter().map(|(m, _)| (m.id.clone(), m.email.clone(), m.restores_to())).collect();
    automatic::restore(state, tx, e, &restores, SOURCE, now).await?;

    // Distribution lists.
    for change in &plan.list_changes {
        match change {
            ListChange::Create { group, members } => {
                let g = &snap.groups[*group];
                let list = distribution_lists::NewList {
                    directory_id: &g.directory_id,
                    dn: &g.dn,
                    name: &g.name,
                    email: g.email.as_deref(),
                };
                let list_id = distribution_lists::insert_list(tx, backend, &e.id, &list, now).await?;
                for slice in members.chunks(WRITE_SLICE) {
                    distribution_lists::add_list_members(tx, backend, &list_id, slice).await?;
                }
            }
            ListChange::Update { id, group, added, removed } => {
                let g = &snap.groups[*group];
                distribution_lists::update_list(&mut **tx, id, &g.dn, &g.name, g.email.as_deref(), None, now).await?;
                distribution_lists::remove_list_members(tx, id, removed).await?;
                distribution_lists::add_list_members(tx, backend, id, added).await?;
            }
            ListChange::Remove { id } => distribution_lists::mark_list_removed(&mut **tx, id, now).await?,
        }
    }
    Ok(())
}
