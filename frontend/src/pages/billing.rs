//! Billing: seats in use against the cap, the seat price of the cycle, the
//! current period's charge, and the latest seat changes.

use leptos::prelude::*;
use muster_model::{
    display::{date, date_time},
    Billing as Summary, BillingCycle,
};

use crate::{components::LoadError, use_api};

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[component]
pub fn Billing(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let summary = LocalResource::new(move || async move { api.billing(&id.get_value()).await });
    view! {
        <h1>"Billing"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || summary.get().map(|loaded| loaded.map(summary_view))}
            </ErrorBoundary>
        </Transition>
    }
}

fn summary_view(b: Summary) -> impl IntoView {
    let per = match b.billing_cycle {
        BillingCycle::Monthly => "month",
        BillingCycle::Annual => "year",
    };
    view! {
        <div class="cards">
            <div class="stat"><span class="label">"Managed seats"</span>
                <span class="value" data-test="managed-seats">{b.managed_seats}</span>
                <span class="muted">{b.seat_cap.map(|c| format!("of {c} by contract")).unwrap_or_else(|| "no cap".into())}</span></div>
            <div class="stat"><span class="label">"Seat price"</span><span class="value">{money(b.seat_price_cents)}</span><span class="muted">{format!("per seat per {per}")}</span></div>
            <div class="stat"><span class="label">"This period"</span><span class="value" data-test="period-charge">{money(b.period_charge_cents)}</span>
                <span class="muted">{format!("{} to {}", date(&b.period_start), date(&b.period_end))}</span></div>
        </div>
        <section class="card">
            <h2>"Seat changes"</h2>
            {if b.recent_seat_events.is_empty() {
                view! { <p class="muted">"No seat changes yet. Make users managed on the Users page; each one is billed per seat."</p> }.into_any()
            } else {
                view! {
                    <table class="grid" data-test="seat-events">
                        <thead><tr><th>"Time"</th><th>"User"</th><th>"Change"</th><th>"Seats after"</th><th>"By"</th></tr></thead>
                        <tbody>
                            {b.recent_seat_events.into_iter().map(|e| view! {
                                <tr><td>{date_time(&e.created_at)}</td><td>{e.email}</td>
                                    <td>{if e.delta > 0 { format!("+{}", e.delta) } else { e.delta.to_string() }}</td>
                                    <td>{e.seats_after}</td><td>{e.actor_email.unwrap_or_default()}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}
