//! A job followed live: progress bar while it runs (polled twice a second),
//! then its counts and per-line results, paged.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{Job, JobResult, JobStatus};

use crate::{
    api::ApiError,
    components::{poll_until_done, ErrorBox},
    use_api,
};

#[component]
pub fn JobView(enterprise_id: String, job: Job) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let current = RwSignal::new(job.clone());
    let results = RwSignal::new(Vec::<JobResult>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let job_id = StoredValue::new(job.id.clone());
    poll_until_done(
        move || async move { api.job(&id.get_value(), &job_id.get_value(), None).await },
        |j: &Job| j.status.is_finished(),
        move |j: Job| {
            if j.status.is_finished() {
                results.set(j.results.clone());
                cursor.set(j.next_cursor.clone());
            }
            current.set(j);
        },
        error,
    );
    let more = move |_| {
        let after = cursor.get_untracked();
        let job_id = current.with_untracked(|j| j.id.clone());
        spawn_local(async move {
            match api.job(&id.get_value(), &job_id, after.as_deref()).await {
                Ok(j) => {
                    results.update(|r| r.extend(j.results));
                    cursor.set(j.next_cursor);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let percent = move || {
        current.with(|j| match (j.status, j.progress.total) {
            (s, _) if s.is_finished() => 100,
            (_, Some(t)) if t > 0 => (j.progress.processed * 100 / t).min(100),
            _ => 0,
        })
    };
    view! {
        <section class="card" data-test="job">
            <div class="card-head">
                <h2>"Job"</h2>
                <span class="badge" class:ok=move || current.with(|j| j.status == JobStatus::Succeeded)
                    class:bad=move || current.with(|j| j.status == JobStatus::Failed) data-test="job-status">
                    {move || current.with(|j| j.status.as_str())}
                </span>
            </div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <div class="bar" style=move || format!("width: {}%", percent())></div>
            </div>
            <p class="muted">{move || current.with(|j| match j.progress.total {
                Some(t) => format!("{} of {t} processed", j.progress.processed),
                None => "Waiting for a worker…".into(),
            })}</p>
            {move || current.with(|j| j.error.clone()).map(|e| view! { <div class="alert error" role="alert">{e}</div> })}
            <Show when=move || current.with(|j| j.status == JobStatus::Succeeded)>
                <p data-test="job-counts">{move || current.with(|j| {
                    let c = j.counts;
                    let mut parts = Vec::new();
                    for (n, label) in [(c.invited, "invited"), (c.created, "created"), (c.updated, "updated"), (c.unchanged, "unchanged"), (c.skipped, "skipped"), (c.errors, "errors")] {
                        if n > 0 { parts.push(format!("{n} {label}")); }
                    }
                    if parts.is_empty() { "Nothing to do.".to_string() } else { parts.join(" · ") }
                })}</p>
            </Show>
            <ErrorBox error=error />
            <Show when=move || !results.with(Vec::is_empty)>
                <table class="grid compact" data-test="job-results">
                    <thead><tr><th>"Line"</th><th>"Address"</th><th>"Result"</th><th>"Detail"</th></tr></thead>
                    <tbody>
                        {move || results.get().into_iter().map(|r| view! {
                            <tr><td>{r.line.map(|l| l.to_string()).unwrap_or_default()}</td><td>{r.email.unwrap_or_default()}</td>
                                <td>{r.outcome.replace('_', " ")}</td><td class="muted">{r.detail.clone().or_else(|| r.changes.as_ref().map(|c| muster_model::FieldChange::describe_all(Some(c)))).unwrap_or_default()}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <Show when=move || cursor.with(Option::is_some)>
                <button type="button" class="ghost" on:click=more>"More results"</button>
            </Show>
        </section>
    }
}
