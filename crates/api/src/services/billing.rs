//! Billing: managed seats × the configured seat price for the current period
//! (calendar month, or calendar year on the annual cycle). No payment
//! processor: invoicing is the operator's business.

use chrono::{Datelike, TimeZone, Utc};
use muster_model::{Billing, BillingCycle, SeatEvent};

use crate::{
    services::access::Console,
    services::error::DomainResult,
    state::AppState,
    store::{members, rfc3339},
};

/// Start and end (exclusive) of the period containing `now`.
pub fn period(cycle: BillingCycle, now: chrono::DateTime<Utc>) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let at = |y: i32, m: u32| Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).single().unwrap_or(now);
    match cycle {
        BillingCycle::Monthly => {
            let (y, m) = (now.year(), now.month());
            let next = if m == 12 { at(y + 1, 1) } else { at(y, m + 1) };
            (at(y, m), next)
        }
        BillingCycle::Annual => (at(now.year(), 1), at(now.year() + 1, 1)),
    }
}

pub async fn summary(state: &AppState, c: &Console) -> DomainResult<Billing> {
    let e = &c.enterprise;
    let cycle = e.billing_cycle;
    let price = match cycle {
        BillingCycle::Monthly => state.config.seat_price_monthly_cents,
        BillingCycle::Annual => state.config.seat_price_annual_cents,
    };
    let seats = members::managed_seats(&state.db.pool, &e.id).await?;
    let (start, end) = period(cycle, Utc::now());
    let events = members::recent_seat_events(&state.db.pool, &e.id, 50).await?;
    Ok(Billing {
        plan: e.plan,
        billing_cycle: cycle,
        managed_seats: seats,
        seat_cap: e.seat_cap,
        seat_price_cents: price,
        period_start: rfc3339(start.timestamp_millis()),
        period_end: rfc3339(end.timestamp_millis()),
        period_charge_cents: seats * price,
        recent_seat_events: events
            .into_iter()
            .map(|s| SeatEvent {
                email: s.email,
                delta: s.delta,
                seats_after: s.seats_after,
                actor_email: s.actor_email,
                created_at: rfc3339(s.created_at),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_calendar_months_and_years() {
        let now = Utc.with_ymd_and_hms(2026, 12, 15, 10, 0, 0).unwrap();
        let (s, e) = period(BillingCycle::Monthly, now);
        assert_eq!(
            (s.to_rfc3339(), e.to_rfc3339()),
            ("2026-12-01T00:00:00+00:00".into(), "2027-01-01T00:00:00+00:00".into())
        );
        let (s, e) = period(BillingCycle::Annual, now);
        assert_eq!((s.year(), e.year()), (2026, 2027));
    }
}
