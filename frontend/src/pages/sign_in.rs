//! Sign in with an email address or a verified cell phone number, then (two-step
//! verification on) the code from the authenticator app or a recovery code.
//! Shows why the last session ended (idle timeout, sign-out).

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use muster_model::{looks_like_email, normalize_code, validate, LoginRequest, MfaLoginRequest};

use crate::{
    api::LoginAnswer,
    components::{entered, ErrorBox, Field, PasswordField, ResendActivation, Submission},
    use_api, use_session,
};

/// The sign-in field's rule: an email address, or a number in international form.
fn identifier_problem(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        Some("Enter your email address or cell phone number.".into())
    } else if looks_like_email(input) {
        validate::Email::parse(input).err()
    } else if !input.starts_with('+') && !input.starts_with("00") {
        Some("Enter an email address, or a phone number starting with + and the country code.".into())
    } else if input.chars().filter(|c| c.is_ascii_digit()).count() < 7 {
        Some("That phone number is too short.".into())
    } else {
        None
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    let navigate = use_navigate();
    let identifier = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let mfa_token = RwSignal::new(None::<String>);
    let form = Submission::new();
    let Submission { busy, error } = form;
    let identifier_error = Signal::derive(move || identifier_problem(&identifier.get()));
    let password_error = entered(password, "Enter your password.");

    let go = navigate.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if identifier_error.get().is_some() || password_error.get().is_some() {
            return;
        }
        let who = identifier.get().trim().to_string();
        let (email, phone) = if looks_like_email(&who) { (Some(who), None) } else { (None, Some(who)) };
        let req = LoginRequest { email, phone, password: password.get() };
        let go = go.clone();
        form.start(async move {
            match api.log_in(&req).await? {
                LoginAnswer::Session(created) => {
                    session.start(created.token);
                    go("/console", Default::default());
                }
                LoginAnswer::SecondStep(challenge) => mfa_token.set(Some(challenge.mfa_token)),
            }
            Ok(())
        });
    };
    let back = move || {
        mfa_token.set(None);
        password.set(String::new());
    };

    view! {
        <main class="auth-card">
            <h1>"Sign in to Muster"</h1>
            {move || session.notice.get().map(|n| view! { <div class="alert warn" data-test="session-notice">{n}</div> })}
            <Show when=move || mfa_token.with(Option::is_none) fallback=move || {
                let token = mfa_token.get_untracked().unwrap_or_default();
                view! { <SecondStep mfa_token=token on_restart=back navigate=navigate.clone() /> }
            }>
                <form on:submit=submit.clone() novalidate>
                    <Field label="Email or cell phone number" name="email" kind="text" autocomplete="username" value=identifier error=identifier_error
                        hint="A phone number works once you have verified it under Account security (+ and the country code first)." />
                    <PasswordField label="Password" name="password" value=password error=password_error />
                    <ErrorBox error=error />
                    <button type="submit" class="primary" disabled=move || busy.get()>
                        {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </form>
                <Show when=move || error.with(|e| e.as_ref().is_some_and(|e| e.code == "account_not_active")) && looks_like_email(&identifier.get())>
                    <ResendActivation email=identifier.get_untracked() />
                </Show>
                <p class="switch"><A href="/forgot-password">"Forgot password?"</A></p>
                <p class="switch">"New here? " <A href="/sign-up">"Create an account"</A></p>
            </Show>
        </main>
    }
}

/// The second step: a code from the app, or (lost phone) a recovery code.
#[component]
fn SecondStep<N>(mfa_token: String, on_restart: impl Fn() + Copy + Send + Sync + 'static, navigate: N) -> impl IntoView
where
    N: Fn(&str, leptos_router::NavigateOptions) + Clone + 'static,
{
    let api = use_api();
    let session = use_session();
    let code = RwSignal::new(String::new());
    let recovery = RwSignal::new(false);
    let form = Submission::new();
    let Submission { busy, error } = form;
    let token = StoredValue::new(mfa_token);
    let code_error = Signal::derive(move || {
        let c = normalize_code(&code.get());
        let recovery_shaped = c.len() == 10 && c.bytes().all(|b| b.is_ascii_alphanumeric());
        let totp_shaped = c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit());
        if recovery.get() {
            (!recovery_shaped).then(|| "A recovery code has 10 letters and digits, like abcde-23456.".to_string())
        } else {
            // A recovery code typed here works too (the server tells them apart).
            (!totp_shaped && !recovery_shaped)
                .then(|| "Enter the 6-digit code your authenticator app shows.".to_string())
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if code_error.get().is_some() {
            return;
        }
        let entered = code.get();
        let req = if recovery.get() {
            MfaLoginRequest { mfa_token: token.get_value(), code: None, recovery_code: Some(entered) }
        } else {
            MfaLoginRequest { mfa_token: token.get_value(), code: Some(entered), recovery_code: None }
        };
        let navigate = navigate.clone();
        form.start(async move {
            let created = api.log_in_second_step(&req).await?;
            session.start(created.token);
            navigate("/console", Default::default());
            Ok(())
        });
    };
    let expired = move || error.with(|e| e.as_ref().is_some_and(|e| e.code == "mfa_token_invalid"));
    view! {
        <form on:submit=submit novalidate data-test="mfa-step">
            <h2>"Two-step verification"</h2>
            <p class="lead">{move || if recovery.get() {
                "Enter one of the recovery codes you saved when you turned on two-step verification. Each works once."
            } else {
                "Open your authenticator app and enter the 6-digit code it shows for Muster."
            }}</p>
            <Field label="Code" name="code" kind="text" autocomplete="one-time-code"
                value=code error=code_error />
            <ErrorBox error=error />
            <Show when=expired>
                <button type="button" class="ghost" on:click=move |_| on_restart()>"Enter your password again"</button>
            </Show>
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Checking…" } else { "Verify" }}
            </button>
            <p class="switch">
                <button type="button" class="link" data-test="use-recovery" on:click=move |_| { recovery.update(|r| *r = !*r); code.set(String::new()); }>
                    {move || if recovery.get() { "Use the code from your app instead" } else { "Lost your phone? Use a recovery code" }}
                </button>
            </p>
        </form>
    }
}
