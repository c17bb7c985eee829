//! Sign in. Shows why the last session ended (idle timeout, sign-out).

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_navigate};
use muster_model::{validate, LoginRequest};

use crate::{
    api::ApiError,
    components::{ErrorBox, Field, PasswordField, ResendActivation},
    use_api, use_session,
};

#[component]
pub fn SignIn() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let email_error = Signal::derive(move || validate::Email::parse(&email.get()).err());
    let password_error =
        Signal::derive(move || password.with(String::is_empty).then(|| "Enter your password.".to_string()));

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if email_error.get().is_some() || busy.get() {
            return;
        }
        busy.set(true);
        error.set(None);
        let req = LoginRequest { email: email.get(), password: password.get() };
        let navigate = navigate.clone();
        spawn_local(async move {
            match api.log_in(&req).await {
                Ok(created) => {
                    session.start(created.token);
                    navigate("/console", Default::default());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
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
