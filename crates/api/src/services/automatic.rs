//! State changes made by the automatic sources (Directory Sync, SCIM): a
//! suspension remembers the state it put aside and releases a managed seat;
//! a restore puts that state back, taking the seat again within the cap (or
//! back as unmanaged when the cap is full, for an admin to decide). Both
//! record their seat events under the source's name.

use std::collections::HashMap;

use muster_model::MemberState;

use crate::{
    services::error::DomainResult,
    state::AppState,
    store::{directory, enterprises::EnterpriseRow, members},
};

/// Suspends `ids`; returns the (id, email) of those that held a managed seat.
pub async fn suspend(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    ids: &[String],
    source: &str,
    now: i64,
) -> DomainResult<Vec<(String, String)>> {
    let released = directory::suspend(tx, ids, now).await?;
    seat_events(state, tx, e, &released, -1, source, now).await?;
    Ok(released)
}

/// Restores members an automatic source suspended, each to the state it
/// was suspended from (`(id, email, to)`); returns the (id, email) moved.
pub async fn restore(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    people: &[(String, String, MemberState)],
    source: &str,
    now: i64,
) -> DomainResult<Vec<(String, String)>> {
    let mut by_state: HashMap<MemberState, Vec<String>> = HashMap::new();
    for (id, _, to) in people {
        by_state.entry(*to).or_default().push(id.clone());
    }
    let mut all = Vec::new();
    for (to, ids) in by_state {
        if to == MemberState::Managed {
            let wanted = ids.len() as i64;
            if members::adjust_seats(&mut **tx, &e.id, wanted).await?.is_some() {
                let moved = directory::restore(tx, &ids, MemberState::Managed, now).await?;
                // Someone an admin moved meanwhile does not take a seat.
                let unused = wanted - moved.len() as i64;
                if unused > 0 {
                    members::adjust_seats(&mut **tx, &e.id, -unused).await?;
                }
                seat_events(state, tx, e, &moved, 1, source, now).await?;
                all.extend(moved);
                continue;
            }
            // The contract cap is full: back as unmanaged, for an admin to decide.
            all.extend(directory::restore(tx, &ids, MemberState::Unmanaged, now).await?);
            continue;
        }
        all.extend(directory::restore(tx, &ids, to, now).await?);
    }
    Ok(all)
}

/// Releases (`delta` −1) or records taken (+1) seats, with a billing event each.
pub async fn seat_events(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    people: &[(String, String)],
    delta: i64,
    source: &str,
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
    let moves: Vec<members::SeatMove> =
        people.iter().map(|(id, email)| members::SeatMove { member_id: id, email, delta }).collect();
    members::record_seat_events(tx, state.db.backend, &e.id, &moves, after, source, now).await?;
    Ok(())
}
