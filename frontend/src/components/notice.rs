//! Error boxes, status badges and copy buttons.

use leptos::prelude::*;
use muster_model::DomainStatus;

use crate::api::ApiError;

/// The server's words for a failed call, or nothing.
#[component]
pub fn ErrorBox(#[prop(into)] error: Signal<Option<ApiError>>) -> impl IntoView {
    move || error.get().map(|e| view! { <div class="alert error" role="alert">{e.detail}</div> })
}

/// The fallback of an `ErrorBoundary` around a load: each failure in words.
#[component]
pub fn LoadError(errors: ArcRwSignal<Errors>) -> impl IntoView {
    move || {
        errors
            .get()
            .into_iter()
            .map(|(_, e)| view! { <div class="alert error" role="alert">{e.to_string()}</div> })
            .collect_view()
    }
}

#[component]
pub fn StatusBadge(status: DomainStatus) -> impl IntoView {
    let (class, text) = match status {
        DomainStatus::Verified => ("badge ok", "Verified"),
        DomainStatus::AtRisk => ("badge warn", "At risk"),
        DomainStatus::Unverified => ("badge bad", "Unverified"),
    };
    view! { <span class=class data-status=status.as_str()>{text}</span> }
}

/// Copies `text` to the clipboard and says so for two seconds.
#[component]
pub fn CopyButton(#[prop(into)] text: String, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let text = text.clone();
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
        }
        copied.set(true);
        leptos::task::spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(2000).await;
            copied.set(false);
        });
    };
    view! {
        <button type="button" class="ghost small" on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}
