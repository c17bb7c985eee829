//! The signed-in state: the bearer token (kept in sessionStorage, so a reload
//! keeps the session but it never outlives the tab, and is not in the
//! long-lived localStorage that any script of the origin could read later;
//! the server decides whether it is still alive) and the notice shown on the
//! sign-in page after the server ended the session.

use leptos::prelude::*;

const KEY: &str = "muster.token";

#[derive(Clone, Copy)]
pub struct Session {
    token: RwSignal<Option<String>>,
    /// Why the last session ended, shown once on the sign-in page.
    pub notice: RwSignal<Option<String>>,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

impl Session {
    pub fn load() -> Self {
        // Tokens an older build left in localStorage are dropped, not carried over.
        if let Some(old) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let _ = old.remove_item(KEY);
        }
        let saved = storage().and_then(|s| s.get_item(KEY).ok().flatten());
        Self { token: RwSignal::new(saved), notice: RwSignal::new(None) }
    }

    pub fn token(&self) -> Option<String> {
        self.token.get_untracked()
    }

    pub fn signed_in(&self) -> bool {
        self.token.with(Option::is_some)
    }

    pub fn start(&self, token: String) {
        if let Some(s) = storage() {
            let _ = s.set_item(KEY, &token);
        }
        self.notice.set(None);
        self.token.set(Some(token));
    }

    pub fn end(&self) {
        if let Some(s) = storage() {
            let _ = s.remove_item(KEY);
        }
        self.token.set(None);
    }

    /// The server refused the token (idle timeout, logout elsewhere): say why.
    pub fn expire(&self, why: &str) {
        self.notice.set(Some(why.to_string()));
        self.end();
    }
}
