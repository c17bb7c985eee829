//! "Send the activation link again", for the places a person finds out the
//! link is missing, used or expired.

use leptos::{prelude::*, task::spawn_local};
use muster_model::validate;

use crate::{api::ApiError, components::ErrorBox, use_api};

#[component]
pub fn ResendActivation(#[prop(optional, into)] email: String) -> impl IntoView {
    let api = use_api();
    let email = RwSignal::new(email);
    let sent = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let valid = move || validate::Email::parse(&email.get()).is_ok();
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let address = email.get();
        spawn_local(async move {
            match api.resend_activation(&address).await {
                Ok(()) => sent.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <form class="row" on:submit=send data-test="resend-activation">
            <input type="email" aria-label="Email for a new activation link" placeholder="you@company.com"
                prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
            <button type="submit" class="ghost" disabled=move || !valid()>"Send a new activation link"</button>
        </form>
        <ErrorBox error=error />
        <Show when=move || sent.get()>
            <p class="muted">"If that address has an account waiting for activation, a new link is on its way. Earlier links no longer work."</p>
        </Show>
    }
}
