//! Dashboard: the enterprise at a glance, and the PMA's plan choice.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{BillingCycle, Enterprise, EnterpriseKind, MemberCounts, Plan, Role, UpdateEnterpriseRequest};

use crate::{
    api::ApiError,
    components::{ErrorBox, LoadError, StatusBadge},
    use_api,
};

#[component]
pub fn Dashboard(
    enterprise: Enterprise,
    on_change: impl Fn(Enterprise) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let api = use_api();
    let plan = RwSignal::new(enterprise.plan);
    let cycle = RwSignal::new(enterprise.billing_cycle);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let id = enterprise.id.clone();
    let (current_plan, current_cycle) = (enterprise.plan, enterprise.billing_cycle);
    let dirty = move || plan.get() != current_plan || cycle.get() != current_cycle;
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let id = id.clone();
        let req = UpdateEnterpriseRequest {
            plan: Some(plan.get()),
            billing_cycle: Some(cycle.get()),
            require_admin_mfa: None,
        };
        spawn_local(async move {
            match api.update_enterprise(&id, &req).await {
                Ok(e) => {
                    saved.set(true);
                    on_change(e);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let is_pma = enterprise.role == Role::Pma;
    // The counts are a console module: an unverified domain has none to show yet.
    let counted = enterprise.domain_status != muster_model::DomainStatus::Unverified;
    let counts_of = StoredValue::new(enterprise.id.clone());
    let counts = LocalResource::new(move || async move {
        if counted {
            api.member_counts(&counts_of.get_value()).await.map(Some)
        } else {
            Ok(None)
        }
    });
    view! {
        <h1>"Dashboard"</h1>
        <Transition fallback=|| ()>
            <ErrorBoundary fallback=|errors| view! { <LoadError errors /> }>
                {move || counts.get().map(|loaded| loaded.map(|c| c.map(counts_view)))}
            </ErrorBoundary>
        </Transition>

        <div class="cards">
            <div class="stat"><span class="label">"Domain"</span><span class="value">{enterprise.domain.clone()}</span><StatusBadge status=enterprise.domain_status /></div>
            <div class="stat"><span class="label">"Plan"</span><span class="value" data-test="plan">{match enterprise.plan { Plan::Free => "Free", Plan::Premium => "Premium" }}</span>
                <span class="muted">{match enterprise.billing_cycle { BillingCycle::Monthly => "billed monthly", BillingCycle::Annual => "billed annually" }}</span></div>
            <div class="stat"><span class="label">"Kind"</span><span class="value">{match enterprise.kind { EnterpriseKind::Online => "Online sign-up", EnterpriseKind::Contract => "Contract" }}</span>
                <span class="muted">{enterprise.seat_cap.map(|n| format!("{n} managed seats")).unwrap_or_else(|| "no seat cap".into())}</span></div>
            <div class="stat"><span class="label">"Your role"</span><span class="value">{if is_pma { "Primary Master Admin" } else { "Admin" }}</span></div>
        </div>
        <section class="card">
            <h2>"Plan"</h2>
            <Show when=move || is_pma fallback=|| view! { <p class="muted">"Only the Primary Master Admin can change the plan."</p> }>
                <form on:submit=save.clone() class="row">
                    <label class="inline">"Plan "
                        <select name="plan" on:change=move |ev| plan.set(Plan::parse(&event_target_value(&ev)).unwrap_or_default())>
                            <option value="free" selected=move || plan.get() == Plan::Free>"Free"</option>
                            <option value="premium" selected=move || plan.get() == Plan::Premium>"Premium (adds Analytics)"</option>
                        </select>
                    </label>
                    <label class="inline">"Billing "
                        <select name="billing_cycle" on:change=move |ev| cycle.set(BillingCycle::parse(&event_target_value(&ev)).unwrap_or_default())>
                            <option value="monthly" selected=move || cycle.get() == BillingCycle::Monthly>"Monthly"</option>
                            <option value="annual" selected=move || cycle.get() == BillingCycle::Annual>"Annual"</option>
                        </select>
                    </label>
                    <button type="submit" class="primary" disabled=move || busy.get() || !dirty()>"Save plan"</button>
                    <Show when=move || saved.get()><span class="muted">"Saved."</span></Show>
                </form>
                <ErrorBox error=error />
            </Show>
        </section>
        <AdminSignInPolicy enterprise=enterprise.clone() on_change=on_change />
    }
}

/// The PMA's `require_admin_mfa`, saved on change; others see what it is.
#[component]
fn AdminSignInPolicy(
    enterprise: Enterprise,
    on_change: impl Fn(Enterprise) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let api = use_api();
    let required = RwSignal::new(enterprise.require_admin_mfa);
    let error = RwSignal::new(None::<ApiError>);
    let id = StoredValue::new(enterprise.id.clone());
    let is_pma = enterprise.role == Role::Pma;
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        error.set(None);
        let req = UpdateEnterpriseRequest { plan: None, billing_cycle: None, require_admin_mfa: Some(on) };
        spawn_local(async move {
            match api.update_enterprise(&id.get_value(), &req).await {
                Ok(e) => {
                    required.set(e.require_admin_mfa);
                    on_change(e);
                }
                Err(e) => {
                    required.set(!on);
                    error.set(Some(e));
                }
            }
        });
    };
    view! {
        <section class="card" data-test="mfa-policy">
            <h2>"Admin sign-in"</h2>
            <Show when=move || is_pma fallback=move || view! {
                <p class="muted">{move || if required.get() {
                    "Every admin must use two-step verification (set by the Primary Master Admin)."
                } else {
                    "Two-step verification is up to each admin. Only the Primary Master Admin can require it."
                }}</p>
            }>
                <label class="check">
                    <input type="checkbox" name="require_admin_mfa" prop:checked=move || required.get() on:change=toggle />
                    " Require two-step verification for every admin"
                </label>
                <p class="hint">"Admins without it cannot open the console, and their API tokens stop working, until they set it up. Turn it on for your own account first."</p>
                <ErrorBox error=error />
            </Show>
        </section>
    }
}

fn counts_view(c: MemberCounts) -> impl IntoView {
    view! {
        <div class="cards" data-test="member-counts">
                <div class="stat"><span class="label">"Managed"</span><span class="value">{c.managed}</span><span class="muted">"billed seats"</span></div>
                <div class="stat"><span class="label">"Unmanaged"</span><span class="value">{c.unmanaged}</span><span class="muted">"enrolled, not billed"</span></div>
                <div class="stat"><span class="label">"Invited"</span><span class="value">{c.invited}</span><span class="muted">"not accepted yet"</span></div>
                <div class="stat"><span class="label">"Suspended"</span><span class="value">{c.suspended}</span></div>
            </div>
    }
}
