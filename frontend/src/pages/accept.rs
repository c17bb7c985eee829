//! Accepting an invitation: opening the page only looks the invitation up
//! (mail scanners open links); the person confirms. The account is matched
//! only by proof: a new or never-activated account gets the password chosen
//! here; an active one needs its password unless this tab is signed in as it.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{components::A, hooks::use_query_map};
use muster_model::{validate, AcceptInvitationRequest, InvitationLookup};

use crate::{
    api::ApiError,
    components::{ErrorBox, PasswordField},
    use_api, use_session,
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// No account, or one never activated: the password chosen here is set.
    NewPassword,
    /// An active account this tab is not signed in as.
    CurrentPassword,
    Nothing,
}

#[component]
pub fn AcceptInvitation() -> impl IntoView {
    let api = use_api();
    let token = StoredValue::new(use_query_map().with_untracked(|q| q.get("token")).unwrap_or_default());
    let lookup = RwSignal::new(None::<Result<InvitationLookup, ApiError>>);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    // The address this tab is signed in as, if any: proof enough for an active account.
    let signed_in_as = RwSignal::new(None::<String>);
    let session = use_session();
    spawn_local(async move {
        if session.signed_in() {
            // A session that has ended is simply "not signed in" here: the page offers both ways.
            if let Ok(me) = api.me().await {
                signed_in_as.set(Some(me.account.email));
            }
        }
        lookup.set(Some(api.lookup_invitation(&token.get_value()).await))
    });
    let email =
        move || lookup.with(|l| l.as_ref().and_then(|r| r.as_ref().ok()).map(|l| l.email.clone()).unwrap_or_default());
    let ask = move || {
        lookup.with(|l| match l {
            Some(Ok(l)) if !l.account_active => Ask::NewPassword,
            Some(Ok(l)) if signed_in_as.with(|s| s.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(&l.email))) => {
                Ask::Nothing
            }
            Some(Ok(_)) => Ask::CurrentPassword,
            _ => Ask::Nothing,
        })
    };
    let password_error = Signal::derive(move || match ask() {
        Ask::NewPassword => validate::password_problem(&password.get(), &email()),
        Ask::CurrentPassword => password.with(String::is_empty).then(|| "Enter the password of your account.".into()),
        Ask::Nothing => None,
    });

    let accept = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password_error.get().is_some() || busy.get() {
            return;
        }
        busy.set(true);
        let req = AcceptInvitationRequest {
            token: token.get_value(),
            password: (ask() != Ask::Nothing).then(|| password.get()),
            first_name: None,
            last_name: None,
        };
        spawn_local(async move {
            match api.accept_invitation(&req).await {
                Ok(_) => done.set(true),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    view! {
        <main class="auth-card">
            <h1>"Join your enterprise"</h1>
            {move || match lookup.get() {
                None => view! { <p class="muted">"Looking up the invitation…"</p> }.into_any(),
                Some(Err(e)) => view! { <div class="alert error" role="alert">{e.detail}</div> }.into_any(),
                Some(Ok(_)) if done.get() => view! {
                    <div class="alert ok" data-test="accepted"><p>"You're in. Sign in as " {email()} "."</p></div>
                    <A href="/sign-in" attr:class="button primary">"Sign in"</A>
                }.into_any(),
                Some(Ok(l)) => view! {
                    <p class="lead">
                        {l.invited_by.clone().map(|who| format!("{who} invited ")).unwrap_or_else(|| "You are invited: ".into())}
                        <strong>{l.email.clone()}</strong> " to " <strong>{l.enterprise_domain.clone()}</strong>
                        {if l.grants_admin { " as its administrator." } else { "." }}
                    </p>
                    <form on:submit=accept novalidate>
                        <Show when=move || ask() == Ask::NewPassword>
                            <PasswordField label="Choose a password" name="password" autocomplete="new-password" value=password error=password_error
                                hint="At least 12 characters; not a common password." />
                        </Show>
                        <Show when=move || ask() == Ask::CurrentPassword>
                            <p class="muted">{move || format!("{} already has a Muster account. Enter its password to join.", email())}</p>
                            <PasswordField label="Your Muster password" name="password" value=password error=password_error />
                            <p class="switch"><A href="/forgot-password">"Forgot your password?"</A></p>
                        </Show>
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get()>"Accept invitation"</button>
                    </form>
                }.into_any(),
            }}
        </main>
    }
}
