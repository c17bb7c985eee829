//! Bulk Invite: choose or paste a text file, see what will happen line by
//! line before sending (the server's own parsing rules), then follow the job.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{
    bulk::{parse, Entry},
    validate, Job,
};
use wasm_bindgen::JsCast;

use crate::{
    api::ApiError,
    components::{ErrorBox, JobView},
    use_api,
};

#[derive(Clone, Default, PartialEq)]
struct Preview {
    valid: usize,
    problems: Vec<(u64, String, String)>,
}

fn preview(text: &str, domain: &str) -> Preview {
    let mut p = Preview::default();
    for e in parse(text) {
        match e {
            Entry::Repeat { line, text, first_line } => {
                p.problems.push((line, text, format!("repeat of line {first_line}")))
            }
            Entry::Address { line, text } => match validate::Email::parse(&text) {
                Err(_) => p.problems.push((line, text, "not a valid address".into())),
                Ok(e) if e.domain() != domain => p.problems.push((line, text, format!("not in {domain}"))),
                Ok(_) => p.valid += 1,
            },
        }
    }
    p
}

#[component]
pub fn BulkInvite(enterprise_id: String, domain: String) -> impl IntoView {
    let api = use_api();
    let text = RwSignal::new(String::new());
    let send_now = RwSignal::new(true);
    let job = RwSignal::new(None::<Job>);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let id = StoredValue::new(enterprise_id.clone());
    let p = Memo::new(move |_| preview(&text.get(), &domain));
    let pick = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await {
                Ok(v) => text.set(v.as_string().unwrap_or_default()),
                Err(_) => error.set(Some(ApiError {
                    status: 0,
                    code: "file".into(),
                    detail: "The file could not be read.".into(),
                })),
            }
        });
    };
    let submit = move |_| {
        busy.set(true);
        error.set(None);
        job.set(None);
        spawn_local(async move {
            match api.bulk_invite(&id.get_value(), text.get_untracked(), send_now.get_untracked()).await {
                Ok(j) => job.set(Some(j)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <h1>"Bulk Invite"</h1>
        <section class="card">
            <p class="lead">"A plain text file with one address a line (commas and semicolons also separate). Blank lines and repeats are skipped."</p>
            <div class="row">
                <label class="button ghost" for="f-bulk-file">"Choose a file…"</label>
                <input id="f-bulk-file" class="visually-hidden" type="file" accept=".txt,.csv,text/plain" on:change=pick />
                <span class="muted">"or paste below"</span>
            </div>
            <div class="field">
                <label for="f-bulk-text">"Addresses"</label>
                <textarea id="f-bulk-text" rows="8" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </div>
            <p data-test="bulk-preview"><strong>{move || format!("{} to invite", p.get().valid)}</strong>
                {move || { let n = p.get().problems.len(); (n > 0).then(|| format!(" · {n} lines will be skipped")) }}</p>
            <Show when=move || !p.with(|p| p.problems.is_empty())>
                <table class="grid compact" data-test="bulk-problems">
                    <thead><tr><th>"Line"</th><th>"Text"</th><th>"Why it is skipped"</th></tr></thead>
                    <tbody>{move || p.get().problems.into_iter().take(200).map(|(line, t, why)| view! {
                        <tr><td>{line}</td><td>{t}</td><td class="muted">{why}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </Show>
            <label class="inline"><input type="checkbox" prop:checked=move || send_now.get() on:change=move |ev| send_now.set(event_target_checked(&ev)) />
                " Send the invitation mail now"</label>
            <ErrorBox error=error />
            <button type="button" class="primary" on:click=submit disabled=move || busy.get() || p.get().valid == 0>
                {move || format!("Invite {} people", p.get().valid)}
            </button>
        </section>
        {move || job.get().map(|j| view! { <JobView enterprise_id=enterprise_id.clone() job=j /> })}
    }
}
