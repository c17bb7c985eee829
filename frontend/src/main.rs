//! Muster's admin console: a Leptos client-side app served by the API at `/`.

mod api;
mod components;
mod pages;
mod session;

use leptos::prelude::*;
use leptos_router::{
    components::{Redirect, Route, Router, Routes, A},
    path,
};

use crate::{api::Api, session::Session};

pub fn use_session() -> Session {
    expect_context::<Session>()
}

pub fn use_api() -> Api {
    expect_context::<Api>()
}

#[component]
fn App() -> impl IntoView {
    let session = Session::load();
    provide_context(session);
    provide_context(Api::new(session));
    view! {
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=Home />
                <Route path=path!("/sign-up") view=pages::sign_up::SignUp />
                <Route path=path!("/sign-in") view=pages::sign_in::SignIn />
                <Route path=path!("/activate") view=pages::activate::Activate />
                <Route path=path!("/forgot-password") view=pages::password_reset::ForgotPassword />
                <Route path=path!("/reset-password") view=pages::password_reset::ResetPassword />
                <Route path=path!("/account/security") view=pages::account_security::AccountSecurity />
                <Route path=path!("/invitations/accept") view=pages::accept::AcceptInvitation />
                <Route path=path!("/claim") view=pages::claim::Claim />
                <Route path=path!("/console") view=pages::enterprises::Enterprises />
                <Route path=path!("/console/:e/:module") view=pages::console::Console />
            </Routes>
        </Router>
    }
}

#[component]
fn Home() -> impl IntoView {
    let session = use_session();
    move || {
        if session.signed_in() {
            view! { <Redirect path="/console" /> }
        } else {
            view! { <Redirect path="/sign-in" /> }
        }
    }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="auth-card">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href="/">"Go to Muster"</A>
        </main>
    }
}

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}
