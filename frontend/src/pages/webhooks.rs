//! The Integrations page's webhooks: add an endpoint for some events (its
//! signing secret shown once), see its recent deliveries, retry one, delete.

use leptos::prelude::*;
use muster_model::{
    display::date_time, webhook_problem, CreateWebhookRequest, CreatedWebhook, DeliveryState, Webhook, WebhookEvent,
};

use crate::{
    components::{toggle, CopyButton, ErrorBox, Field, LoadError, Submission},
    use_api,
};

#[component]
pub fn Webhooks(id: StoredValue<String>) -> impl IntoView {
    let created = RwSignal::new(None::<CreatedWebhook>);
    let version = RwSignal::new(0u32);
    view! {
        <section class="card">
            <h2>"Webhooks"</h2>
            <p class="muted">"Muster posts each event as JSON, signed as Standard Webhooks describes \
                (" <code>"webhook-id"</code> ", " <code>"webhook-timestamp"</code> ", " <code>"webhook-signature"</code>
                "), and retries for 24 hours until your endpoint answers 2xx."</p>
            <NewWebhook id created version />
            {move || created.get().map(|c| view! {
                <div class="alert ok" data-test="webhook-secret">
                    <p><strong>"Endpoint added."</strong>" Copy its signing secret now: it is not shown again."</p>
                    <p><code class="secret">{c.secret.clone()}</code>" "<CopyButton text=c.secret.clone() /></p>
                </div>
            })}
            <WebhookList id version />
        </section>
    }
}

#[component]
fn NewWebhook(
    id: StoredValue<String>,
    created: RwSignal<Option<CreatedWebhook>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let api = use_api();
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(vec![WebhookEvent::MemberCreated]);
    let form = Submission::new();
    let problem = Signal::derive(move || webhook_problem(url.get().trim(), &events.get(), None).map(|(_, d)| d));
    let url_error = Signal::derive(move || problem.get().filter(|p| p.contains("URL")));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if problem.get_untracked().is_some() {
            return;
        }
        let req = CreateWebhookRequest { url: url.get_untracked(), events: events.get_untracked(), description: None };
        form.start(async move {
            created.set(Some(api.create_webhook(&id.get_value(), &req).await?));
            url.set(String::new());
            version.update(|v| *v += 1);
            Ok(())
        });
    };
    view! {
        <form on:submit=submit novalidate data-test="new-webhook">
            <Field label="Endpoint URL" name="webhook-url" value=url error=url_error hint="https://… — resolved and checked at every delivery." />
            <fieldset class="scopes">
                <legend>"Events"</legend>
                {WebhookEvent::ALL.iter().map(|e| {
                    let e = *e;
                    view! {
                        <label class="inline scope-choice">
                            <input type="checkbox" name="event" value=e.as_str()
                                prop:checked=move || events.with(|l| l.contains(&e)) on:change=move |_| toggle(events, e) />
                            <code>{e.as_str()}</code>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
            {move || events.with(Vec::is_empty).then(|| view! { <p class="field-error">"Choose at least one event."</p> })}
            <ErrorBox error=form.error />
            <button type="submit" class="primary" disabled=move || form.busy.get()>"Add endpoint"</button>
        </form>
    }
}

#[component]
fn WebhookList(id: StoredValue<String>, version: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let hooks = LocalResource::new(move || {
        version.track();
        async move { api.webhooks(&id.get_value()).await }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || hooks.get().map(|loaded| loaded.map(|list| {
                    if list.items.is_empty() {
                        view! { <p class="muted" data-test="no-webhooks">"No endpoints yet. Add one above to hear about new members, finished jobs and syncs."</p> }.into_any()
                    } else {
                        list.items.into_iter().map(|w| view! { <Endpoint hook=w id version /> }).collect_view().into_any()
                    }
                }))}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn Endpoint(hook: Webhook, id: StoredValue<String>, version: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let hook_id = StoredValue::new(hook.id.clone());
    let refresh = RwSignal::new(0u32);
    let deliveries = LocalResource::new(move || {
        refresh.track();
        async move { api.webhook_deliveries(&id.get_value(), &hook_id.get_value()).await }
    });
    let form = Submission::new();
    let retry = move |delivery: String| {
        form.start(async move {
            api.retry_delivery(&id.get_value(), &hook_id.get_value(), &delivery).await?;
            refresh.update(|v| *v += 1);
            Ok(())
        })
    };
    let remove = move |_| {
        form.start(async move {
            api.delete_webhook(&id.get_value(), &hook_id.get_value()).await?;
            version.update(|v| *v += 1);
            Ok(())
        })
    };
    view! {
        <div class="endpoint" data-test="webhook">
            <p><strong>{hook.url.clone()}</strong>" "
                {if hook.enabled { view! { <span class="badge ok">"On"</span> }.into_any() } else { view! { <span class="badge bad" title=hook.disabled_reason.clone().unwrap_or_default()>"Off"</span> }.into_any() }}
                " "{hook.events.iter().map(|e| view! { <code class="scope">{e.as_str()}</code>" " }).collect_view()}
                <button type="button" class="ghost small" on:click=move |_| refresh.update(|v| *v += 1)>"Refresh"</button>
                <button type="button" class="ghost small danger" on:click=remove>"Delete"</button></p>
            <ErrorBox error=form.error />
            <Transition fallback=|| view! { <p class="muted">"Loading deliveries…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || deliveries.get().map(|loaded| loaded.map(|page| {
                        if page.items.is_empty() {
                            return view! { <p class="muted">"No deliveries yet: events appear here as they happen."</p> }.into_any();
                        }
                        view! {
                            <table class="grid" data-test="deliveries">
                                <thead><tr><th>"Event"</th><th>"Created"</th><th>"State"</th><th>"Attempts"</th><th>"Latest"</th><th></th></tr></thead>
                                <tbody>
                                    {page.items.into_iter().map(|d| {
                                        let delivery = d.id.clone();
                                        let state = match d.state { DeliveryState::Pending => "pending", DeliveryState::Delivered => "delivered", DeliveryState::Failed => "failed" };
                                        let latest = match (d.last_status, d.last_error.clone()) {
                                            (Some(s), _) => format!("HTTP {s}"),
                                            (None, Some(e)) => e,
                                            (None, None) => "—".into(),
                                        };
                                        view! {
                                            <tr><td><code>{d.event_type.as_str()}</code></td><td>{date_time(&d.created_at)}</td>
                                                <td data-test="delivery-state">{state}</td><td>{d.attempts}</td><td>{latest}</td>
                                                <td>{(d.state != DeliveryState::Pending).then(|| view! {
                                                    <button type="button" class="ghost small" on:click=move |_| retry(delivery.clone())>"Retry"</button>
                                                })}</td></tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }))}
                </ErrorBoundary>
            </Transition>
        </div>
    }
}
