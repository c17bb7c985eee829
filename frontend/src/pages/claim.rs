//! The claim wizard: pick a plan for the domain of your email address, then
//! go straight to Domain Management to verify it.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::{
    components::{Redirect, A},
    hooks::use_navigate,
};
use muster_model::{validate, BillingCycle, ClaimForwarded, ClaimRequest, Me, Module, Plan};

use crate::{api::ApiError, components::ErrorBox, use_api, use_session};

#[component]
pub fn Claim() -> impl IntoView {
    let api = use_api();
    let session = use_session();
    // Stored so the submit handler stays `Copy` and can live inside `<Show>`.
    let navigate = StoredValue::new_local(use_navigate());
    let me = RwSignal::new(None::<Result<Me, ApiError>>);
    let plan = RwSignal::new(Plan::Free);
    let cycle = RwSignal::new(BillingCycle::Monthly);
    let error = RwSignal::new(None::<ApiError>);
    let forwarded = RwSignal::new(None::<ClaimForwarded>);
    let busy = RwSignal::new(false);
    spawn_local(async move { me.set(Some(api.me().await)) });
    let domain = move || {
        me.with(|m| {
            m.as_ref()
                .and_then(|m| m.as_ref().ok())
                .map(|m| m.account.email.rsplit('@').next().unwrap_or("").to_string())
        })
    };
    let public = move || domain().map(|d| validate::is_public_mail_domain(&d)).unwrap_or(false);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let req = ClaimRequest { plan: Some(plan.get()), billing_cycle: Some(cycle.get()) };
        spawn_local(async move {
            match api.claim(&req).await {
                Ok(Ok(e)) => navigate.with_value(|go| go(&format!("/console/{}/domain", e.id), Default::default())),
                Ok(Err(f)) => forwarded.set(Some(f)),
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    let plan_card = move |p: Plan, title: &'static str, blurb: &'static str| {
        let modules = Module::ALL
            .iter()
            .filter(|m| p == Plan::Premium || !m.requires_premium())
            .map(|m| m.title())
            .collect::<Vec<_>>()
            .join(" · ");
        view! {
            <label class="plan" class:selected=move || plan.get() == p>
                <input type="radio" name="plan" value=p.as_str() prop:checked=move || plan.get() == p on:change=move |_| plan.set(p) />
                <strong>{title}</strong>
                <span>{blurb}</span>
                <small class="muted">{modules}</small>
            </label>
        }
    };

    view! {
        <Show when=move || session.signed_in() fallback=|| view! { <Redirect path="/sign-in" /> }>
            <main class="auth-card wide">
                <ol class="steps"><li class="done">"Account"</li><li class="current">"Claim domain"</li><li>"Verify domain"</li><li>"Console"</li></ol>
                <h1>"Claim your domain"</h1>
                {move || forwarded.get().map(|f| view! {
                    <div class="alert warn" data-test="forwarded"><p><strong>"We told the domain's admin."</strong></p><p>{f.detail}</p></div>
                })}
                <Show when=move || forwarded.get().is_none()>
                    <p class="lead">
                        "You claim "
                        <strong data-test="claim-domain">{move || domain().unwrap_or_else(|| "…".into())}</strong>
                        " and verify it next; until then only Domain Management is open. If others claim it too, the first to verify becomes its Primary Master Admin."
                    </p>
                    <Show when=public>
                        <div class="alert error" role="alert">
                            {move || format!("{} is a public mail provider and cannot be claimed. Sign up with your company address.", domain().unwrap_or_default())}
                        </div>
                    </Show>
                    <form on:submit=submit>
                        <fieldset>
                            <legend>"Plan"</legend>
                            <div class="plans">
                                {plan_card(Plan::Free, "Free", "Enrollment, users, billing, audit log.")}
                                {plan_card(Plan::Premium, "Premium", "Everything in Free, plus Analytics.")}
                            </div>
                        </fieldset>
                        <fieldset>
                            <legend>"Billing cycle"</legend>
                            <label class="inline"><input type="radio" name="cycle" prop:checked=move || cycle.get() == BillingCycle::Monthly on:change=move |_| cycle.set(BillingCycle::Monthly) />" Monthly"</label>
                            <label class="inline"><input type="radio" name="cycle" prop:checked=move || cycle.get() == BillingCycle::Annual on:change=move |_| cycle.set(BillingCycle::Annual) />" Annual"</label>
                        </fieldset>
                        <ErrorBox error=error />
                        <button type="submit" class="primary" disabled=move || busy.get() || public() || domain().is_none()>
                            {move || if busy.get() { "Claiming…" } else { "Claim domain" }}
                        </button>
                    </form>
                </Show>
                <p class="switch"><A href="/console">"Back"</A></p>
            </main>
        </Show>
    }
}
