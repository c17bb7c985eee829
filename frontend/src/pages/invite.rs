//! Invite: addresses checked as you type (valid, not in the domain, invalid,
//! repeated), an outcome for each after sending, and the invitations list
//! with delivery status, resend and revoke.

use std::collections::HashSet;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_query_map;
use muster_model::{
    display::{date, date_time},
    validate, DeliveryStatus, InvitationStatus, InviteOutcome, InviteRequest, InviteResponse, Job,
};

use crate::{
    api::ApiError,
    components::{ErrorBox, JobView, LoadMore, Paged},
    use_api,
};

/// Splits pasted text on lines, commas, semicolons and spaces.
pub fn split_addresses(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[derive(Default, Clone, Copy, PartialEq)]
struct Preview {
    valid: usize,
    invalid: usize,
    other_domain: usize,
    repeated: usize,
}

fn preview(addresses: &[String], domain: &str) -> Preview {
    let mut p = Preview::default();
    let mut seen = HashSet::new();
    for a in addresses {
        match validate::Email::parse(a) {
            Err(_) => p.invalid += 1,
            Ok(e) if e.domain() != domain => p.other_domain += 1,
            Ok(e) if !seen.insert(e.as_str().to_string()) => p.repeated += 1,
            Ok(_) => p.valid += 1,
        }
    }
    p
}

#[component]
pub fn Invite(enterprise_id: String, domain: String) -> impl IntoView {
    let api = use_api();
    let prefill = use_query_map().with_untracked(|q| q.get("email")).unwrap_or_default();
    let text = RwSignal::new(prefill);
    let send_now = RwSignal::new(true);
    let result = RwSignal::new(None::<InviteResponse>);
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let refresh = RwSignal::new(0u32);
    let id = StoredValue::new(enterprise_id.clone());
    let domain_c = domain.clone();
    let counts = Memo::new(move |_| preview(&split_addresses(&text.get()), &domain_c));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = InviteRequest {
            emails: split_addresses(&text.get_untracked()),
            send_invitations: Some(send_now.get_untracked()),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api.invite(&id.get_value(), &req).await {
                Ok(r) => {
                    if r.counts.invited > 0 {
                        text.set(String::new());
                    }
                    result.set(Some(r));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <h1>"Invite"</h1>
        <section class="card">
            <form on:submit=submit>
                <div class="field">
                    <label for="f-emails">{format!("Email addresses in {domain}")}</label>
                    <textarea id="f-emails" name="emails" rows="4" placeholder=format!("ada@{domain}, grace@{domain}")
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                    <p class="hint" data-test="invite-preview">{move || {
                        let p = counts.get();
                        let mut parts = vec![format!("{} to invite", p.valid)];
                        if p.other_domain > 0 { parts.push(format!("{} not in {}", p.other_domain, domain)); }
                        if p.invalid > 0 { parts.push(format!("{} not valid", p.invalid)); }
                        if p.repeated > 0 { parts.push(format!("{} repeated", p.repeated)); }
                        parts.join(" · ")
                    }}</p>
                </div>
                <label class="inline"><input type="checkbox" prop:checked=move || send_now.get() on:change=move |ev| send_now.set(event_target_checked(&ev)) />
                    " Send the invitation mail now (otherwise it waits for “Send pending”)"</label>
                <ErrorBox error=error />
                <button type="submit" class="primary" disabled=move || busy.get() || counts.get().valid == 0>
                    {move || if busy.get() { "Inviting…".to_string() } else { format!("Invite {}", counts.get().valid) }}
                </button>
            </form>
            {move || result.get().map(|r| view! { <Outcomes response=r /> })}
        </section>
        <SendPending enterprise_id=enterprise_id.clone() refresh=refresh />
        <Invitations enterprise_id=enterprise_id refresh=refresh />
    }
}

/// Mails every invitation staged without mail (launch day), as a job.
#[component]
fn SendPending(enterprise_id: String, refresh: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id.clone());
    let job = RwSignal::new(None::<Job>);
    let error = RwSignal::new(None::<ApiError>);
    let start = move |_| {
        spawn_local(async move {
            match api.send_pending(&id.get_value()).await {
                Ok(j) => {
                    job.set(Some(j));
                    refresh.update(|n| *n += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card row">
            <span>"Invitations staged without mail wait until you send them."</span>
            <button type="button" class="ghost" on:click=start>"Send pending invitations"</button>
            <ErrorBox error=error />
        </section>
        {move || job.get().map(|j| view! { <JobView enterprise_id=enterprise_id.clone() job=j /> })}
    }
}

#[component]
fn Outcomes(response: InviteResponse) -> impl IntoView {
    let c = &response.counts;
    let any_invited = c.invited > 0;
    let summary = format!(
        "{} invited, {} already members, {} already invited, {} not in the domain, {} not valid.",
        c.invited, c.already_member, c.already_invited, c.not_in_domain, c.invalid
    );
    view! {
        <div class="result" class:ok=any_invited data-test="invite-results">
            <p><strong>{summary}</strong></p>
            <table class="grid compact">
                <thead><tr><th>"Address"</th><th>"Result"</th><th></th></tr></thead>
                <tbody>
                    {response.results.into_iter().map(|r| view! {
                        <tr>
                            <td>{r.email}</td>
                            <td><span class=if r.outcome == InviteOutcome::Invited { "badge ok" } else { "badge warn" }>{r.outcome.as_str().replace('_', " ")}</span></td>
                            <td class="muted">{r.detail.unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn Invitations(enterprise_id: String, refresh: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let status = RwSignal::new(None::<InvitationStatus>);
    let invitations = Paged::new(move |after: Option<String>| {
        let (id, status) = (id.get_value(), status.get_untracked());
        async move { api.invitations(&id, status, after.as_deref()).await.map(|p| (p.items, p.next_cursor)) }
    });
    let (items, error) = (invitations.items, invitations.error);
    Effect::new(move |_| {
        refresh.track();
        status.track();
        invitations.reload();
    });
    let act = move |invitation: String, revoke: bool| {
        spawn_local(async move {
            let done = if revoke {
                api.revoke_invitation(&id.get_value(), &invitation).await
            } else {
                api.resend_invitation(&id.get_value(), &invitation).await.map(|_| ())
            };
            match done {
                Ok(()) => invitations.reload(),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card">
            <div class="card-head">
                <h2>"Invitations"</h2>
                <span class="spacer"></span>
                <select aria-label="Filter invitations by status" on:change=move |ev| status.set(InvitationStatus::parse(&event_target_value(&ev)))>
                    <option value="">"All"</option>
                    <option value="pending">"Pending"</option>
                    <option value="expired">"Expired"</option>
                    <option value="accepted">"Accepted"</option>
                    <option value="revoked">"Revoked"</option>
                </select>
            </div>
            <ErrorBox error=error />
            <Show when=move || invitations.is_empty()>
                <div class="empty"><p>"No invitations here yet. Enter addresses above to invite people."</p></div>
            </Show>
            <Show when=move || !items.with(Vec::is_empty)>
                <table class="grid" data-test="invitations-table">
                    <thead><tr><th>"Email"</th><th>"Status"</th><th>"Mail"</th><th>"Sent"</th><th>"Expires"</th><th></th></tr></thead>
                    <tbody>
                        <For each=move || items.get() key=|i| (i.id.clone(), i.sent_at.clone(), i.status.as_str(), i.delivery.as_str()) let:i>
                            {
                                let pending = matches!(i.status, InvitationStatus::Pending | InvitationStatus::Expired);
                                let (resend_id, revoke_id) = (i.id.clone(), i.id.clone());
                                view! {
                                    <tr data-email=i.email.clone()>
                                        <td>{i.email.clone()}</td>
                                        <td><span class="badge" class:ok=i.status == InvitationStatus::Accepted class:warn=pending class:bad=i.status == InvitationStatus::Revoked>{i.status.as_str()}</span></td>
                                        <td title=i.delivery_error.clone().unwrap_or_default()>{delivery_text(i.delivery)}</td>
                                        <td class="muted">{i.sent_at.as_deref().map(date_time).unwrap_or_else(|| "—".into())}</td>
                                        <td class="muted">{date(&i.expires_at)}</td>
                                        <td>
                                            <Show when=move || pending>
                                                <button type="button" class="ghost small" on:click={let id = resend_id.clone(); move |_| act(id.clone(), false)}>"Resend"</button>
                                                <button type="button" class="ghost small" on:click={let id = revoke_id.clone(); move |_| act(id.clone(), true)}>"Revoke"</button>
                                            </Show>
                                        </td>
                                    </tr>
                                }
                            }
                        </For>
                    </tbody>
                </table>
            </Show>
            <LoadMore paged=invitations />
        </section>
    }
}

fn delivery_text(d: DeliveryStatus) -> &'static str {
    match d {
        DeliveryStatus::NotSent => "not sent yet",
        DeliveryStatus::Queued => "queued",
        DeliveryStatus::Sent => "sent",
        DeliveryStatus::Retrying => "retrying",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_on_lines_commas_and_semicolons() {
        assert_eq!(split_addresses("a@x.io, b@x.io;\nc@x.io\n\n  "), vec!["a@x.io", "b@x.io", "c@x.io"]);
        let p = preview(&split_addresses("a@x.io a@x.io b@y.io nope"), "x.io");
        assert_eq!((p.valid, p.repeated, p.other_domain, p.invalid), (1, 1, 1, 1));
    }
}
