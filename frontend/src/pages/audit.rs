//! Audit log: who did what, newest first, filtered by action, paged by cursor.

use leptos::prelude::*;
use muster_model::AuditEvent;

use crate::{
    components::{ErrorBox, LoadMore, Paged},
    use_api,
};

#[component]
pub fn AuditLog(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let action = RwSignal::new(String::new());
    let id = StoredValue::new(enterprise_id);
    let events = Paged::new(move |after: Option<String>| {
        let (id, action) = (id.get_value(), action.get_untracked());
        async move { api.audit_events(&id, &action, after.as_deref()).await.map(|p| (p.items, p.next_cursor)) }
    });
    events.reload();
    view! {
        <h1>"Audit log"</h1>
        <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); events.reload(); }>
            <input type="search" placeholder="Filter by action, e.g. domain.verified" prop:value=move || action.get() on:input=move |ev| action.set(event_target_value(&ev)) />
            <button type="submit" class="ghost">"Filter"</button>
        </form>
        <ErrorBox error=events.error />
        <Show when=move || events.is_empty()>
            <div class="empty"><p>"No events match. Every admin action and job result appears here."</p></div>
        </Show>
        <Show when=move || !events.items.with(Vec::is_empty)>
            <table class="grid" data-test="audit-table">
                <thead><tr><th>"Time"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th></tr></thead>
                <tbody>
                    <For each=move || events.items.get() key=|e: &AuditEvent| e.id.clone() let:e>
                        {
                            let who = actor(&e);
                            view! { <tr><td>{e.created_at}</td><td>{who}</td><td><code>{e.action}</code></td><td>{e.target.unwrap_or_default()}</td></tr> }
                        }
                    </For>
                </tbody>
            </table>
        </Show>
        <LoadMore paged=events />
    }
}

/// Who acted: the admin, with the API token when one was used.
fn actor(e: &muster_model::AuditEvent) -> String {
    let who = e.actor_email.clone().unwrap_or_else(|| "Muster".into());
    match &e.actor_token {
        Some(t) => format!("API token \u{201c}{}\u{201d} ({who})", t.name),
        None => who,
    }
}
