//! Account security's sign-in protection: two-step verification (QR code,
//! confirm, recovery codes with download, turn off) and the cell phone number
//! (add, verify by SMS code, remove).

use leptos::{prelude::*, task::spawn_local};
use muster_model::{normalize_code, MfaStatus, RecoveryCodes, TotpDisableRequest, TotpEnrolRequest, TotpEnrolment};

use crate::{
    api::{enc, ApiError},
    components::{ErrorBox, Field, PasswordField, Submission},
    use_api,
};

fn six_digits(code: RwSignal<String>) -> Signal<Option<String>> {
    Signal::derive(move || {
        let c = normalize_code(&code.get());
        (c.len() != 6 || !c.bytes().all(|b| b.is_ascii_digit())).then(|| "Enter the 6-digit code.".to_string())
    })
}

/// Both sections, sharing one status read.
#[component]
pub fn SignInProtection() -> impl IntoView {
    let api = use_api();
    let status = RwSignal::new(None::<Result<MfaStatus, ApiError>>);
    let reload = move || spawn_local(async move { status.set(Some(api.mfa_status().await)) });
    reload();
    view! {
        {move || match status.get() {
            None => view! { <p class="muted">"Loading…"</p> }.into_any(),
            Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
            Some(Ok(s)) => view! {
                <TwoStep status=s.clone() on_change=reload />
                <Phone status=s on_change=reload />
            }.into_any(),
        }}
    }
}

#[component]
fn TwoStep(status: MfaStatus, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let codes = RwSignal::new(None::<RecoveryCodes>);
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let code_error = six_digits(code);
    let on = status.totp_enabled;

    // Off: start at once. On: replacing the app takes the password and a code.
    let start = move || {
        let req = if on {
            TotpEnrolRequest { password: Some(password.get_untracked()), code: Some(code.get_untracked()) }
        } else {
            TotpEnrolRequest::default()
        };
        form.start(async move {
            enrolment.set(Some(api.enrol_totp(&req).await?));
            code.set(String::new());
            Ok(())
        });
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if code_error.get().is_some() {
            return;
        }
        let c = code.get();
        form.start(async move {
            codes.set(Some(api.confirm_totp(&c).await?));
            enrolment.set(None);
            code.set(String::new());
            Ok(())
        });
    };
    let with_proof = move || TotpDisableRequest { password: password.get_untracked(), code: code.get_untracked() };
    let turn_off = move |_| {
        let req = with_proof();
        form.start(async move {
            api.disable_totp(&req).await?;
            password.set(String::new());
            code.set(String::new());
            on_change();
            Ok(())
        });
    };
    let regenerate = move |_| {
        let req = with_proof();
        form.start(async move {
            codes.set(Some(api.new_recovery_codes(&req).await?));
            password.set(String::new());
            code.set(String::new());
            Ok(())
        });
    };
    let proof_missing = move || password.with(String::is_empty) || code.with(String::is_empty) || busy.get();

    view! {
        <section class="card" data-test="two-step">
            <h2>"Two-step verification"</h2>
            {(status.required_by_policy && !on).then(|| view! {
                <div class="alert warn" data-test="mfa-policy-notice">"An enterprise you administer requires two-step verification: set it up to open its console."</div>
            })}
            {move || match (codes.get(), enrolment.get()) {
                (Some(c), _) => {
                    let text = c.recovery_codes.join("\n") + "\n";
                    let href = format!("data:text/plain;charset=utf-8,{}", enc(&text));
                    view! {
                        <div class="alert ok" data-test="recovery-codes">
                            <p><strong>"Save your recovery codes."</strong>" Each signs you in once if you lose your phone. You will not see them again."</p>
                            <ul class="codes">{c.recovery_codes.into_iter().map(|code| view! { <li><code>{code}</code></li> }).collect_view()}</ul>
                            <a class="button ghost" href=href download="muster-recovery-codes.txt" data-test="download-codes">"Download (.txt)"</a>
                            <button type="button" class="primary" on:click=move |_| { codes.set(None); on_change(); }>"I saved them"</button>
                        </div>
                    }.into_any()
                }
                (None, Some(e)) => view! {
                    <p>"Scan this QR code with an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password, …), then enter the code it shows."</p>
                    <div class="qr" data-test="totp-qr" inner_html=e.qr_svg.clone()></div>
                    <p class="muted">"Can't scan it? Enter this key in the app instead: " <code data-test="totp-secret">{e.secret.clone()}</code></p>
                    <form on:submit=confirm novalidate>
                        <Field label="Code from the app" name="totp_code" kind="text" autocomplete="one-time-code" value=code error=code_error />
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get()>"Turn on"</button>
                        <button type="button" class="ghost" on:click=move |_| enrolment.set(None)>"Cancel"</button>
                    </form>
                }.into_any(),
                (None, None) if !on => view! {
                    <p>"Off. With it on, signing in and opening the console also ask for a code from an app on your phone."</p>
                    <ErrorBox error=error />
                    <button type="button" class="primary" disabled=move || busy.get() on:click=move |_| start()>"Set up two-step verification"</button>
                }.into_any(),
                (None, None) => {
                    let since = status.enabled_at.as_deref().map(muster_model::display::date_time).unwrap_or_default();
                    let left = status.recovery_codes_remaining;
                    view! {
                        <p data-test="mfa-on"><span class="badge ok">"On"</span>" since " {since} ". " {format!("{left} recovery codes left.")}</p>
                        <p class="muted">"To change it, confirm with your password and a current code (or a recovery code)."</p>
                        <PasswordField label="Password" name="mfa_password" value=password error=Signal::derive(|| None::<String>) />
                        <Field label="Code" name="mfa_code" kind="text" autocomplete="one-time-code" value=code error=Signal::derive(|| None::<String>) />
                        <ErrorBox error=error />
                        <div class="row">
                            <button type="button" class="ghost" disabled=proof_missing on:click=regenerate>"New recovery codes"</button>
                            <button type="button" class="ghost" disabled=proof_missing on:click=move |_| start()>"Use another app"</button>
                            <button type="button" class="danger" disabled=proof_missing on:click=turn_off>"Turn off"</button>
                        </div>
                    }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn Phone(status: MfaStatus, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let number = RwSignal::new(status.phone_pending.clone().unwrap_or_default());
    let code = RwSignal::new(String::new());
    let sent = RwSignal::new(status.phone_pending.is_some());
    let form = Submission::new();
    let Submission { busy, error } = form;
    let number_error = Signal::derive(move || {
        let n = number.get();
        (!n.trim().starts_with('+') || n.chars().filter(|c| c.is_ascii_digit()).count() < 7)
            .then(|| "Enter the number with + and the country code, e.g. +1 201 555 0123.".to_string())
    });
    let code_error = six_digits(code);
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if number_error.get().is_some() {
            return;
        }
        let n = number.get();
        form.start(async move {
            api.add_phone(&n).await?;
            sent.set(true);
            Ok(())
        });
    };
    let verify = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if code_error.get().is_some() {
            return;
        }
        let c = code.get();
        form.start(async move {
            api.verify_phone(&c).await?;
            on_change();
            Ok(())
        });
    };
    let remove = move |_| {
        form.start(async move {
            api.remove_phone().await?;
            on_change();
            Ok(())
        })
    };
    let verified = status.phone.clone();
    view! {
        <section class="card" data-test="phone">
            <h2>"Phone number"</h2>
            {match verified {
                Some(p) => view! {
                    <p data-test="phone-verified">"You can sign in with " <strong>{p}</strong> " and your password."</p>
                    <ErrorBox error=error />
                    <button type="button" class="ghost" disabled=move || busy.get() on:click=remove>"Remove"</button>
                }.into_any(),
                None => view! {
                    <p class="muted">"Add a cell phone number to sign in with it instead of your email address. We text it a code to check it is yours."</p>
                    <form on:submit=send novalidate class="row">
                        <Field label="Cell phone number" name="phone" kind="tel" autocomplete="tel" value=number error=number_error />
                        <button type="submit" class="ghost" disabled=move || busy.get()>{move || if sent.get() { "Send a new code" } else { "Send code" }}</button>
                    </form>
                    <Show when=move || sent.get()>
                        <form on:submit=verify novalidate>
                            <p class="muted" data-test="phone-code-sent">"We texted a 6-digit code to " {move || number.get()} ". It works for 10 minutes."</p>
                            <Field label="Code from the text message" name="phone_code" kind="text" autocomplete="one-time-code" value=code error=code_error />
                            <button type="submit" class="primary" disabled=move || busy.get()>"Verify"</button>
                        </form>
                    </Show>
                    <ErrorBox error=error />
                }.into_any(),
            }}
        </section>
    }
}
