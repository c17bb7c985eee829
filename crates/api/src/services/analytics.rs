//! The dashboard's member counts and the enrollment funnel over time, per
//! source (Analytics, a premium module).

use std::collections::HashMap;

use muster_model::{Analytics, FunnelDay, MemberCounts, MemberState, SourceFunnel};

use crate::{
    services::access::Console, services::error::DomainResult, state::AppState, store::stats, store::stats::Daily,
};

const DAY_MS: i64 = 86_400_000;

pub async fn counts(state: &AppState, c: &Console) -> DomainResult<MemberCounts> {
    let mut counts = MemberCounts::default();
    for (s, n) in stats::members_by_state(&state.db.pool, &c.enterprise.id).await? {
        match MemberState::parse(&s) {
            Some(MemberState::Invited) => counts.invited = n,
            Some(MemberState::Unmanaged) => counts.unmanaged = n,
            Some(MemberState::Managed) => counts.managed = n,
            Some(MemberState::Suspended) => counts.suspended = n,
            Some(MemberState::Removed) | None => {}
        }
    }
    Ok(counts)
}

/// The last `days` days (today included), every day listed even when empty.
pub async fn funnel(state: &AppState, c: &Console, days: i64, now: i64) -> DomainResult<Analytics> {
    let today = now / DAY_MS;
    let first = today - days + 1;
    let since = first * DAY_MS;
    let e = &c.enterprise.id;
    let db = &state.db.pool;
    let invited: HashMap<i64, i64> = stats::per_day(db, Daily::Invited, e, since).await?.into_iter().collect();
    let accepted: HashMap<i64, i64> = stats::per_day(db, Daily::Accepted, e, since).await?.into_iter().collect();
    let managed: HashMap<i64, i64> = stats::per_day(db, Daily::SeatsTaken, e, since).await?.into_iter().collect();
    let days = (first..=today)
        .map(|day| FunnelDay {
            date: chrono::DateTime::from_timestamp_millis(day * DAY_MS)
                .unwrap_or_default()
                .format("%Y-%m-%d")
                .to_string(),
            invited: invited.get(&day).copied().unwrap_or(0),
            accepted: accepted.get(&day).copied().unwrap_or(0),
            managed: managed.get(&day).copied().unwrap_or(0),
        })
        .collect();
    let by_source = stats::by_source(db, e)
        .await?
        .into_iter()
        .map(|(source, invited, accepted, managed)| SourceFunnel { source, invited, accepted, managed })
        .collect();
    Ok(Analytics { days, by_source })
}
