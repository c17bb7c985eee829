//! The landing page of the activation link: activates once, then offers sign-in.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_query_map};
use muster_model::Account;

use crate::{api::ApiError, components::ResendActivation, use_api};

#[component]
pub fn Activate() -> impl IntoView {
    let api = use_api();
    let query = use_query_map();
    let result = RwSignal::new(None::<Result<Account, ApiError>>);
    let token = query.with_untracked(|q| q.get("token")).unwrap_or_default();
    spawn_local(async move {
        result.set(Some(api.activate(&token).await));
    });
    view! {
        <main class="auth-card">
            <h1>"Activate your account"</h1>
            {move || match result.get() {
                None => view! { <p class="muted">"Activating…"</p> }.into_any(),
                Some(Ok(account)) => view! {
                    <div class="alert ok" data-test="activated">
                        <p><strong>"Your account is active."</strong></p>
                        <p>"Sign in as " {account.email} " to set up your enterprise."</p>
                    </div>
                    <A href="/sign-in" attr:class="button primary">"Sign in"</A>
                }.into_any(),
                Some(Err(e)) => view! {
                    <div class="alert error" role="alert">{e.detail}</div>
                    <p>"Ask for a new link:"</p>
                    <ResendActivation />
                    <p class="switch"><A href="/sign-in">"Go to sign in"</A></p>
                }.into_any(),
            }}
        </main>
    }
}
