//! `/console`: where a signed-in person lands. One enterprise opens directly;
//! none leads to the claim wizard; several are listed.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Redirect, A},
    hooks::use_navigate,
};
use muster_model::Me;

use crate::{api::ApiError, use_api, use_session};

#[component]
pub fn Enterprises() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let me = RwSignal::new(None::<Result<Me, ApiError>>);
    let navigate = use_navigate();
    spawn_local(async move { me.set(Some(api.me().await)) });
    Effect::new(move |_| {
        if let Some(Ok(m)) = me.get() {
            if m.enterprises.len() == 1 {
                navigate(&format!("/console/{}/dashboard", m.enterprises[0].id), Default::default());
            }
        }
    });
    view! {
        <Show when=move || session.signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <main class="auth-card wide">
                {move || match me.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
                    Some(Ok(m)) if m.enterprises.is_empty() => view! {
                        <h1>"Welcome, " {m.account.first_name.clone().unwrap_or(m.account.email.clone())}</h1>
                        <p class="lead">"You don't administer an enterprise yet. Claim the domain of your email address to become its Primary Master Admin."</p>
                        <A href="/claim" attr:class="button primary">"Set up my enterprise"</A>
                    }.into_any(),
                    Some(Ok(m)) => view! {
                        <h1>"Your enterprises"</h1>
                        <ul class="choices">
                            {m.enterprises.into_iter().map(|e| view! {
                                <li><A href=format!("/console/{}/dashboard", e.id)>{e.domain}</A> <span class="muted">{e.role.as_str().to_uppercase()}</span></li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </main>
        </Show>
    }
}
