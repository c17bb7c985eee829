//! Billing: seats in use against the cap, the seat price of the cycle, the
//! current period's charge, and the latest seat changes.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{Billing as Summary, BillingCycle};

use crate::{api::ApiError, use_api};

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

#[component]
pub fn Billing(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let summary = RwSignal::new(None::<Result<Summary, ApiError>>);
    spawn_local(async move { summary.set(Some(api.billing(&enterprise_id).await)) });
    view! {
        <h1>"Billing"</h1>
        {move || match summary.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
            Some(Ok(b)) => {
                let per = match b.billing_cycle { BillingCycle::Monthly => "month", BillingCycle::Annual => "year" };
                view! {
                    <div class="cards">
                        <div class="stat"><span class="label">"Managed seats"</span>
                            <span class="value" data-test="managed-seats">{b.managed_seats}</span>
                            <span class="muted">{b.seat_cap.map(|c| format!("of {c} by contract")).unwrap_or_else(|| "no cap".into())}</span></div>
                        <div class="stat"><span class="label">"Seat price"</span><span class="value">{money(b.seat_price_cents)}</span><span class="muted">{format!("per seat per {per}")}</span></div>
                        <div class="stat"><span class="label">"This period"</span><span class="value" data-test="period-charge">{money(b.period_charge_cents)}</span>
                            <span class="muted">{format!("{} to {}", &b.period_start[..10], &b.period_end[..10])}</span></div>
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
                                            <tr><td>{e.created_at[..16].replace('T', " ")}</td><td>{e.email}</td>
                                                <td>{if e.delta > 0 { format!("+{}", e.delta) } else { e.delta.to_string() }}</td>
                                                <td>{e.seats_after}</td><td>{e.actor_email.unwrap_or_default()}</td></tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            }
        }}
    }
}
