//! The Integrations page's SCIM section: the base URL and a SCIM token for
//! Okta or Entra, whether new people are mailed at once, and how to connect
//! each client, step by step.

use leptos::prelude::*;
use muster_model::{ApiScope, CreateApiTokenRequest, CreatedApiToken, ScimSettings, UpdateScimSettings};

use crate::{
    components::{CopyButton, ErrorBox, LoadError, Submission},
    use_api,
};

#[component]
pub fn Scim(
    id: StoredValue<String>,
    created: RwSignal<Option<CreatedApiToken>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let api = use_api();
    let settings = LocalResource::new(move || async move { api.scim_settings(&id.get_value()).await });
    view! {
        <section class="card" data-test="scim">
            <h2>"SCIM provisioning (Okta, Microsoft Entra ID)"</h2>
            <p class="muted">"Your identity provider creates, updates, suspends and removes people here, and keeps groups as distribution lists. \
                People it creates are invited like everyone else; SCIM never changes anyone's password or sign-in email, and never suspends the Primary Master Admin."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                    {move || settings.get().map(|loaded| loaded.map(|s| view! { <ScimSetup settings=s id created version /> }))}
                </ErrorBoundary>
            </Transition>
        </section>
    }
}

#[component]
fn ScimSetup(
    settings: ScimSettings,
    id: StoredValue<String>,
    created: RwSignal<Option<CreatedApiToken>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let api = use_api();
    let send = RwSignal::new(settings.send_invitations);
    let saved = RwSignal::new(false);
    let token_form = Submission::new();
    let setting_form = Submission::new();
    let base = settings.base_url.clone();
    let create_token = move |_| {
        token_form.start(async move {
            let req = CreateApiTokenRequest {
                name: "SCIM provisioning".into(),
                scopes: vec![ApiScope::Scim],
                expires_in_days: Some(365),
            };
            created.set(Some(api.create_api_token(&id.get_value(), &req).await?));
            version.update(|v| *v += 1);
            Ok(())
        })
    };
    let change_send = move |ev: leptos::ev::Event| {
        let value = event_target_checked(&ev);
        send.set(value);
        saved.set(false);
        setting_form.start(async move {
            let s = api.save_scim_settings(&id.get_value(), &UpdateScimSettings { send_invitations: value }).await?;
            send.set(s.send_invitations);
            saved.set(true);
            Ok(())
        })
    };
    view! {
        <dl class="facts">
            <dt>"SCIM base URL"</dt>
            <dd><code data-test="scim-base-url">{base.clone()}</code>" "<CopyButton text=base.clone() /></dd>
            <dt>"Authentication"</dt>
            <dd>"Bearer token: an API token with the scope " <code>"scim"</code> "."</dd>
        </dl>
        <p>
            <button type="button" class="primary" data-test="create-scim-token" disabled=move || token_form.busy.get() on:click=create_token>
                {move || if token_form.busy.get() { "Creating…" } else { "Create a SCIM token" }}
            </button>
            " "<span class="muted">"Valid for a year; the secret is shown once, above."</span>
        </p>
        <ErrorBox error=token_form.error />
        <label class="inline">
            <input type="checkbox" name="scim-send-invitations" prop:checked=move || send.get() on:change=change_send />
            " Mail each new person their invitation at once (otherwise it waits for “Send pending invitations” in Invite)"
        </label>
        {move || saved.get().then(|| view! { <span class="muted">" Saved."</span> })}
        <ErrorBox error=setting_form.error />
        <details>
            <summary>"Connect Okta"</summary>
            <ol>
                <li>"In the Okta Admin Console, open Applications → Create App Integration → SAML 2.0 or SWA, then its General tab → Provisioning: SCIM → Save."</li>
                <li>"Provisioning → Integration → Edit: SCIM connector base URL " <code>{base.clone()}</code> ", Unique identifier field for users " <code>"userName"</code> "."</li>
                <li>"Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups. Authentication Mode: HTTP Header; paste the SCIM token as the Bearer token."</li>
                <li>"Test Connector Configuration (Okta reads the service provider's configuration and looks up a user that does not exist), then Save."</li>
                <li>"Provisioning → To App: enable Create Users, Update User Attributes and Deactivate Users. Assign people or groups to the app; use Push Groups for distribution lists."</li>
            </ol>
        </details>
        <details>
            <summary>"Connect Microsoft Entra ID"</summary>
            <ol>
                <li>"Entra admin center → Enterprise applications → New application → Create your own application (“Integrate any other application you don't find in the gallery”)."</li>
                <li>"Provisioning → Get started → Provisioning Mode: Automatic. Tenant URL " <code>{base.clone()}</code> ", Secret Token: the SCIM token. Test Connection."</li>
                <li>"Mappings: keep userPrincipalName (or mail) → userName, and map givenName, surname, jobTitle, department, employeeId, telephoneNumber; Muster ignores attributes it does not keep."</li>
                <li>"Settings → Scope: “Sync only assigned users and groups”; assign people and groups under Users and groups."</li>
                <li>"Start provisioning. Entra syncs every 40 minutes; a person unassigned or disabled there is suspended here (active = false), and a deleted one removed (restorable)."</li>
            </ol>
        </details>
    }
}
