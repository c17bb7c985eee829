//! The console shell: navigation by module (locked ones shown with the reason),
//! the re-enter-password prompt, sign-out, and the module page itself.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Redirect, A},
    hooks::{use_navigate, use_params_map},
};
use muster_model::{Enterprise, LockReason, Module, ModuleAccess};

use crate::{
    api::ApiError,
    components::{ErrorBox, Field, PasswordField, StatusBadge},
    pages::{
        analytics::Analytics, audit::AuditLog, billing::Billing, bulk_invite::BulkInvite, dashboard::Dashboard,
        directory_sync::DirectorySync, domain::DomainManagement, import::Import, integrations::Integrations,
        invite::Invite, users::Users,
    },
    use_api, use_session,
};

/// URL segment of each module (`/console/<id>/<slug>`), as mail links use them.
pub fn slug(m: Module) -> &'static str {
    match m {
        Module::Dashboard => "dashboard",
        Module::Invite => "invite",
        Module::BulkInvite => "bulk-invite",
        Module::Import => "import",
        Module::DirectorySync => "directory-sync",
        Module::Users => "users",
        Module::DomainManagement => "domain",
        Module::Billing => "billing",
        Module::AuditLog => "audit",
        Module::Analytics => "analytics",
        Module::Integrations => "integrations",
    }
}

fn from_slug(s: &str) -> Option<Module> {
    Module::ALL.iter().copied().find(|m| slug(*m) == s)
}

/// The navigation, grouped the way admins think about it.
const GROUPS: &[(&str, &[Module])] = &[
    ("", &[Module::Dashboard]),
    ("Enrollment", &[Module::Invite, Module::BulkInvite, Module::Import, Module::DirectorySync]),
    ("People", &[Module::Users]),
    (
        "Settings",
        &[Module::DomainManagement, Module::Billing, Module::AuditLog, Module::Analytics, Module::Integrations],
    ),
];

#[component]
pub fn Console() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || session.signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <ConsoleShell />
        </Show>
    }
}

#[component]
fn ConsoleShell() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let params = use_params_map();
    let navigate = use_navigate();
    let enterprise_id = Memo::new(move |_| params.with(|p| p.get("e")).unwrap_or_default());
    let module = Memo::new(move |_| params.with(|p| p.get("module")).and_then(|s| from_slug(&s)));
    let enterprise = RwSignal::new(None::<Result<Enterprise, ApiError>>);
    let reload = move || {
        let id = enterprise_id.get_untracked();
        spawn_local(async move { enterprise.set(Some(api.enterprise(&id).await)) });
    };
    Effect::new(move |_| {
        enterprise_id.track();
        reload();
    });
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = api.log_out().await;
            session.end();
            session.notice.set(Some("You signed out.".into()));
            navigate("/sign-in", Default::default());
        });
    };

    view! {
        <div class="console">
            <header class="topbar">
                <A href="/console" attr:class="brand">"Muster"</A>
                <span class="domain" data-test="console-domain">
                    {move || enterprise.with(|e| e.as_ref().and_then(|r| r.as_ref().ok()).map(|e| e.domain.clone()))}
                </span>
                {move || enterprise.with(|e| e.as_ref().and_then(|r| r.as_ref().ok()).map(|e| view! { <StatusBadge status=e.domain_status /> }))}
                <span class="spacer"></span>
                <A href="/account/security" attr:class="button ghost">"Account security"</A>
                <button type="button" class="ghost" on:click=sign_out>"Sign out"</button>
            </header>
            {move || match enterprise.get() {
                None => view! { <p class="muted pad">"Loading…"</p> }.into_any(),
                Some(Err(e)) if e.code == "elevation_required" => view! { <Reauth on_done=reload /> }.into_any(),
                Some(Err(e)) if e.code == "mfa_enrollment_required" => view! {
                    <main class="auth-card" data-test="mfa-enrollment-required">
                        <h1>"Two-step verification is required"</h1>
                        <div class="alert warn">{e.detail}</div>
                        <A href="/account/security" attr:class="button primary">"Set up two-step verification"</A>
                    </main>
                }.into_any(),
                Some(Err(e)) if e.status == 404 => view! {
                    <main class="pad"><div class="alert error" role="alert">"This enterprise does not exist, or you are not one of its admins."</div><A href="/console">"Your enterprises"</A></main>
                }.into_any(),
                Some(Err(e)) => view! { <main class="pad"><div class="alert error" role="alert">{e.detail}</div></main> }.into_any(),
                Some(Ok(e)) => {
                    let modules = e.modules.clone();
                    view! {
                        <div class="layout">
                            <Nav enterprise_id=e.id.clone() modules=modules.clone() current=module />
                            <main class="content">
                                {move || page(module.get(), &modules, enterprise, reload)}
                            </main>
                        </div>
                    }.into_any()
                }
            }}
        </div>
    }
}

#[component]
fn Nav(enterprise_id: String, modules: Vec<ModuleAccess>, current: Memo<Option<Module>>) -> impl IntoView {
    let access = move |m: Module| modules.iter().find(|a| a.module == m).cloned();
    view! {
        <nav class="sidebar" aria-label="Modules">
            {GROUPS.iter().map(|(group, items)| {
                let links = items.iter().filter_map(|m| access(*m)).map(|a| {
                    let href = format!("/console/{}/{}", enterprise_id, slug(a.module));
                    let title = a.locked_reason.map(|r| r.explain()).unwrap_or("");
                    let m = a.module;
                    view! {
                        <A href=href attr:class=move || format!("nav-link{}{}", if current.get() == Some(m) { " active" } else { "" }, if a.enabled { "" } else { " locked" })
                            attr:title=title attr:data-module=slug(m)>
                            {a.title.clone()}
                            {(!a.enabled).then(|| view! { <span class="lock" aria-label="locked">"🔒"</span> })}
                        </A>
                    }
                }).collect_view();
                view! {
                    <div class="nav-group">
                        {(!group.is_empty()).then(|| view! { <h3>{*group}</h3> })}
                        {links}
                    </div>
                }
            }).collect_view()}
        </nav>
    }
}

fn page(
    module: Option<Module>,
    modules: &[ModuleAccess],
    enterprise: RwSignal<Option<Result<Enterprise, ApiError>>>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> AnyView {
    let Some(module) = module else {
        return view! { <div class="alert error">"There is no such page in the console."</div> }.into_any();
    };
    let access = modules.iter().find(|a| a.module == module).cloned();
    let e = enterprise.get_untracked().and_then(Result::ok);
    match (access, e) {
        (Some(a), Some(e)) if !a.enabled => view! { <Locked access=a enterprise_id=e.id /> }.into_any(),
        (_, Some(e)) => match module {
            Module::Dashboard => {
                view! { <Dashboard enterprise=e on_change=move |updated| enterprise.set(Some(Ok(updated))) /> }
                    .into_any()
            }
            Module::DomainManagement => view! { <DomainManagement enterprise=e on_change=reload /> }.into_any(),
            Module::AuditLog => view! { <AuditLog enterprise_id=e.id /> }.into_any(),
            Module::Invite => view! { <Invite enterprise_id=e.id domain=e.domain /> }.into_any(),
            Module::BulkInvite => view! { <BulkInvite enterprise_id=e.id domain=e.domain /> }.into_any(),
            Module::Import => view! { <Import enterprise_id=e.id /> }.into_any(),
            Module::Analytics => view! { <Analytics enterprise_id=e.id /> }.into_any(),
            Module::Users => view! { <Users enterprise_id=e.id is_pma=e.role == muster_model::Role::Pma /> }.into_any(),
            Module::Billing => view! { <Billing enterprise_id=e.id /> }.into_any(),
            Module::DirectorySync => view! { <DirectorySync enterprise_id=e.id /> }.into_any(),
            Module::Integrations => view! { <Integrations enterprise_id=e.id /> }.into_any(),
        },
        _ => view! { <p class="muted">"Loading…"</p> }.into_any(),
    }
}

#[component]
fn Locked(access: ModuleAccess, enterprise_id: String) -> impl IntoView {
    let reason = access.locked_reason.unwrap_or(LockReason::DomainUnverified);
    let (action, href) = match reason {
        LockReason::DomainUnverified => ("Verify the domain", format!("/console/{enterprise_id}/domain")),
        LockReason::PlanRequired => ("See plans", format!("/console/{enterprise_id}/dashboard")),
    };
    view! {
        <h1>{access.title.clone()}</h1>
        <div class="empty locked-panel" data-test="locked" data-reason=reason.as_str()>
            <p class="big">"🔒 " {reason.explain()}</p>
            <A href=href attr:class="button primary">{action}</A>
        </div>
    }
}

/// The console asks for the password again before it opens (and after 15
/// idle minutes), and the two-step code when it is on. An admin whom an
/// enterprise's policy requires two-step verification of is sent to set it up.
#[component]
fn Reauth(on_done: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let password = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let mfa_on = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        if let Ok(me) = api.me().await {
            mfa_on.set(me.account.mfa_enabled);
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        let pw = password.get();
        let c = mfa_on.get().then(|| code.get());
        spawn_local(async move {
            match api.elevate(&pw, c).await {
                Ok(_) => on_done(),
                Err(e) => {
                    if e.code == "mfa_code_required" {
                        mfa_on.set(true);
                    }
                    error.set(Some(e))
                }
            }
            busy.set(false);
        });
    };
    let must_enrol = move || error.with(|e| e.as_ref().is_some_and(|e| e.code == "mfa_enrollment_required"));
    view! {
        <main class="auth-card" data-test="reauth">
            <h1>"Confirm it's you"</h1>
            <p class="lead">"The admin console needs your password again. It stays open while you use it and closes after 15 minutes without activity."</p>
            <Show when=must_enrol fallback=move || view! {
                <form on:submit=submit novalidate>
                    <PasswordField label="Password" name="password" value=password error=Signal::derive(|| None::<String>) />
                    <Show when=move || mfa_on.get()>
                        <Field label="Two-step code" name="code" kind="text" autocomplete="one-time-code" value=code
                            hint="The 6-digit code from your authenticator app, or a recovery code."
                            error=Signal::derive(|| None::<String>) />
                    </Show>
                    <ErrorBox error=error />
                    <button type="submit" class="primary" disabled=move || busy.get() || password.with(String::is_empty)>"Open the console"</button>
                </form>
            }>
                <div class="alert warn" data-test="mfa-enrollment-required">
                    <p><strong>"Two-step verification is required."</strong></p>
                    <p>"An enterprise you administer asks every admin to use an authenticator app. Set it up in a minute, then come back."</p>
                </div>
                <A href="/account/security" attr:class="button primary">"Set up two-step verification"</A>
            </Show>
        </main>
    }
}
