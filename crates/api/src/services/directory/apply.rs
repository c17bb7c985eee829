//! Writing a planned run in one transaction with multi-row statements: the
//! diff rows, new and updated members, suspensions and restores with their
//! seat events, and the distribution lists.

use std::collections::HashMap;

use super::{
    plan::{ListChange, NewMember, Plan},
    read::Snapshot,
    Settings,
};
use crate::{
    services::error::DomainResult,
    services::{csv_import::FIELDS, staged_invitations},
    state::AppState,
    store::{
        self, accounts, bulk, bulk::Cell, directory, enterprises::EnterpriseRow, jobs, jobs::JobRow, jobs::ResultRow,
        members,
    },
};

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
    actor: Option<&accounts::AccountRow>,
    s: &Settings,
    snap: &Snapshot,
    plan: &mut Plan,
    now: i64,
) -> DomainResult<()> {
    let backend = state.db.backend;
    let mut staged = staged_invitations::StagedInvitations::new(state, e, actor, s.send_invitations, now);

    // New people: members, invitations and (when sending) their mail.
    let mut columns = vec!["id", "enterprise_id", "email", "state", "source"];
    columns.extend(FIELDS);
    columns.extend(["directory_id", "created_at", "updated_at"]);
    // In slices, so a 100,000-person first sync never holds all its rows as cells at once.
    for slice in plan.creates.chunks(WRITE_SLICE) {
        let mut new_members = Vec::with_capacity(slice.len());
        for (p, new) in slice {
            match new {
                NewMember::Fresh(id) => {
                    let mut cells = vec![
                        Cell::from(id.as_str()),
                        e.id.as_str().into(),
                        p.email.as_str().into(),
                        "invited".into(),
                        "directory".into(),
                    ];
                    cells.extend(p.fields.iter().cloned().map(Cell::from));
                    cells.extend([Cell::from(p.directory_id.as_str()), now.into(), now.into()]);
                    new_members.push(cells);
                }
                NewMember::Revived(id) => {
                    directory::revive(&mut **tx, id, now).await?;
                    members::merge_profile(&mut **tx, id, &p.fields, Some(&p.directory_id), now).await?;
                }
            }
            staged.add(new.id(), &p.email);
        }
        plan.counts.invited += slice.len() as u64;
        bulk::insert(tx, backend, "members", &columns, new_members).await?;
        staged.flush(tx).await?;
    }

    for (id, p, _, _) in &plan.updates {
        members::merge_profile(&mut **tx, id, &p.fields, Some(&p.directory_id), now).await?;
    }

    // Suspensions release managed seats; restores take them back within the cap.
    let ids: Vec<String> = plan.suspends.iter().map(|(m, _)| m.id.clone()).collect();
    let released = directory::suspend(tx, &ids, now).await?;
    seat_events(state, tx, e, &released, -1, now).await?;
    let mut by_state: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (m, _) in &plan.restores {
        let to = m.sync_suspended_from.clone().unwrap_or_else(|| "unmanaged".into());
        by_state.entry(to).or_default().push((m.id.clone(), m.email.clone()));
    }
    for (to, people) in by_state {
        let ids: Vec<String> = people.iter().map(|(id, _)| id.clone()).collect();
        if to == "managed" {
            let wanted = ids.len() as i64;
            if members::adjust_seats(&mut **tx, &e.id, wanted).await?.is_some() {
                let moved = directory::restore(tx, &ids, "managed", now).await?;
                // Someone an admin moved meanwhile does not take a seat.
                let unused = wanted - moved.len() as i64;
                if unused > 0 {
                    members::adjust_seats(&mut **tx, &e.id, -unused).await?;
                }
                seat_events(state, tx, e, &moved, 1, now).await?;
                continue;
            }
            // The contract cap is full: back as unmanaged, for an admin to decide.
            directory::restore(tx, &ids, "unmanaged", now).await?;
            continue;
        }
        directory::restore(tx, &ids, &to, now).await?;
    }

    // Distribution lists.
    for change in &plan.list_changes {
        match change {
            ListChange::Create { group, members } => {
                let g = &snap.groups[*group];
                let list_id = store::new_id();
                bulk::insert(
                    tx,
                    backend,
                    "distribution_lists",
                    &["id", "enterprise_id", "directory_id", "dn", "name", "email", "created_at", "updated_at"],
                    vec![vec![
                        Cell::from(list_id.clone()),
                        e.id.as_str().into(),
                        g.directory_id.as_str().into(),
                        g.dn.as_str().into(),
                        g.name.as_str().into(),
                        Cell::Text(g.email.clone()),
                        now.into(),
                        now.into(),
                    ]],
                )
                .await?;
                for slice in members.chunks(WRITE_SLICE) {
                    let rows =
                        slice.iter().map(|m| vec![Cell::from(list_id.as_str()), Cell::from(m.as_str())]).collect();
                    bulk::insert(tx, backend, "distribution_list_members", &["list_id", "member_id"], rows).await?;
                }
            }
            ListChange::Update { id, group, added, removed } => {
                let g = &snap.groups[*group];
                directory::update_list(&mut **tx, id, &g.dn, &g.name, g.email.as_deref(), None, now).await?;
                directory::remove_list_members(tx, id, removed).await?;
                let rows = added.iter().map(|m| vec![Cell::from(id.as_str()), Cell::from(m.as_str())]).collect();
                bulk::insert(tx, backend, "distribution_list_members", &["list_id", "member_id"], rows).await?;
            }
            ListChange::Remove { id } => {
                sqlx::query("UPDATE distribution_lists SET removed_at = $2, updated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut **tx)
                    .await?;
            }
        }
    }
    Ok(())
}

pub async fn seat_events(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    people: &[(String, String)],
    delta: i64,
    now: i64,
) -> DomainResult<()> {
    if people.is_empty() {
        return Ok(());
    }
    let after = if delta < 0 {
        members::adjust_seats(&mut **tx, &e.id, delta * people.len() as i64).await?.unwrap_or_default()
    } else {
        members::managed_seats(&mut **tx, &e.id).await?
    };
    let mut running = after - delta * people.len() as i64;
    let rows = people
        .iter()
        .map(|(id, email)| {
            running += delta;
            vec![
                Cell::from(store::new_id()),
                e.id.as_str().into(),
                id.as_str().into(),
                email.as_str().into(),
                delta.into(),
                running.into(),
                Cell::Text(Some("Directory Sync".into())),
                now.into(),
            ]
        })
        .collect();
    bulk::insert(
        tx,
        state.db.backend,
        "seat_events",
        &["id", "enterprise_id", "member_id", "email", "delta", "seats_after", "actor_email", "created_at"],
        rows,
    )
    .await?;
    Ok(())
}
