//! Sign up: email, password (checked as you type with the server's rules),
//! optional names; then "check your inbox" with a resend button.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;
use muster_model::{validate, SignUpRequest};

use crate::{
    api::ApiError,
    components::{ErrorBox, Field, PasswordField},
    use_api,
};

#[component]
pub fn SignUp() -> impl IntoView {
    let api = use_api();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let first = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let sent_to = RwSignal::new(None::<String>);

    let email_error = Signal::derive(move || validate::Email::parse(&email.get()).err());
    let password_error = Signal::derive(move || validate::password_problem(&password.get(), &email.get()));
    let valid = move || email_error.get().is_none() && password_error.get().is_none();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !valid() || busy.get() {
            return;
        }
        busy.set(true);
        let req = SignUpRequest {
            email: email.get(),
            password: password.get(),
            first_name: Some(first.get()).filter(|s| !s.trim().is_empty()),
            last_name: Some(last.get()).filter(|s| !s.trim().is_empty()),
        };
        spawn_local(async move {
            match api.sign_up(&req).await {
                Ok(account) => sent_to.set(Some(account.email)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="auth-card">
            <h1>"Create your Muster account"</h1>
            <Show
                when=move || sent_to.get().is_some()
                fallback=move || view! {
                    <p class="lead">"Use your company email address: its domain becomes your enterprise."</p>
                    <form on:submit=submit novalidate>
                        <Field label="Work email" name="email" kind="email" autocomplete="email" value=email error=email_error />
                        <PasswordField label="Password" name="password" autocomplete="new-password" value=password error=password_error
                            hint="At least 12 characters; not a common password." />
                        <div class="row">
                            <Field label="First name (optional)" name="first_name" autocomplete="given-name" value=first error=Signal::derive(|| None::<String>) />
                            <Field label="Last name (optional)" name="last_name" autocomplete="family-name" value=last error=Signal::derive(|| None::<String>) />
                        </div>
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || !valid() || busy.get()>
                            {move || if busy.get() { "Creating account…" } else { "Create account" }}
                        </button>
                    </form>
                    <p class="switch">"Already have an account? " <A href="/sign-in">"Sign in"</A></p>
                }
            >
                <CheckInbox email=sent_to.get().unwrap_or_default() />
            </Show>
        </main>
    }
}

#[component]
fn CheckInbox(email: String) -> impl IntoView {
    let api = use_api();
    let resent = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let address = email.clone();
    let resend = move |_| {
        let address = address.clone();
        spawn_local(async move {
            match api.resend_activation(&address).await {
                Ok(()) => resent.set(true),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="alert ok" data-test="check-inbox">
            <p><strong>"Check your inbox."</strong></p>
            <p>"We sent an activation link to " <strong>{email}</strong> ". It works once and expires in 24 hours."</p>
        </div>
        <ErrorBox error=error />
        <p>
            <button type="button" class="ghost" on:click=resend>"Send the link again"</button>
            <Show when=move || resent.get()><span class="muted">" Sent. Earlier links no longer work."</span></Show>
        </p>
        <p class="switch"><A href="/sign-in">"Go to sign in"</A></p>
    }
}
