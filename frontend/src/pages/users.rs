//! Users: search and filter on the server, page by cursor, select many and
//! make them managed or unmanaged; suspend and restore one.

use std::collections::HashSet;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;
use muster_model::{AdminEntry, MemberState, Role, TransferOwnershipRequest, UpdateMemberRequest};

use crate::{
    api::ApiError,
    components::{entered, ErrorBox, LoadMore, Paged, PasswordField},
    use_api,
};

/// The enterprise's admins; the PMA can remove them (and add them from the
/// table) and hand the Primary Master Admin role to one of them.
#[component]
fn Admins(enterprise_id: String, is_pma: bool, admins: RwSignal<Vec<AdminEntry>>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let error = RwSignal::new(None::<ApiError>);
    // The admin the PMA is about to hand ownership to.
    let handing_to = RwSignal::new(None::<AdminEntry>);
    let remove = move |account: String| {
        spawn_local(async move {
            match api.revoke_admin(&id.get_value(), &account).await {
                Ok(()) => admins.update(|a| a.retain(|x| x.account_id != account)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" data-test="admins">
            <h2>"Admins"</h2>
            <p class="muted">"Admins can do everything in the console except change the plan or manage admins."</p>
            <ul class="choices">
                {move || admins.get().into_iter().map(|a| {
                    let account = a.account_id.clone();
                    let entry = a.clone();
                    view! {
                        <li>{a.email.clone()} " " <span class="muted">{if a.role == Role::Pma { "Primary Master Admin" } else { "Admin" }}</span>
                            {(is_pma && a.role != Role::Pma).then(|| view! {
                                " " <button type="button" class="ghost small" on:click=move |_| remove(account.clone())>"Remove"</button>
                                " " <button type="button" class="ghost small" on:click=move |_| handing_to.set(Some(entry.clone()))>"Make Primary Master Admin"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ErrorBox error=error />
            {move || handing_to.get().map(|to| view! { <TransferOwnership enterprise_id=id.get_value() to=to handing_to=handing_to /> })}
        </section>
    }
}

/// Confirms the hand-over with the PMA's password; the page reloads with the new roles.
#[component]
fn TransferOwnership(enterprise_id: String, to: AdminEntry, handing_to: RwSignal<Option<AdminEntry>>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let password_error = entered(password, "Enter your password.");
    let account = to.account_id.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if password_error.get().is_some() || busy.get() {
            return;
        }
        busy.set(true);
        let req = TransferOwnershipRequest { account_id: account.clone(), password: password.get(), code: None };
        spawn_local(async move {
            match api.transfer_ownership(&id.get_value(), &req).await {
                Ok(_) => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.location().reload();
                    }
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="card" data-test="transfer-ownership" on:submit=submit novalidate>
            <h3>{format!("Make {} the Primary Master Admin", to.email)}</h3>
            <p class="muted">"They will manage admins, the plan and billing. You stay an admin. Both of you are mailed."</p>
            <PasswordField label="Your password" name="transfer_password" value=password error=password_error />
            <ErrorBox error=error />
            <button type="submit" class="primary" disabled=move || busy.get()>"Transfer ownership"</button>
            " "
            <button type="button" class="ghost" on:click=move |_| handing_to.set(None)>"Cancel"</button>
        </form>
    }
}

#[component]
pub fn Users(enterprise_id: String, is_pma: bool) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id.clone());
    let search = RwSignal::new(String::new());
    let state = RwSignal::new(None::<MemberState>);
    let selected = RwSignal::new(HashSet::<String>::new());
    let notice = RwSignal::new(None::<String>);
    let members = Paged::new(move |after: Option<String>| {
        let (id, filter, search) = (id.get_value(), state.get_untracked(), search.get_untracked());
        async move { api.users(&id, filter, &search, after.as_deref()).await.map(|p| (p.items, p.next_cursor)) }
    });
    let (items, error) = (members.items, members.error);
    let load = move || {
        selected.set(HashSet::new());
        members.reload();
    };
    Effect::new(move |_| {
        state.track();
        load();
    });
    let bulk = move |managed: bool| {
        let ids: Vec<String> = selected.get_untracked().into_iter().collect();
        error.set(None);
        spawn_local(async move {
            match api.set_managed(&id.get_value(), ids, managed).await {
                Ok(r) => {
                    let verb = if managed { "managed" } else { "unmanaged" };
                    let skipped = if r.skipped.is_empty() {
                        String::new()
                    } else {
                        format!(" {} skipped (not enrolled yet, or already {verb}).", r.skipped.len())
                    };
                    notice.set(Some(format!(
                        "{} made {verb}.{skipped} Managed seats in use: {}.",
                        r.changed, r.managed_seats
                    )));
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let set_state = move |member: String, to: MemberState| {
        error.set(None);
        spawn_local(async move {
            let req = UpdateMemberRequest { state: Some(to), ..Default::default() };
            match api.update_user(&id.get_value(), &member, &req).await {
                Ok(m) => items.update(|list| {
                    if let Some(slot) = list.iter_mut().find(|x| x.id == m.id) {
                        *slot = m;
                    }
                }),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let admins = RwSignal::new(Vec::<AdminEntry>::new());
    spawn_local(async move {
        match api.admins(&id.get_value()).await {
            Ok(list) => admins.set(list),
            Err(e) => error.set(Some(e)),
        }
    });
    let make_admin = move |account: String| {
        error.set(None);
        spawn_local(async move {
            match api.grant_admin(&id.get_value(), &account).await {
                Ok(entry) => admins.update(|a| a.push(entry)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let toggle = move |member: String| {
        selected.update(|s| {
            if !s.remove(&member) {
                s.insert(member);
            }
        })
    };
    let invite_href = format!("/console/{enterprise_id}/invite");

    view! {
        <h1>"Users"</h1>
        <form class="row toolbar" on:submit=move |ev: leptos::ev::SubmitEvent| { ev.prevent_default(); load(); }>
            <input type="search" aria-label="Search users" placeholder="Search name, email or department"
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) />
            <select aria-label="Filter by state" on:change=move |ev| state.set(MemberState::parse(&event_target_value(&ev)))>
                <option value="">"All states"</option>
                <option value="invited">"Invited"</option>
                <option value="unmanaged">"Unmanaged"</option>
                <option value="managed">"Managed"</option>
                <option value="suspended">"Suspended"</option>
            </select>
            <button type="submit" class="ghost">"Search"</button>
        </form>
        <div class="row toolbar">
            <span class="muted">{move || format!("{} selected", selected.with(HashSet::len))}</span>
            <button type="button" class="primary" disabled=move || selected.with(HashSet::is_empty) on:click=move |_| bulk(true)>"Make managed"</button>
            <button type="button" class="ghost" disabled=move || selected.with(HashSet::is_empty) on:click=move |_| bulk(false)>"Make unmanaged"</button>
        </div>
        {move || notice.get().map(|n| view! { <div class="alert ok" data-test="users-notice">{n}</div> })}
        <ErrorBox error=error />
        <Show when=move || members.is_empty()>
            <div class="empty">
                <p>"No users match."</p>
                <p class="muted">"People appear here once invited. " <A href=invite_href.clone()>"Invite people"</A></p>
            </div>
        </Show>
        <Show when=move || !items.with(Vec::is_empty)>
            <table class="grid" data-test="users-table">
                <thead><tr>
                    <th><input type="checkbox" aria-label="Select all"
                        prop:checked=move || !items.with(Vec::is_empty) && selected.with(|s| s.len()) == items.with(Vec::len)
                        on:change=move |ev| selected.set(if event_target_checked(&ev) { items.with(|i| i.iter().map(|m| m.id.clone()).collect()) } else { HashSet::new() }) /></th>
                    <th>"Email"</th><th>"Name"</th><th>"Department"</th><th>"State"</th><th></th>
                </tr></thead>
                <tbody>
                    <For each=move || items.get() key=|m| (m.id.clone(), m.state.as_str()) let:m>
                        {
                            let member = m.id.clone();
                            let check_id = m.id.clone();
                            let name = [m.first_name.clone(), m.last_name.clone()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                            let action = match m.state {
                                MemberState::Suspended => Some(("Restore", MemberState::Unmanaged)),
                                MemberState::Managed | MemberState::Unmanaged => Some(("Suspend", MemberState::Suspended)),
                                _ => None,
                            };
                            view! {
                                <tr data-email=m.email.clone()>
                                    <td><input type="checkbox" aria-label=format!("Select {}", m.email)
                                        prop:checked=move || selected.with(|s| s.contains(&check_id))
                                        on:change={let member = member.clone(); move |_| toggle(member.clone())} /></td>
                                    <td>{m.email.clone()}</td>
                                    <td>{name}</td>
                                    <td>{m.department.clone().unwrap_or_default()}</td>
                                    <td><span class="badge" class:ok=m.state == MemberState::Managed class:warn=m.state == MemberState::Invited class:bad=m.state == MemberState::Suspended data-test="state">{m.state.as_str()}</span></td>
                                    <td>{action.map(|(label, to)| view! {
                                        <button type="button" class="ghost small" on:click={let member = member.clone(); move |_| set_state(member.clone(), to)}>{label}</button>
                                    })}
                                    {m.account_id.clone().filter(|_| is_pma && matches!(m.state, MemberState::Managed | MemberState::Unmanaged)).map(|account| {
                                        let shown = account.clone();
                                        view! {
                                            <Show when=move || admins.with(|a| !a.iter().any(|x| x.account_id == shown))>
                                                <button type="button" class="ghost small" on:click={let account = account.clone(); move |_| make_admin(account.clone())}>"Make admin"</button>
                                            </Show>
                                        }
                                    })}</td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </Show>
        <LoadMore paged=members />
        <Admins enterprise_id=id.get_value() is_pma=is_pma admins=admins />
    }
}
