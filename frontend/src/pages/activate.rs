//! The landing page of the activation link. Opening it does nothing (mail
//! scanners open links and run scripts): the person types the password chosen
//! at sign-up and presses the button, which activates and signs in.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};
use muster_model::LoginRequest;

use crate::{
    components::{entered, ErrorBox, PasswordField, ResendActivation, Submission},
    use_api, use_session,
};

#[component]
pub fn Activate() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let navigate = use_navigate();
    let token = StoredValue::new(use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let activated = RwSignal::new(None::<String>);
    let password_error = entered(password, "Enter your password.");
    let link_broken = move || {
        error.with(|e| e.as_ref().is_some_and(|e| matches!(e.code.as_str(), "token_invalid" | "token_expired")))
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password_error.get().is_some() {
            return;
        }
        let navigate = navigate.clone();
        form.start(async move {
            let account = api.activate(&token.get_value(), &password.get_untracked()).await?;
            activated.set(Some(account.email.clone()));
            let login = LoginRequest { email: Some(account.email), phone: None, password: password.get_untracked() };
            // Signing in is a courtesy: if it fails, the page says the account is active and links to sign-in.
            if let Ok(crate::api::LoginAnswer::Session(created)) = api.log_in(&login).await {
                session.start(created.token);
                navigate("/console", Default::default());
            }
            Ok(())
        });
    };

    view! {
        <main class="auth-card">
            <h1>"Activate your account"</h1>
            {move || match activated.get() {
                Some(email) => view! {
                    <div class="alert ok" data-test="activated">
                        <p><strong>"Your account is active."</strong></p>
                        <p>"Signing you in as " {email} "…"</p>
                    </div>
                    <A href="/sign-in" attr:class="button primary">"Sign in"</A>
                }.into_any(),
                None => {
                    let submit = submit.clone();
                    view! {
                    <p class="lead">"Enter the password you chose when you signed up, to prove the account is yours."</p>
                    <form on:submit=submit novalidate>
                        <PasswordField label="Password" name="password" value=password error=password_error />
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            {move || if busy.get() { "Activating…" } else { "Activate my account" }}
                        </button>
                    </form>
                    <Show when=link_broken>
                        <p>"Ask for a new link:"</p>
                        <ResendActivation />
                    </Show>
                    <p class="switch">"Did someone else sign up with your address? " <A href="/forgot-password">"Reset the password"</A> " to take it over."</p>
                    }.into_any()
                }
            }}
        </main>
    }
}
