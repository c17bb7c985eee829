//! Import: choose a CSV, preview the exact diff (dry run), then apply it with
//! a progress bar; download the rows that could not be taken.

use leptos::{prelude::*, task::spawn_local};
use muster_model::Job;
use wasm_bindgen::JsCast;

use crate::{
    api::{enc, ApiError},
    components::{ErrorBox, JobView},
    use_api,
};

#[component]
pub fn Import(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id.clone());
    let file = RwSignal::new_local(None::<web_sys::File>);
    let send_now = RwSignal::new(true);
    let preview = RwSignal::new(None::<Job>);
    let applied = RwSignal::new(None::<Job>);
    let error = RwSignal::new(None::<ApiError>);
    let report = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let pick = move |ev: leptos::ev::Event| {
        let chosen = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|i| i.files())
            .and_then(|f| f.get(0));
        file.set(chosen);
        preview.set(None);
        applied.set(None);
        report.set(None);
    };
    let start = move |dry_run: bool| {
        let Some(f) = file.get_untracked() else { return };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api.import(&id.get_value(), &f, dry_run, send_now.get_untracked()).await {
                Ok(job) if dry_run => preview.set(Some(job)),
                Ok(job) => applied.set(Some(job)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let download = move |job: String| {
        spawn_local(async move {
            match api.errors_csv(&id.get_value(), &job).await {
                Ok(text) => report.set(Some(format!("data:text/csv;charset=utf-8,{}", enc(&text)))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <h1>"Import"</h1>
        <section class="card">
            <p class="lead">"A CSV with a header row naming " <code>"email"</code> " and any of " <code>"first_name, last_name, department, phone, job_title"</code>
                " (spellings such as “First Name” work). New addresses are invited with their profile; existing people get the cells that differ. Empty cells change nothing."</p>
            <div class="row">
                <label class="button ghost" for="f-import-file">"Choose a CSV file…"</label>
                <input id="f-import-file" class="visually-hidden" type="file" accept=".csv,text/csv" on:change=pick />
                <span data-test="import-file">{move || file.with(|f| f.as_ref().map(|f| f.name()).unwrap_or_else(|| "No file chosen".into()))}</span>
            </div>
            <label class="inline"><input type="checkbox" prop:checked=move || send_now.get() on:change=move |ev| send_now.set(event_target_checked(&ev)) />
                " Send invitation mail to new people now"</label>
            <ErrorBox error=error />
            <div class="row">
                <button type="button" class="ghost" disabled=move || busy.get() || file.with(Option::is_none) on:click=move |_| start(true)>"Preview changes"</button>
                <button type="button" class="primary" disabled=move || busy.get() || preview.with(Option::is_none) || applied.with(Option::is_some)
                    on:click=move |_| start(false)>"Apply changes"</button>
            </div>
            <p class="hint">"Preview first: it shows every create, update (before → after) and error without changing anything. Apply is all or nothing."</p>
        </section>
        {move || preview.get().map(|j| {
            let job_id = j.id.clone();
            view! {
                <h2>"Preview"</h2>
                <JobView enterprise_id=id.get_value() job=j />
                <button type="button" class="ghost" on:click=move |_| download(job_id.clone())>"Prepare error report"</button>
            }
        })}
        {move || report.get().map(|href| view! { <a class="button ghost" href=href download="muster-import-errors.csv" data-test="error-report">"Download error report (CSV)"</a> })}
        {move || applied.get().map(|j| view! { <h2>"Applied"</h2><JobView enterprise_id=id.get_value() job=j /> })}
    }
}
