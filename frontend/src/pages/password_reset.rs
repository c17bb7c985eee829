//! "Forgot password?": ask for a link by email (the answer never says whether
//! the address has an account), then choose a new password on the link's page.

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};
use muster_model::validate;

use crate::{
    components::{ErrorBox, Field, PasswordField, Submission},
    use_api,
};

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let api = use_api();
    let email = RwSignal::new(String::new());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let sent = RwSignal::new(false);
    let email_error = Signal::derive(move || validate::Email::parse(&email.get()).err());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if email_error.get().is_some() {
            return;
        }
        form.start(async move {
            api.request_password_reset(&email.get_untracked()).await?;
            sent.set(true);
            Ok(())
        });
    };
    view! {
        <main class="auth-card">
            <h1>"Reset your password"</h1>
            <Show
                when=move || sent.get()
                fallback=move || view! {
                    <p class="lead">"Enter the email address of your account. We will mail you a link to choose a new password."</p>
                    <form on:submit=submit novalidate>
                        <Field label="Email" name="email" kind="email" autocomplete="username" value=email error=email_error />
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get()>"Send the reset link"</button>
                    </form>
                }
            >
                <div class="alert ok" data-test="reset-sent">
                    <p><strong>"Check your inbox."</strong></p>
                    <p>"If " <strong>{email.get_untracked()}</strong> " has a Muster account, a reset link is on its way. It works once and expires in one hour."</p>
                </div>
            </Show>
            <p class="switch"><A href="/sign-in">"Back to sign in"</A></p>
        </main>
    }
}

#[component]
pub fn ResetPassword() -> impl IntoView {
    let api = use_api();
    let token = StoredValue::new(use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let done = RwSignal::new(false);
    // The address is not known here; the server also refuses passwords that contain it.
    let password_error = Signal::derive(move || validate::password_problem(&password.get(), ""));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password_error.get().is_some() {
            return;
        }
        form.start(async move {
            api.confirm_password_reset(&token.get_value(), &password.get_untracked()).await?;
            done.set(true);
            Ok(())
        });
    };
    view! {
        <main class="auth-card">
            <h1>"Choose a new password"</h1>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <form on:submit=submit novalidate>
                        <PasswordField label="New password" name="password" autocomplete="new-password" value=password error=password_error
                            hint="At least 12 characters; not a common password." />
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get()>"Set the new password"</button>
                    </form>
                    <Show when=move || error.with(|e| e.as_ref().is_some_and(|e| matches!(e.code.as_str(), "token_invalid" | "token_expired")))>
                        <p><A href="/forgot-password">"Ask for a new link"</A></p>
                    </Show>
                }
            >
                <div class="alert ok" data-test="password-reset">
                    <p><strong>"Your password is set."</strong></p>
                    <p>"Every session of your account was signed out. Sign in with the new password."</p>
                </div>
                <A href="/sign-in" attr:class="button primary">"Sign in"</A>
            </Show>
        </main>
    }
}
