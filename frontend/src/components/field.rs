//! Form fields that validate as you type: the message appears once the person
//! has typed something (or tried to submit), using the same rules as the server.

use leptos::prelude::*;

/// A labelled input bound to `value`; `check` returns the problem in words.
#[component]
pub fn Field(
    label: &'static str,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    /// Shown under the field while `Some`.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let touched = RwSignal::new(false);
    let shown = move || {
        if touched.get() || !value.with(String::is_empty) {
            error.get()
        } else {
            None
        }
    };
    view! {
        <div class="field" class:invalid=move || shown().is_some()>
            <label for=id.clone()>{label}</label>
            <input
                id=id.clone()
                name=name
                type=kind
                autocomplete=autocomplete
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                on:blur=move |_| touched.set(true)
                aria-invalid=move || if shown().is_some() { "true" } else { "false" }
            />
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" role="alert">{move || shown().unwrap_or_default()}</p>
        </div>
    }
}

/// A password field with a show/hide toggle.
#[component]
pub fn PasswordField(
    label: &'static str,
    #[prop(into)] name: String,
    value: RwSignal<String>,
    #[prop(default = "current-password")] autocomplete: &'static str,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("f-{name}");
    let visible = RwSignal::new(false);
    let touched = RwSignal::new(false);
    let shown = move || {
        if touched.get() || !value.with(String::is_empty) {
            error.get()
        } else {
            None
        }
    };
    view! {
        <div class="field" class:invalid=move || shown().is_some()>
            <label for=id.clone()>{label}</label>
            <div class="with-button">
                <input
                    id=id.clone()
                    name=name
                    type=move || if visible.get() { "text" } else { "password" }
                    autocomplete=autocomplete
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                    on:blur=move |_| touched.set(true)
                />
                <button type="button" class="ghost" on:click=move |_| visible.update(|v| *v = !*v)>
                    {move || if visible.get() { "Hide" } else { "Show" }}
                </button>
            </div>
            {hint.map(|h| view! { <p class="hint">{h}</p> })}
            <p class="field-error" role="alert">{move || shown().unwrap_or_default()}</p>
        </div>
    }
}
