//! Integrations: API tokens for integrators and CI systems (created with the
//! scopes they need, the secret shown once, revoked here), SCIM provisioning
//! and webhooks.

use leptos::prelude::*;
use muster_model::{display::date_time, ApiScope, ApiToken, CreateApiTokenRequest, CreatedApiToken};

use crate::{
    components::{toggle, CopyButton, ErrorBox, Field, LoadError, Submission},
    use_api,
};

/// Lifetimes offered, in days (None: until revoked).
const LIFETIMES: &[(Option<u32>, &str)] =
    &[(Some(30), "30 days"), (Some(90), "90 days"), (Some(365), "1 year"), (None, "No expiry")];

#[component]
pub fn Integrations(enterprise_id: String) -> impl IntoView {
    let id = StoredValue::new(enterprise_id);
    let created = RwSignal::new(None::<CreatedApiToken>);
    let version = RwSignal::new(0u32);
    view! {
        <h1>"Integrations"</h1>
        <p class="lead">"API tokens let a CI system or an integration call the Muster API without a person's session. \
            Each acts only within the scopes you give it, only on this enterprise, and only while the admin who created it stays an admin."</p>
        <NewToken id created version />
        {move || created.get().map(|c| view! { <Secret created=c /> })}
        <Tokens id version />
        <crate::pages::scim::Scim id created version />
        <crate::pages::webhooks::Webhooks id />
    }
}

#[component]
fn NewToken(
    id: StoredValue<String>,
    created: RwSignal<Option<CreatedApiToken>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let api = use_api();
    let name = RwSignal::new(String::new());
    let scopes = RwSignal::new(Vec::<ApiScope>::new());
    let lifetime = RwSignal::new(1usize);
    let touched = RwSignal::new(false);
    let form = Submission::new();
    let request = move || CreateApiTokenRequest {
        name: name.get(),
        scopes: scopes.get(),
        expires_in_days: LIFETIMES[lifetime.get()].0,
    };
    let problem = Signal::derive(move || request().problem().map(|(_, detail)| detail));
    let name_error = Signal::derive(move || problem.get().filter(|p| p.contains("name")));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        touched.set(true);
        if problem.get_untracked().is_some() {
            return;
        }
        let req = request();
        form.start(async move {
            let token = api.create_api_token(&id.get_value(), &req).await?;
            created.set(Some(token));
            name.set(String::new());
            scopes.set(vec![]);
            touched.set(false);
            version.update(|v| *v += 1);
            Ok(())
        });
    };
    view! {
        <section class="card">
            <h2>"New API token"</h2>
            <form on:submit=submit novalidate data-test="new-token">
                <Field label="Name" name="token-name" value=name error=name_error hint="What it is for, e.g. CI nightly." />
                <fieldset class="scopes">
                    <legend>"Scopes"</legend>
                    {ApiScope::ALL.iter().map(|scope| {
                        let scope = *scope;
                        view! {
                            <label class="inline scope-choice">
                                <input type="checkbox" name="scope" value=scope.as_str()
                                    prop:checked=move || scopes.with(|s| s.contains(&scope))
                                    on:change=move |_| toggle(scopes, scope) />
                                <code>{scope.as_str()}</code>" "<span class="muted">{scope.describe()}</span>
                            </label>
                        }
                    }).collect_view()}
                </fieldset>
                <label class="field">"Expires"
                    <select name="lifetime" on:change=move |ev| lifetime.set(event_target_value(&ev).parse().unwrap_or(1))>
                        {LIFETIMES.iter().enumerate().map(|(i, (_, label))| view! {
                            <option value=i.to_string() selected=move || lifetime.get() == i>{*label}</option>
                        }).collect_view()}
                    </select>
                </label>
                {move || (touched.get() && scopes.with(Vec::is_empty)).then(|| view! { <p class="field-error">"Choose at least one scope."</p> })}
                <ErrorBox error=form.error />
                <button type="submit" class="primary" disabled=move || form.busy.get()>
                    {move || if form.busy.get() { "Creating…" } else { "Create token" }}
                </button>
            </form>
        </section>
    }
}

/// The secret, once: it cannot be shown again.
#[component]
fn Secret(created: CreatedApiToken) -> impl IntoView {
    let token = created.token.clone();
    view! {
        <div class="alert ok" data-test="token-secret">
            <p><strong>{format!("Token \u{201c}{}\u{201d} created.", created.api_token.name)}</strong>
                " Copy it now: Muster keeps only a hash and cannot show it again."</p>
            <p><code class="secret" data-test="token-value">{token.clone()}</code>" "<CopyButton text=token.clone() /></p>
            <p class="muted">"Use it as " <code>"Authorization: Bearer mst_…"</code> " on this enterprise's API routes."</p>
        </div>
    }
}

#[component]
fn Tokens(id: StoredValue<String>, version: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let tokens = LocalResource::new(move || {
        version.track();
        async move { api.api_tokens(&id.get_value()).await }
    });
    view! {
        <section class="card">
            <h2>"API tokens"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || tokens.get().map(|loaded| loaded.map(|list| view! { <TokenTable items=list.items id version /> }))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn TokenTable(items: Vec<ApiToken>, id: StoredValue<String>, version: RwSignal<u32>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted" data-test="no-tokens">"No API tokens yet. Create one above for each system that calls Muster, with only the scopes it needs."</p> }.into_any();
    }
    let api = use_api();
    let form = Submission::new();
    let revoke = move |token: String| {
        form.start(async move {
            api.revoke_api_token(&id.get_value(), &token).await?;
            version.update(|v| *v += 1);
            Ok(())
        })
    };
    view! {
        <ErrorBox error=form.error />
        <table class="grid" data-test="tokens">
            <thead><tr><th>"Name"</th><th>"Token"</th><th>"Scopes"</th><th>"Created"</th><th>"Last used"</th><th>"Expires"</th><th></th></tr></thead>
            <tbody>
                {items.into_iter().map(|t| {
                    let token_id = t.id.clone();
                    view! {
                        <tr>
                            <td>{t.name.clone()}</td>
                            <td><code>{format!("mst_{}_…", t.prefix)}</code></td>
                            <td>{t.scopes.iter().map(|s| view! { <code class="scope">{s.as_str()}</code>" " }).collect_view()}</td>
                            <td>{date_time(&t.created_at)}<br /><span class="muted">{t.created_by.clone()}</span></td>
                            <td>{t.last_used_at.as_deref().map(date_time).unwrap_or_else(|| "Never".into())}</td>
                            <td>{t.expires_at.as_deref().map(date_time).unwrap_or_else(|| "Never".into())}</td>
                            <td><button type="button" class="ghost small danger" disabled=move || form.busy.get()
                                on:click=move |_| revoke(token_id.clone())>"Revoke"</button></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}
