//! Audit log: who did what, newest first, filtered by action, paged by cursor.

use leptos::{prelude::*, task::spawn_local};
use muster_model::AuditEvent;

use crate::{api::ApiError, components::ErrorBox, use_api};

#[component]
pub fn AuditLog(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let action = RwSignal::new(String::new());
    let items = RwSignal::new(Vec::<AuditEvent>::new());
    let cursor = RwSignal::new(None::<String>);
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let id = StoredValue::new(enterprise_id);
    let load = move |more: bool| {
        let id = id.get_value();
        let after = if more { cursor.get_untracked() } else { None };
        spawn_local(async move {
            match api.audit_events(&id, &action.get_untracked(), after.as_deref()).await {
                Ok(page) => {
                    if more {
                        items.update(|i| i.extend(page.items));
                    } else {
                        items.set(page.items);
                    }
                    cursor.set(page.next_cursor);
                    loaded.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    load(false);
    view! {
        <h1>"Audit log"</h1>
        <form class="row" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(false); }>
            <input type="search" placeholder="Filter by action, e.g. domain.verified" prop:value=move || action.get() on:input=move |ev| action.set(event_target_value(&ev)) />
            <button type="submit" class="ghost">"Filter"</button>
        </form>
        <ErrorBox error=error />
        <Show when=move || loaded.get() && items.with(Vec::is_empty)>
            <div class="empty"><p>"No events match. Every admin action and job result appears here."</p></div>
        </Show>
        <Show when=move || !items.with(Vec::is_empty)>
            <table class="grid" data-test="audit-table">
                <thead><tr><th>"Time"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th></tr></thead>
                <tbody>
                    <For each=move || items.get() key=|e| e.id.clone() let:e>
                        <tr><td>{e.created_at}</td><td>{e.actor_email.unwrap_or_else(|| "Muster".into())}</td><td><code>{e.action}</code></td><td>{e.target.unwrap_or_default()}</td></tr>
                    </For>
                </tbody>
            </table>
        </Show>
        <Show when=move || cursor.with(Option::is_some)>
            <button type="button" class="ghost" on:click=move |_| load(true)>"Load more"</button>
        </Show>
    }
}
