//! Scheduled syncs: tokio-cron-scheduler runs in every replica with one job
//! per configured schedule, reconciled with the database when a
//! configuration changes (here or on another replica). When a slot fires,
//! every replica tries to record a run for that slot; the unique
//! `(enterprise, scheduled_for)` lets exactly one succeed, and a slot that
//! comes while the previous run is still going is skipped, not doubled.

use std::collections::HashMap;

use chrono::{DateTime, Timelike, Utc};
use croner::{
    parser::{CronParser, Seconds, Year},
    Cron,
};
use muster_model::SyncTrigger;
use tokio_cron_scheduler::{Job, JobScheduler};

use crate::{state::Shared, store::directory};

/// Six fields, seconds first, as the scheduler reads them.
pub fn parse(expr: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .year(Year::Disallowed)
        .build()
        .parse(expr.trim())
        .map_err(|e| format!("“{expr}” is not a schedule Muster can read ({e}); use six fields, seconds first."))
}

/// The slot a firing at `now` belongs to: the latest scheduled instant ≤ now.
pub fn slot(cron: &Cron, now: DateTime<Utc>) -> Option<i64> {
    let now = now.with_nanosecond(0)?;
    cron.find_previous_occurrence(&now, true).ok().map(|t| t.timestamp_millis())
}

/// How often the scheduler re-reads the configurations even without a nudge
/// (another replica's change reaches this one within this time).
const RECONCILE_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn keep_slots(state: Shared) {
    let scheduler = match JobScheduler::new().await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "the sync scheduler could not start; scheduled syncs will not run");
            return;
        }
    };
    if let Err(e) = scheduler.start().await {
        tracing::error!(error = %e, "the sync scheduler could not start; scheduled syncs will not run");
        return;
    }
    let mut registered: HashMap<String, (String, uuid::Uuid)> = HashMap::new();
    loop {
        match directory::schedules(&state.db.pool).await {
            Ok(rows) => reconcile(&state, &scheduler, &mut registered, rows).await,
            Err(e) => tracing::warn!(error = %e, "could not read sync schedules"),
        }
        tokio::select! {
            _ = state.schedules_wake.notified() => {}
            _ = tokio::time::sleep(RECONCILE_EVERY) => {}
        }
    }
}

async fn reconcile(
    state: &Shared,
    scheduler: &JobScheduler,
    registered: &mut HashMap<String, (String, uuid::Uuid)>,
    rows: Vec<(String, String)>,
) {
    let wanted: HashMap<String, String> = rows.into_iter().collect();
    let stale: Vec<String> =
        registered.iter().filter(|(e, (expr, _))| wanted.get(*e) != Some(expr)).map(|(e, _)| e.clone()).collect();
    for enterprise in stale {
        if let Some((_, id)) = registered.remove(&enterprise) {
            if let Err(e) = scheduler.remove(&id).await {
                tracing::warn!(enterprise, error = %e, "could not remove a sync schedule");
            }
        }
    }
    for (enterprise, expr) in wanted {
        if registered.contains_key(&enterprise) {
            continue;
        }
        let Ok(cron) = parse(&expr) else {
            tracing::warn!(enterprise, schedule = expr, "stored sync schedule does not parse; skipped");
            continue;
        };
        let (st, ent) = (state.clone(), enterprise.clone());
        let job = Job::new_async(expr.as_str(), move |_, _| {
            let (st, ent, cron) = (st.clone(), ent.clone(), cron.clone());
            Box::pin(async move { fire(&st, &ent, &cron).await })
        });
        match job {
            Ok(job) => match scheduler.add(job).await {
                Ok(id) => {
                    registered.insert(enterprise, (expr, id));
                }
                Err(e) => tracing::warn!(enterprise, error = %e, "could not add a sync schedule"),
            },
            Err(e) => tracing::warn!(enterprise, error = %e, "could not add a sync schedule"),
        }
    }
}

async fn fire(state: &Shared, enterprise: &str, cron: &Cron) {
    let Some(slot) = slot(cron, Utc::now()) else { return };
    match super::start(state, enterprise, None, false, false, SyncTrigger::Schedule, Some(slot)).await {
        Ok(Some(run)) => tracing::info!(enterprise, run = %run.id, slot, "scheduled sync queued"),
        Ok(None) => tracing::debug!(enterprise, slot, "scheduled slot already taken or a run is still going"),
        Err(e) => tracing::warn!(enterprise, error = %e, "scheduled sync could not start"),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn six_fields_seconds_first() {
        assert!(parse("0 0 * * * *").is_ok());
        assert!(parse("*/5 * * * * *").is_ok());
        assert!(parse("0 * * * *").is_err(), "five fields must be refused");
        assert!(parse("0 0 25 * * *").is_err(), "hour 25");
    }

    #[test]
    fn a_late_firing_belongs_to_its_slot() {
        let cron = parse("*/5 * * * * *").unwrap();
        let late = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 7).unwrap() + chrono::Duration::milliseconds(450);
        let expected = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 5).unwrap().timestamp_millis();
        assert_eq!(slot(&cron, late), Some(expected));
        let hourly = parse("0 0 * * * *").unwrap();
        let on_time = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        assert_eq!(slot(&hourly, on_time), Some(on_time.timestamp_millis()));
    }
}
