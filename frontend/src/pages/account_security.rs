//! Account security: change the password (other sessions end), two-step
//! verification and the phone number (`account_mfa`), and the list of
//! this account's sessions, each with "Sign out", plus "sign out everywhere else".

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::{Redirect, A};
use muster_model::{validate, ChangePasswordRequest, SessionList};

use crate::{
    api::ApiError,
    components::{ErrorBox, PasswordField},
    use_api, use_session,
};

#[component]
pub fn AccountSecurity() -> impl IntoView {
    let session = use_session();
    view! {
        <Show when=move || session.signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <main class="auth-card wide">
                <p class="switch"><A href="/console">"← Back to the console"</A></p>
                <h1>"Account security"</h1>
                <ChangePassword />
                <crate::pages::account_mfa::SignInProtection />
                <Sessions />
            </main>
        </Show>
    }
}

#[component]
fn ChangePassword() -> impl IntoView {
    let api = use_api();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    spawn_local(async move {
        match api.me().await {
            Ok(me) => email.set(me.account.email),
            Err(e) => error.set(Some(e)),
        }
    });
    let current_error =
        Signal::derive(move || current.with(String::is_empty).then(|| "Enter your current password.".to_string()));
    let new_error = Signal::derive(move || validate::password_problem(&new.get(), &email.get()));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if current_error.get().is_some() || new_error.get().is_some() || busy.get() {
            return;
        }
        busy.set(true);
        error.set(None);
        done.set(false);
        let req =
            ChangePasswordRequest { current_password: current.get_untracked(), new_password: new.get_untracked() };
        spawn_local(async move {
            match api.change_password(&req).await {
                Ok(()) => {
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <form on:submit=submit novalidate>
                <PasswordField label="Current password" name="current_password" value=current error=current_error />
                <PasswordField label="New password" name="new_password" autocomplete="new-password" value=new error=new_error
                    hint="At least 12 characters; not a common password." />
                <ErrorBox error=error />
                <Show when=move || done.get()>
                    <div class="alert ok" data-test="password-changed">"Password changed. Your other sessions were signed out."</div>
                </Show>
                <button type="submit" class="primary" disabled=move || busy.get()>"Change password"</button>
            </form>
        </section>
    }
}

#[component]
fn Sessions() -> impl IntoView {
    let api = use_api();
    let list = RwSignal::new(None::<Result<SessionList, ApiError>>);
    let error = RwSignal::new(None::<ApiError>);
    let reload = move || spawn_local(async move { list.set(Some(api.sessions().await)) });
    reload();
    let end = move |id: String| {
        spawn_local(async move {
            match api.end_session(&id).await {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    let end_others = move |_| {
        spawn_local(async move {
            match api.end_other_sessions().await {
                Ok(()) => reload(),
                Err(e) => error.set(Some(e)),
            }
        })
    };
    view! {
        <section class="card">
            <h2>"Where you're signed in"</h2>
            <ErrorBox error=error />
            {move || match list.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
                Some(Ok(l)) => {
                    let others = l.items.iter().filter(|s| !s.current).count();
                    view! {
                        <table class="grid compact" data-test="sessions">
                            <thead><tr><th>"Device"</th><th>"Address"</th><th>"Signed in"</th><th>"Last active"</th><th></th></tr></thead>
                            <tbody>
                                {l.items.into_iter().map(|s| {
                                    let id = s.id.clone();
                                    view! {
                                        <tr data-session=s.id.clone()>
                                            <td>{s.user_agent.clone().unwrap_or_else(|| "Unknown client".into())}</td>
                                            <td>{s.client_address.clone().unwrap_or_default()}</td>
                                            <td>{muster_model::display::date_time(&s.created_at)}</td>
                                            <td>{muster_model::display::date_time(&s.last_seen_at)}</td>
                                            <td>{if s.current {
                                                view! { <span class="badge ok">"This session"</span> }.into_any()
                                            } else {
                                                view! { <button type="button" class="ghost small" on:click=move |_| end(id.clone())>"Sign out"</button> }.into_any()
                                            }}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {if others == 0 {
                            view! { <p class="muted">"No other sessions: this is the only place you're signed in."</p> }.into_any()
                        } else {
                            view! { <button type="button" class="ghost" on:click=end_others>{format!("Sign out everywhere else ({others})")}</button> }.into_any()
                        }}
                    }.into_any()
                }
            }}
        </section>
    }
}
