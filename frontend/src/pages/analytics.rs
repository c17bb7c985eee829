//! Analytics: the enrollment funnel per day as a bar chart (invited,
//! accepted, made managed) and per source as a table.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{Analytics as Funnel, FunnelDay};

use crate::{api::ApiError, use_api};

const SERIES: [(&str, &str); 3] = [("Invited", "#8aa4f5"), ("Accepted", "#2f5bea"), ("Managed", "#137a43")];

#[component]
pub fn Analytics(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let days = RwSignal::new(30i64);
    let data = RwSignal::new(None::<Result<Funnel, ApiError>>);
    let id = StoredValue::new(enterprise_id);
    Effect::new(move |_| {
        let n = days.get();
        spawn_local(async move { data.set(Some(api.analytics(&id.get_value(), n).await)) });
    });
    view! {
        <h1>"Analytics"</h1>
        <div class="row toolbar">
            <span class="muted">"Enrollment funnel over the last"</span>
            <select aria-label="Period" on:change=move |ev| days.set(event_target_value(&ev).parse().unwrap_or(30))>
                <option value="7">"7 days"</option>
                <option value="30" selected>"30 days"</option>
                <option value="90">"90 days"</option>
            </select>
        </div>
        {move || match data.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
            Some(Ok(f)) => view! {
                <section class="card">
                    <h2>"Per day"</h2>
                    <Chart days=f.days.clone() />
                    <p class="legend">{SERIES.iter().map(|(name, color)| view! { <span><i style=format!("background:{color}")></i>{*name}</span> }).collect_view()}</p>
                </section>
                <section class="card">
                    <h2>"Per source"</h2>
                    <table class="grid" data-test="funnel-sources">
                        <thead><tr><th>"Source"</th><th>"Invited"</th><th>"Accepted"</th><th>"Managed"</th></tr></thead>
                        <tbody>{f.by_source.into_iter().map(|s| view! {
                            <tr><td>{s.source.replace('_', " ")}</td><td>{s.invited}</td><td>{s.accepted}</td><td>{s.managed}</td></tr>
                        }).collect_view()}</tbody>
                    </table>
                </section>
            }.into_any(),
        }}
    }
}

/// Grouped bars, one group a day; the scale follows the busiest day.
#[component]
fn Chart(days: Vec<FunnelDay>) -> impl IntoView {
    let (w, h, pad) = (720.0, 220.0, 24.0);
    let max = days.iter().map(|d| d.invited.max(d.accepted).max(d.managed)).max().unwrap_or(0).max(1) as f64;
    let slot = (w - pad) / days.len().max(1) as f64;
    let bar = (slot / 4.0).max(1.0);
    let bars = days
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            [d.invited, d.accepted, d.managed].into_iter().enumerate().map(move |(k, v)| {
                let height = (v as f64 / max) * (h - pad);
                let x = pad + i as f64 * slot + k as f64 * bar;
                let title = format!("{}: {} {}", d.date, v, SERIES[k].0.to_lowercase());
                view! { <rect x=x y=h - pad - height width=bar height=height fill=SERIES[k].1><title>{title}</title></rect> }
            })
        })
        .collect_view();
    let first = days.first().map(|d| d.date.clone()).unwrap_or_default();
    let last = days.last().map(|d| d.date.clone()).unwrap_or_default();
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label="Enrollment per day" data-test="funnel-chart">
            <line x1=pad y1=h - pad x2=w y2=h - pad stroke="#dde1e8" />
            <text x=pad y=12 font-size="11" fill="#5d6678">{format!("max {max}")}</text>
            {bars}
            <text x=pad y=h - 6.0 font-size="11" fill="#5d6678">{first}</text>
            <text x=w - 70.0 y=h - 6.0 font-size="11" fill="#5d6678">{last}</text>
        </svg>
    }
}
