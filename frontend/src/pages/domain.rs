//! Domain Management: status, TXT and meta-tag instructions with copy buttons,
//! and "Check now" with exactly what each check saw.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{DomainStatus, Enterprise, VerificationMethod, VerificationResult};

use crate::{
    api::ApiError,
    components::{CopyButton, ErrorBox, StatusBadge},
    use_api,
};

#[component]
pub fn DomainManagement(enterprise: Enterprise, on_change: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let api = use_api();
    let method = RwSignal::new(None::<VerificationMethod>);
    let result = RwSignal::new(enterprise.last_check.clone());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let id = enterprise.id.clone();
    let before = enterprise.domain_status;
    let check = move |_| {
        busy.set(true);
        error.set(None);
        let id = id.clone();
        spawn_local(async move {
            match api.verify_domain(&id, method.get_untracked()).await {
                Ok(r) => {
                    let changed = r.domain_status != before;
                    result.set(Some(r));
                    if changed {
                        on_change();
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    let status_text = match enterprise.domain_status {
        DomainStatus::Verified => format!("{} is verified. Keep the record in place: Muster re-checks it daily.", enterprise.domain),
        DomainStatus::AtRisk => format!(
            "The daily check no longer finds the token. Put it back before {} or the console closes (members and seats are never changed).",
            enterprise.grace_ends_at.clone().unwrap_or_default()
        ),
        DomainStatus::Unverified => "Prove you control the domain with one of the two methods below. Muster also keeps checking in the background for 72 hours, so you can close this page.".into(),
    };

    view! {
        <h1>"Domain Management"</h1>
        <section class="card">
            <div class="card-head">
                <h2 data-test="domain-name">{enterprise.domain.clone()}</h2>
                <StatusBadge status=enterprise.domain_status />
            </div>
            <p>{status_text}</p>
            {enterprise.verified_at.clone().map(|t| view! { <p class="muted">"Verified at " {t}</p> })}
            {(enterprise.domain_status == DomainStatus::Unverified && enterprise.open_claims > 1).then(|| view! {
                <div class="alert warn" data-test="open-claims">
                    {format!(
                        "{} people are trying to verify {}: the first to verify becomes its admin, and the other claims close.",
                        enterprise.open_claims, enterprise.domain
                    )}
                </div>
            })}
        </section>
        {enterprise.verification.clone().map(|v| view! {
            <section class="card">
                <h2>"Option 1: DNS TXT record"</h2>
                <p>"Add this TXT record at your DNS provider. The apex (" <code>{v.txt_record_alt_name.clone()}</code> ") works too."</p>
                <table class="kv">
                    <tr><th>"Type"</th><td><code>"TXT"</code></td><td></td></tr>
                    <tr><th>"Name"</th><td><code data-test="txt-name">{v.txt_record_name.clone()}</code></td><td><CopyButton text=v.txt_record_name.clone() /></td></tr>
                    <tr><th>"Value"</th><td><code data-test="txt-value">{v.txt_record_value.clone()}</code></td><td><CopyButton text=v.txt_record_value.clone() /></td></tr>
                </table>
            </section>
            <section class="card">
                <h2>"Option 2: HTML meta tag"</h2>
                <p>"Put this tag in the " <code>"<head>"</code> " of " <code>{v.meta_url.clone()}</code> "."</p>
                <table class="kv">
                    <tr><th>"Tag"</th><td><code data-test="meta-tag">{v.meta_tag.clone()}</code></td><td><CopyButton text=v.meta_tag.clone() /></td></tr>
                </table>
            </section>
            <section class="card">
                <h2>"Check now"</h2>
                <div class="row">
                    <label class="inline"><input type="radio" name="method" prop:checked=move || method.get().is_none() on:change=move |_| method.set(None) />" Both"</label>
                    <label class="inline"><input type="radio" name="method" prop:checked=move || method.get() == Some(VerificationMethod::DnsTxt) on:change=move |_| method.set(Some(VerificationMethod::DnsTxt)) />" DNS TXT"</label>
                    <label class="inline"><input type="radio" name="method" prop:checked=move || method.get() == Some(VerificationMethod::MetaTag) on:change=move |_| method.set(Some(VerificationMethod::MetaTag)) />" Meta tag"</label>
                    <button type="button" class="primary" on:click=check.clone() disabled=move || busy.get() data-test="check-now">
                        {move || if busy.get() { "Checking…" } else { "Check now" }}
                    </button>
                </div>
                <ErrorBox error=error />
                {move || result.get().map(|r| view! { <CheckResult result=r /> })}
            </section>
        })}
        {enterprise.verification.is_none().then(|| view! {
            <section class="card"><p>"This domain was assigned by contract: there is nothing to verify."</p></section>
        })}
    }
}

#[component]
fn CheckResult(result: VerificationResult) -> impl IntoView {
    view! {
        <div class=if result.verified { "result ok" } else { "result bad" } data-test="check-result">
            <p><strong>{if result.verified { "Verified." } else { "Not verified yet." }}</strong> <span class="muted">" Checked at " {result.checked_at.clone()}</span></p>
            <ul>
                {result.checks.into_iter().map(|c| view! {
                    <li class:ok=c.verified>
                        <strong>{match c.method { VerificationMethod::DnsTxt => "DNS TXT", VerificationMethod::MetaTag => "Meta tag" }}": "</strong>
                        {c.detail}
                    </li>
                }).collect_view()}
            </ul>
        </div>
    }
}
