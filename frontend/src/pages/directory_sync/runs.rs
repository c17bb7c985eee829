//! Runs as the admin follows them: one run with progress, counts and its diff,
//! the history, and the distribution lists.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{SyncChange, SyncRun, SyncStatus};

use crate::{
    api::{enc, ApiError},
    components::{poll_until_done, ErrorBox, LoadMore, Paged},
    use_api,
};

pub(super) fn counts_line(r: &SyncRun) -> String {
    let c = r.counts;
    let mut parts = Vec::new();
    for (n, label) in [
        (c.created, "created"),
        (c.updated, "updated"),
        (c.relinked, "re-linked"),
        (c.suspended, "suspended"),
        (c.restored, "restored"),
        (c.unchanged, "unchanged"),
        (c.excluded, "excluded"),
        (c.errors, "errors"),
        (c.groups_created + c.groups_updated + c.groups_removed, "list changes"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    if parts.is_empty() {
        "Nothing to do.".into()
    } else {
        parts.join(" · ")
    }
}

pub(super) fn describe(change: &SyncChange) -> String {
    let fields = Some(muster_model::FieldChange::describe_all(change.changes.as_ref()));
    [change.detail.clone(), fields].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" — ")
}

/// One run followed live (progress bar), then its counts and diff, paged.
#[component]
pub(super) fn RunView(enterprise_id: String, run_id: String, on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let run_id = StoredValue::new(run_id);
    let current = RwSignal::new(None::<SyncRun>);
    let diff = RwSignal::new(Vec::<SyncChange>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let report = RwSignal::new(None::<String>);
    poll_until_done(
        move || async move { api.sync_run(&id.get_value(), &run_id.get_value(), None).await },
        |r: &SyncRun| r.status.is_finished(),
        move |r: SyncRun| {
            let done = r.status.is_finished();
            if done {
                diff.set(r.diff.clone());
                cursor.set(r.next_cursor.clone());
            }
            current.set(Some(r));
            if done {
                on_done();
            }
        },
        error,
    );
    let more = move |_| {
        let after = cursor.get_untracked();
        spawn_local(async move {
            match api.sync_run(&id.get_value(), &run_id.get_value(), after.as_deref()).await {
                Ok(r) => {
                    diff.update(|d| d.extend(r.diff));
                    cursor.set(r.next_cursor);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let download = move |_| {
        spawn_local(async move {
            match api.sync_report(&id.get_value(), &run_id.get_value()).await {
                Ok(text) => report.set(Some(format!("data:text/csv;charset=utf-8,{}", enc(&text)))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let status = move || current.with(|r| r.as_ref().map(|r| r.status));
    let percent = move || {
        current.with(|r| match r {
            Some(r) if r.status.is_finished() => 100,
            Some(r) => match r.progress.total {
                Some(t) if t > 0 => (r.progress.processed * 100 / t).min(99),
                _ => 0,
            },
            None => 0,
        })
    };
    view! {
        <div class="run" data-test="sync-run-view">
            <div class="card-head">
                <h3>{move || current.with(|r| match r {
                    Some(r) if r.dry_run => "Dry run".to_string(),
                    Some(_) => "Sync".to_string(),
                    None => "Run".to_string(),
                })}</h3>
                <span class="badge" class:ok=move || status() == Some(SyncStatus::Succeeded)
                    class:bad=move || matches!(status(), Some(SyncStatus::Failed | SyncStatus::Blocked)) data-test="sync-status">
                    {move || status().map(|s| s.as_str()).unwrap_or("queued")}
                </span>
            </div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <div class="bar" style=move || format!("width: {}%", percent())></div>
            </div>
            <p class="muted">{move || current.with(|r| r.as_ref().map(|r| match r.status {
                SyncStatus::Queued => "Waiting for a worker…".to_string(),
                SyncStatus::Running => format!("{} entries read", r.progress.processed),
                _ => format!("{} entries read", r.counts.entries),
            }).unwrap_or_default())}</p>
            {move || current.with(|r| r.as_ref().and_then(|r| r.error.clone())).map(|e| view! {
                <div class="alert error" role="alert" data-test="sync-error">{e}</div>
            })}
            <Show when=move || status().is_some_and(SyncStatus::is_finished)>
                <p data-test="sync-counts">{move || current.with(|r| r.as_ref().map(counts_line).unwrap_or_default())}</p>
                <p class="muted small" data-test="sync-timings">{move || current.with(|r| r.as_ref().and_then(|r| r.timings).map(|t| {
                    let s = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
                    format!("Read the directory in {} · compared in {} · wrote in {}", s(t.read_ms), s(t.diff_ms), s(t.write_ms))
                }).unwrap_or_default())}</p>
                <button type="button" class="ghost" on:click=download>"Prepare the report"</button>
            </Show>
            {move || report.get().map(|href| view! { <a class="button ghost" href=href download="muster-sync-report.csv" data-test="sync-report">"Download the report (CSV)"</a> })}
            <ErrorBox error=error />
            <Show when=move || !diff.with(Vec::is_empty)>
                <table class="grid compact" data-test="sync-diff">
                    <thead><tr><th>"Change"</th><th>"Person or group"</th><th>"Details"</th></tr></thead>
                    <tbody>
                        {move || diff.get().into_iter().map(|c| view! {
                            <tr>
                                <td>{c.action.replace('_', " ")}</td>
                                <td>{c.email.clone().unwrap_or_default()} <br /><span class="muted small">{c.dn.clone().unwrap_or_default()}</span></td>
                                <td class="muted">{describe(&c)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <Show when=move || cursor.with(Option::is_some)>
                <button type="button" class="ghost" on:click=more>"More changes"</button>
            </Show>
        </div>
    }
}

#[component]
pub(super) fn History(enterprise_id: String, tick: RwSignal<u32>, selected: RwSignal<Option<String>>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let runs = RwSignal::new(Vec::<SyncRun>::new());
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| {
        tick.track();
        spawn_local(async move {
            match api.sync_runs(&id.get_value()).await {
                Ok(page) => runs.set(page.items),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section class="card" data-test="sync-history">
            <h2>"History"</h2>
            <ErrorBox error=error />
            <Show when=move || !runs.with(Vec::is_empty) fallback=|| view! {
                <p class="empty">"No runs yet. Start with a dry run: it shows what a sync would change."</p>
            }>
                <table class="grid compact">
                    <thead><tr><th>"Started"</th><th>"Trigger"</th><th>"Kind"</th><th>"Status"</th><th>"Changes"</th><th></th></tr></thead>
                    <tbody>
                        {move || runs.get().into_iter().map(|r| {
                            let rid = r.id.clone();
                            view! {
                                <tr>
                                    <td>{r.started_at.clone().unwrap_or_else(|| r.created_at.clone())}</td>
                                    <td>{r.trigger.as_str()}</td>
                                    <td>{if r.dry_run { "dry run" } else { "sync" }}</td>
                                    <td><span class="badge" class:ok=r.status == SyncStatus::Succeeded
                                        class:bad=matches!(r.status, SyncStatus::Failed | SyncStatus::Blocked)>{r.status.as_str()}</span></td>
                                    <td class="muted">{r.error.clone().unwrap_or_else(|| counts_line(&r))}</td>
                                    <td><button type="button" class="ghost small" on:click=move |_| selected.set(Some(rid.clone()))>"Details"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

#[component]
pub(super) fn Lists(enterprise_id: String, tick: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let paged = Paged::new(move |after: Option<String>| {
        let id = id.get_value();
        async move { api.distribution_lists(&id, after.as_deref()).await.map(|p| (p.items, p.next_cursor)) }
    });
    let lists = paged.items;
    Effect::new(move |_| {
        tick.track();
        paged.reload();
    });
    view! {
        <section class="card" data-test="sync-lists">
            <h2>"Distribution lists"</h2>
            <ErrorBox error=paged.error />
            <Show when=move || !lists.with(Vec::is_empty) fallback=|| view! {
                <p class="empty">"Tick groups under “What to sync”: each becomes a list, kept in step with the directory."</p>
            }>
                <table class="grid compact">
                    <thead><tr><th>"List"</th><th>"Members"</th><th>"Group"</th></tr></thead>
                    <tbody>
                        {move || lists.get().into_iter().map(|l| view! {
                            <tr>
                                <td>{l.name.clone()} {l.removed_at.as_ref().map(|_| view! { " " <span class="badge">"removed"</span> })}</td>
                                <td>{l.members}</td>
                                <td class="muted small">{l.dn.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <LoadMore paged=paged />
        </section>
    }
}
