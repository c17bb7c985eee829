//! Sign in. Shows why the last session ended (idle timeout, sign-out).

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use muster_model::{validate, LoginRequest};

use crate::{
    components::{entered, ErrorBox, Field, PasswordField, ResendActivation, Submission},
    use_api, use_session,
};

#[component]
pub fn SignIn() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let email_error = Signal::derive(move || validate::Email::parse(&email.get()).err());
    let password_error = entered(password, "Enter your password.");

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if email_error.get().is_some() {
            return;
        }
        let req = LoginRequest { email: email.get(), password: password.get() };
        let navigate = navigate.clone();
        form.start(async move {
            session.start(api.log_in(&req).await?.token);
            navigate("/console", Default::default());
            Ok(())
        });
    };

    view! {
        <main class="auth-card">
            <h1>"Sign in to Muster"</h1>
            {move || session.notice.get().map(|n| view! { <div class="alert warn" data-test="session-notice">{n}</div> })}
            <form on:submit=submit novalidate>
                <Field label="Email" name="email" kind="email" autocomplete="username" value=email error=email_error />
                <PasswordField label="Password" name="password" value=password error=password_error />
                <ErrorBox error=error />
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
            <Show when=move || error.with(|e| e.as_ref().is_some_and(|e| e.code == "account_not_active"))>
                <ResendActivation email=email.get_untracked() />
            </Show>
            <p class="switch"><A href="/forgot-password">"Forgot password?"</A></p>
            <p class="switch">"New here? " <A href="/sign-up">"Create an account"</A></p>
        </main>
    }
}
