//! Directory Sync: the connection (preset, address, bind account, filter,
//! attribute map) with "Test connection"; a tree picker for OUs and groups;
//! exclusion rules; the schedule; then "Dry run" and "Sync now" with live
//! progress, the diff, the history and the distribution lists.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{
    normalize_dn, split_dn, AttributeMap, ConnectionTest, DirectoryConfig, DirectoryConfigRequest, DirectoryPreset,
    DirectoryTree, DistributionList, ExclusionRule, FieldErrors, RuleMatch, RuleTarget, SyncChange, SyncRun,
    SyncStatus, SCHEDULE_DAILY, SCHEDULE_HOURLY,
};

use crate::{
    api::{enc, ApiError},
    components::{ErrorBox, Field, PasswordField},
    use_api,
};

/// Everything the form edits; one PUT saves it.
#[derive(Clone, Copy)]
struct Form {
    preset: RwSignal<DirectoryPreset>,
    url: RwSignal<String>,
    start_tls: RwSignal<bool>,
    bind_dn: RwSignal<String>,
    password: RwSignal<String>,
    password_set: RwSignal<bool>,
    base_dn: RwSignal<String>,
    user_filter: RwSignal<String>,
    page_size: RwSignal<String>,
    timeout: RwSignal<String>,
    map: RwSignal<AttributeMap>,
    ous: RwSignal<Vec<String>>,
    groups: RwSignal<Vec<String>>,
    rules: RwSignal<Vec<ExclusionRule>>,
    schedule: RwSignal<String>,
    send_invitations: RwSignal<bool>,
    max_suspend: RwSignal<String>,
}

impl Form {
    fn new() -> Self {
        Self {
            preset: RwSignal::new(DirectoryPreset::Openldap),
            url: RwSignal::new(String::new()),
            start_tls: RwSignal::new(false),
            bind_dn: RwSignal::new(String::new()),
            password: RwSignal::new(String::new()),
            password_set: RwSignal::new(false),
            base_dn: RwSignal::new(String::new()),
            user_filter: RwSignal::new(String::new()),
            page_size: RwSignal::new("500".into()),
            timeout: RwSignal::new("30".into()),
            map: RwSignal::new(DirectoryPreset::Openldap.attribute_map()),
            ous: RwSignal::new(vec![]),
            groups: RwSignal::new(vec![]),
            rules: RwSignal::new(vec![]),
            schedule: RwSignal::new(String::new()),
            send_invitations: RwSignal::new(true),
            max_suspend: RwSignal::new("10".into()),
        }
    }

    fn load(&self, c: DirectoryConfig) {
        self.preset.set(c.preset);
        self.url.set(c.url);
        self.start_tls.set(c.start_tls);
        self.bind_dn.set(c.bind_dn);
        self.password.set(String::new());
        self.password_set.set(c.bind_password_set);
        self.base_dn.set(c.base_dn);
        self.user_filter.set(c.user_filter.unwrap_or_default());
        self.page_size.set(c.page_size.to_string());
        self.timeout.set(c.timeout_seconds.to_string());
        self.map.set(c.attribute_map);
        self.ous.set(c.organizational_units);
        self.groups.set(c.groups);
        self.rules.set(c.exclusion_rules);
        self.schedule.set(c.schedule.unwrap_or_default());
        self.send_invitations.set(c.send_invitations);
        self.max_suspend.set(c.max_suspend_percent.to_string());
    }

    fn request(&self) -> DirectoryConfigRequest {
        let text = |s: RwSignal<String>| Some(s.get()).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        DirectoryConfigRequest {
            url: self.url.get(),
            bind_dn: self.bind_dn.get(),
            bind_password: text(self.password),
            base_dn: self.base_dn.get(),
            preset: self.preset.get(),
            user_filter: text(self.user_filter),
            start_tls: self.start_tls.get(),
            page_size: self.page_size.get().trim().parse().ok().or(Some(0)),
            timeout_seconds: self.timeout.get().trim().parse().ok().or(Some(0)),
            attribute_map: Some(self.map.get()),
            organizational_units: self.ous.get(),
            groups: self.groups.get(),
            exclusion_rules: self.rules.get(),
            schedule: text(self.schedule),
            send_invitations: Some(self.send_invitations.get()),
            max_suspend_percent: self.max_suspend.get().trim().parse().ok().or(Some(101)),
        }
    }

    fn errors(&self) -> FieldErrors {
        self.request().validate()
    }
}

#[component]
pub fn DirectorySync(enterprise_id: String) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let form = Form::new();
    let configured = RwSignal::new(false);
    let loaded = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<String>);
    let tested = RwSignal::new(None::<ConnectionTest>);
    let testing = RwSignal::new(false);
    let tree = RwSignal::new(None::<DirectoryTree>);
    let run = RwSignal::new(None::<String>);
    let history_tick = RwSignal::new(0u32);
    spawn_local(async move {
        match api.directory_config(&id.get_value()).await {
            Ok(Some(c)) => {
                form.load(c);
                configured.set(true);
            }
            Ok(None) => {}
            Err(e) => error.set(Some(e)),
        }
        loaded.set(true);
    });
    let errors = Memo::new(move |_| form.errors());
    let err = move |field: &'static str| Signal::derive(move || errors.with(|e| e.get(field).cloned()));
    let choose_preset = move |p: DirectoryPreset| {
        form.preset.set(p);
        form.map.set(p.attribute_map());
    };
    let test = move |_| {
        testing.set(true);
        tested.set(None);
        error.set(None);
        let req = form.request();
        spawn_local(async move {
            match api.test_directory(&id.get_value(), &req).await {
                Ok(t) => tested.set(Some(t)),
                Err(e) => error.set(Some(e)),
            }
            testing.set(false);
        });
    };
    let save = move |_| {
        error.set(None);
        saved.set(None);
        let req = form.request();
        spawn_local(async move {
            match api.save_directory_config(&id.get_value(), &req).await {
                Ok(c) => {
                    form.load(c);
                    configured.set(true);
                    saved.set(Some("Saved. The bind password is stored encrypted and never shown again.".into()));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let browse = move |_| {
        error.set(None);
        spawn_local(async move {
            match api.browse_directory(&id.get_value()).await {
                Ok(t) => tree.set(Some(t)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let start = move |dry_run: bool| {
        error.set(None);
        spawn_local(async move {
            match api.start_sync(&id.get_value(), dry_run).await {
                Ok(r) => {
                    run.set(Some(r.id));
                    history_tick.update(|t| *t += 1);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let can_save = move || {
        errors.with(FieldErrors::is_empty) && (form.password_set.get() || !form.password.with(String::is_empty))
    };

    view! {
        <h1>"Directory Sync"</h1>
        <p class="lead">"Keep the people of your LDAP or Active Directory enrolled: new people are invited, changes flow in, and people who leave are suspended — never deleted."</p>
        <Show when=move || loaded.get() fallback=|| view! { <p class="muted">"Loading…"</p> }>
        <section class="card" data-test="sync-connection">
            <h2>"Connection"</h2>
            <div class="row" role="radiogroup" aria-label="Directory type">
                {[DirectoryPreset::Openldap, DirectoryPreset::ActiveDirectory].into_iter().map(|p| view! {
                    <label class="inline">
                        <input type="radio" name="preset" prop:checked=move || form.preset.get() == p on:change=move |_| choose_preset(p) />
                        {match p { DirectoryPreset::Openldap => " OpenLDAP", DirectoryPreset::ActiveDirectory => " Active Directory" }}
                    </label>
                }).collect_view()}
            </div>
            <Field label="Directory address" name="sync-url" value=form.url error=err("url")
                hint="ldap://host:389 (with StartTLS below) or ldaps://host:636" />
            <label class="inline"><input type="checkbox" prop:checked=move || form.start_tls.get()
                on:change=move |ev| form.start_tls.set(event_target_checked(&ev)) />" Use StartTLS"</label>
            <Field label="Bind DN" name="sync-bind-dn" value=form.bind_dn error=err("bind_dn")
                hint="The read-only account Muster signs in as, e.g. cn=muster,ou=Services,dc=example,dc=com" />
            <PasswordField label="Bind password" name="sync-bind-password" value=form.password autocomplete="new-password"
                hint="Stored encrypted and never shown again. Once saved, leave it empty to keep it."
                error=Signal::derive(|| None::<String>) />
            <Field label="Base DN" name="sync-base-dn" value=form.base_dn error=err("base_dn") hint="Where searches start, e.g. dc=example,dc=com" />
            <Field label="User filter" name="sync-user-filter" value=form.user_filter error=err("user_filter")
                hint="Empty means the preset's: (objectClass=inetOrgPerson) for OpenLDAP, people who are users for Active Directory." />
            <div class="row">
                <Field label="Page size" name="sync-page-size" value=form.page_size error=err("page_size") kind="number" />
                <Field label="Timeout (seconds)" name="sync-timeout" value=form.timeout error=err("timeout_seconds") kind="number" />
            </div>
            <AttributeMapEditor map=form.map />
            <div class="row">
                <button type="button" class="ghost" data-test="sync-test" disabled=move || testing.get() || !errors.with(FieldErrors::is_empty) on:click=test>
                    {move || if testing.get() { "Testing…" } else { "Test connection" }}
                </button>
            </div>
            {move || tested.get().map(|t| view! { <TestResult result=t /> })}
        </section>

        <section class="card" data-test="sync-scope">
            <h2>"What to sync"</h2>
            <p class="muted">"People come from the organisational units you tick (and everything below them; none ticked means the whole base DN). Ticked groups become distribution lists."</p>
            <button type="button" class="ghost" data-test="sync-browse" disabled=move || !configured.get() on:click=browse>"Load the directory tree"</button>
            <Show when=move || !configured.get()><p class="hint">"Save the connection first; the tree is read with it."</p></Show>
            {move || tree.get().map(|t| view! { <TreePicker tree=t ous=form.ous groups=form.groups /> })}
            <Selected label="Organisational units" items=form.ous />
            <Selected label="Groups" items=form.groups />
        </section>

        <section class="card" data-test="sync-rules">
            <h2>"Exclusion rules"</h2>
            <p class="muted">"A person or group a rule matches is never created or changed, and never suspended."</p>
            <RulesEditor rules=form.rules errors=errors />
        </section>

        <section class="card" data-test="sync-schedule">
            <h2>"Schedule and safeguards"</h2>
            <ScheduleEditor schedule=form.schedule error=err("schedule") />
            <label class="inline"><input type="checkbox" prop:checked=move || form.send_invitations.get()
                on:change=move |ev| form.send_invitations.set(event_target_checked(&ev)) />" Mail invitations to new people as they are synced"</label>
            <Field label="Most suspended in one run (%)" name="sync-max-suspend" value=form.max_suspend error=err("max_suspend_percent") kind="number"
                hint="A run that would suspend more of the synced people stops before writing and says why." />
            <div class="row">
                <button type="button" class="primary" data-test="sync-save" disabled=move || !can_save() on:click=save>"Save"</button>
            </div>
            {move || saved.get().map(|m| view! { <div class="alert ok" role="status">{m}</div> })}
        </section>
        <ErrorBox error=error />

        <section class="card" data-test="sync-run">
            <h2>"Run"</h2>
            <p class="muted">"A dry run reads the directory and shows every change without making it."</p>
            <div class="row">
                <button type="button" class="ghost" data-test="sync-dry-run" disabled=move || !configured.get() on:click=move |_| start(true)>"Dry run"</button>
                <button type="button" class="primary" data-test="sync-now" disabled=move || !configured.get() on:click=move |_| start(false)>"Sync now"</button>
            </div>
            {move || run.get().map(|r| view! { <RunView enterprise_id=id.get_value() run_id=r on_done=move || history_tick.update(|t| *t += 1) /> })}
        </section>
        <History enterprise_id=id.get_value() tick=history_tick selected=run />
        <Lists enterprise_id=id.get_value() tick=history_tick />
        </Show>
    }
}

#[component]
fn AttributeMapEditor(map: RwSignal<AttributeMap>) -> impl IntoView {
    type Getter = fn(&AttributeMap) -> String;
    type Setter = fn(&mut AttributeMap, String);
    let rows: [(&'static str, Getter, Setter); 9] = [
        ("Directory id", |m| m.id.clone(), |m, v| m.id = v),
        ("Email", |m| m.email.clone(), |m, v| m.email = v),
        ("Username", |m| m.username.clone(), |m, v| m.username = v),
        ("First name", |m| m.first_name.clone(), |m, v| m.first_name = v),
        ("Last name", |m| m.last_name.clone(), |m, v| m.last_name = v),
        ("Department", |m| m.department.clone(), |m, v| m.department = v),
        ("Phone", |m| m.phone.clone(), |m, v| m.phone = v),
        ("Job title", |m| m.job_title.clone(), |m, v| m.job_title = v),
        ("Groups", |m| m.groups.clone(), |m, v| m.groups = v),
    ];
    view! {
        <details class="map">
            <summary>"Attribute map"</summary>
            <table class="grid compact">
                <thead><tr><th>"Muster field"</th><th>"Directory attribute"</th></tr></thead>
                <tbody>
                    {rows.into_iter().map(|(label, get, set)| view! {
                        <tr><td>{label}</td><td><input aria-label=label prop:value=move || map.with(get)
                            on:input=move |ev| { let v = event_target_value(&ev); map.update(|m| set(m, v)) } /></td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </details>
    }
}

#[component]
fn TestResult(result: ConnectionTest) -> impl IntoView {
    let ok = result.ok;
    view! {
        <div class=if ok { "alert ok" } else { "alert error" } role="status" data-test="sync-test-result">
            <p>{result.message.clone()} " " <span class="muted">{format!("({} ms)", result.elapsed_ms)}</span></p>
            {(!result.entries.is_empty()).then(|| view! {
                <ul>{result.entries.iter().map(|e| view! {
                    <li>{e.name.clone().unwrap_or_default()} " " <span class="muted">{e.email.clone().unwrap_or_default()}</span> " " <code>{e.dn.clone()}</code></li>
                }).collect_view()}</ul>
            })}
        </div>
    }
}

/// OUs indented under their parents (by DN), and the groups, with checkboxes.
#[component]
fn TreePicker(tree: DirectoryTree, ous: RwSignal<Vec<String>>, groups: RwSignal<Vec<String>>) -> impl IntoView {
    let base_depth = split_dn(&tree.base_dn).len();
    let mut nodes = tree.organizational_units.clone();
    // Parents first, children right after them: sort by the DN read from the root.
    let key = |dn: &str| split_dn(&normalize_dn(dn)).into_iter().rev().collect::<Vec<_>>();
    nodes.sort_by_key(|n| key(&n.dn));
    let toggle = |list: RwSignal<Vec<String>>, dn: String, on: bool| {
        list.update(|l| {
            l.retain(|x| normalize_dn(x) != normalize_dn(&dn));
            if on {
                l.push(dn);
            }
        })
    };
    let has = |list: RwSignal<Vec<String>>, dn: &str| {
        let dn = normalize_dn(dn);
        list.with(|l| l.iter().any(|x| normalize_dn(x) == dn))
    };
    view! {
        <div class="tree" data-test="sync-tree">
            <h3>"Organisational units"</h3>
            {nodes.is_empty().then(|| view! { <p class="muted">"No organisational units under the base DN."</p> })}
            <ul class="tree-list">
                {nodes.into_iter().map(|n| {
                    let depth = split_dn(&n.dn).len().saturating_sub(base_depth + 1);
                    let dn = n.dn.clone();
                    let dn2 = n.dn.clone();
                    view! {
                        <li style=format!("padding-left: {}rem", depth as f32 * 1.25)>
                            <label class="inline" title=n.dn.clone()>
                                <input type="checkbox" data-dn=n.dn.clone() prop:checked=move || has(ous, &dn)
                                    on:change=move |ev| toggle(ous, dn2.clone(), event_target_checked(&ev)) />
                                " " {n.name.clone()}
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <h3>"Groups"</h3>
            {tree.groups.is_empty().then(|| view! { <p class="muted">"No groups under the base DN."</p> })}
            <ul class="tree-list">
                {tree.groups.into_iter().map(|g| {
                    let dn = g.dn.clone();
                    let dn2 = g.dn.clone();
                    view! {
                        <li>
                            <label class="inline" title=g.dn.clone()>
                                <input type="checkbox" data-dn=g.dn.clone() prop:checked=move || has(groups, &dn)
                                    on:change=move |ev| toggle(groups, dn2.clone(), event_target_checked(&ev)) />
                                " " {g.name.clone()} " " <span class="muted">{format!("({} members)", g.members.unwrap_or(0))}</span>
                            </label>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn Selected(label: &'static str, items: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <p><strong>{label} ": "</strong>
            {move || if items.with(Vec::is_empty) { "none".to_string() } else { items.get().join(" · ") }}
        </p>
    }
}

#[component]
fn RulesEditor(rules: RwSignal<Vec<ExclusionRule>>, errors: Memo<FieldErrors>) -> impl IntoView {
    let add = move |_| {
        rules.update(|r| {
            r.push(ExclusionRule {
                applies_to: RuleTarget::User,
                attribute: "mail".into(),
                matches: RuleMatch::Equals,
                value: String::new(),
            })
        })
    };
    let edit = move |i: usize, f: Box<dyn Fn(&mut ExclusionRule)>| rules.update(|r| f(&mut r[i]));
    view! {
        {move || rules.with(Vec::is_empty).then(|| view! { <p class="muted" data-test="rules-empty">"No rules: every person and chosen group is synced."</p> })}
        <ul class="rules">
            {move || rules.get().into_iter().enumerate().map(|(i, r)| {
                let problem = move || errors.with(|e| e.get(&format!("exclusion_rules[{i}]")).cloned());
                view! {
                    <li class="row">
                        <select aria-label="Applies to" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            edit(i, Box::new(move |r| r.applies_to = RuleTarget::parse(&v).unwrap_or(RuleTarget::User)))
                        }>
                            {RuleTarget::ALL.iter().map(|t| view! { <option value=t.as_str() selected=*t == r.applies_to>{t.as_str()}</option> }).collect_view()}
                        </select>
                        <input aria-label="Attribute" placeholder="attribute" prop:value=r.attribute.clone()
                            disabled=r.matches == RuleMatch::UnderOu
                            on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.attribute = v.clone())) } />
                        <select aria-label="Match" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            edit(i, Box::new(move |r| r.matches = RuleMatch::parse(&v).unwrap_or(RuleMatch::Equals)))
                        }>
                            {RuleMatch::ALL.iter().map(|m| view! { <option value=m.as_str() selected=*m == r.matches>{m.as_str().replace('_', " ")}</option> }).collect_view()}
                        </select>
                        <input aria-label="Value" placeholder="value" prop:value=r.value.clone()
                            on:change=move |ev| { let v = event_target_value(&ev); edit(i, Box::new(move |r| r.value = v.clone())) } />
                        <button type="button" class="ghost small" on:click=move |_| rules.update(|r| { r.remove(i); })>"Remove"</button>
                        <p class="field-error" role="alert">{problem}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
        <button type="button" class="ghost" data-test="rule-add" on:click=add>"Add a rule"</button>
    }
}

#[component]
fn ScheduleEditor(schedule: RwSignal<String>, error: Signal<Option<String>>) -> impl IntoView {
    let mode = move || match schedule.get().trim() {
        "" => "off",
        SCHEDULE_HOURLY => "hourly",
        SCHEDULE_DAILY => "daily",
        _ => "custom",
    };
    let custom = RwSignal::new(false);
    view! {
        <div class="row" role="radiogroup" aria-label="Schedule">
            {[("off", "Manual only"), ("hourly", "Hourly"), ("daily", "Daily at 02:00 UTC"), ("custom", "Custom (cron)")].into_iter().map(|(m, label)| view! {
                <label class="inline">
                    <input type="radio" name="schedule" value=m prop:checked=move || if custom.get() { m == "custom" } else { mode() == m }
                        on:change=move |_| {
                            custom.set(m == "custom");
                            match m {
                                "off" => schedule.set(String::new()),
                                "hourly" => schedule.set(SCHEDULE_HOURLY.into()),
                                "daily" => schedule.set(SCHEDULE_DAILY.into()),
                                _ => {}
                            }
                        } />
                    " " {label}
                </label>
            }).collect_view()}
        </div>
        <Show when=move || custom.get() || mode() == "custom">
            <Field label="Cron expression (seconds first)" name="sync-schedule" value=schedule error=error
                hint="Six fields: second minute hour day month weekday — “0 */15 * * * *” is every 15 minutes." />
        </Show>
    }
}

fn counts_line(r: &SyncRun) -> String {
    let c = r.counts;
    let mut parts = Vec::new();
    for (n, label) in [
        (c.created, "created"),
        (c.updated, "updated"),
        (c.relinked, "re-linked"),
        (c.suspended, "suspended"),
        (c.restored, "restored"),
        (c.unchanged, "unchanged"),
        (c.excluded, "excluded"),
        (c.errors, "errors"),
        (c.groups_created + c.groups_updated + c.groups_removed, "list changes"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {label}"));
        }
    }
    if parts.is_empty() {
        "Nothing to do.".into()
    } else {
        parts.join(" · ")
    }
}

fn describe(change: &SyncChange) -> String {
    let fields = change.changes.as_ref().and_then(|c| c.as_object()).map(|m| {
        m.iter()
            .map(|(f, v)| {
                if v.is_array() {
                    let list: Vec<String> =
                        v.as_array().unwrap_or(&vec![]).iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
                    format!("{}: {}", f.replace('_', " "), list.join(", "))
                } else {
                    let text = |x: &serde_json::Value| match x {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    format!("{}: “{}” → “{}”", f.replace('_', " "), text(&v["before"]), text(&v["after"]))
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    });
    [change.detail.clone(), fields].into_iter().flatten().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" — ")
}

/// One run followed live (progress bar), then its counts and diff, paged.
#[component]
fn RunView(enterprise_id: String, run_id: String, on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let run_id = StoredValue::new(run_id);
    let current = RwSignal::new(None::<SyncRun>);
    let diff = RwSignal::new(Vec::<SyncChange>::new());
    let cursor = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let report = RwSignal::new(None::<String>);
    spawn_local(async move {
        loop {
            match api.sync_run(&id.get_value(), &run_id.get_value(), None).await {
                Ok(r) => {
                    let done = r.status.is_finished();
                    if done {
                        diff.set(r.diff.clone());
                        cursor.set(r.next_cursor.clone());
                    }
                    current.set(Some(r));
                    if done {
                        on_done();
                        break;
                    }
                }
                Err(e) => {
                    error.set(Some(e));
                    break;
                }
            }
            gloo_timers::future::TimeoutFuture::new(500).await;
        }
    });
    let more = move |_| {
        let after = cursor.get_untracked();
        spawn_local(async move {
            match api.sync_run(&id.get_value(), &run_id.get_value(), after.as_deref()).await {
                Ok(r) => {
                    diff.update(|d| d.extend(r.diff));
                    cursor.set(r.next_cursor);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let download = move |_| {
        spawn_local(async move {
            match api.sync_report(&id.get_value(), &run_id.get_value()).await {
                Ok(text) => report.set(Some(format!("data:text/csv;charset=utf-8,{}", enc(&text)))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let status = move || current.with(|r| r.as_ref().map(|r| r.status));
    let percent = move || {
        current.with(|r| match r {
            Some(r) if r.status.is_finished() => 100,
            Some(r) => match r.progress.total {
                Some(t) if t > 0 => (r.progress.processed * 100 / t).min(99),
                _ => 0,
            },
            None => 0,
        })
    };
    view! {
        <div class="run" data-test="sync-run-view">
            <div class="card-head">
                <h3>{move || current.with(|r| match r {
                    Some(r) if r.dry_run => "Dry run".to_string(),
                    Some(_) => "Sync".to_string(),
                    None => "Run".to_string(),
                })}</h3>
                <span class="badge" class:ok=move || status() == Some(SyncStatus::Succeeded)
                    class:bad=move || matches!(status(), Some(SyncStatus::Failed | SyncStatus::Blocked)) data-test="sync-status">
                    {move || status().map(|s| s.as_str()).unwrap_or("queued")}
                </span>
            </div>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                <div class="bar" style=move || format!("width: {}%", percent())></div>
            </div>
            <p class="muted">{move || current.with(|r| r.as_ref().map(|r| match r.status {
                SyncStatus::Queued => "Waiting for a worker…".to_string(),
                SyncStatus::Running => format!("{} entries read", r.progress.processed),
                _ => format!("{} entries read", r.counts.entries),
            }).unwrap_or_default())}</p>
            {move || current.with(|r| r.as_ref().and_then(|r| r.error.clone())).map(|e| view! {
                <div class="alert error" role="alert" data-test="sync-error">{e}</div>
            })}
            <Show when=move || status().is_some_and(SyncStatus::is_finished)>
                <p data-test="sync-counts">{move || current.with(|r| r.as_ref().map(counts_line).unwrap_or_default())}</p>
                <p class="muted small" data-test="sync-timings">{move || current.with(|r| r.as_ref().and_then(|r| r.timings).map(|t| {
                    let s = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
                    format!("Read the directory in {} · compared in {} · wrote in {}", s(t.read_ms), s(t.diff_ms), s(t.write_ms))
                }).unwrap_or_default())}</p>
                <button type="button" class="ghost" on:click=download>"Prepare the report"</button>
            </Show>
            {move || report.get().map(|href| view! { <a class="button ghost" href=href download="muster-sync-report.csv" data-test="sync-report">"Download the report (CSV)"</a> })}
            <ErrorBox error=error />
            <Show when=move || !diff.with(Vec::is_empty)>
                <table class="grid compact" data-test="sync-diff">
                    <thead><tr><th>"Change"</th><th>"Person or group"</th><th>"Details"</th></tr></thead>
                    <tbody>
                        {move || diff.get().into_iter().map(|c| view! {
                            <tr>
                                <td>{c.action.replace('_', " ")}</td>
                                <td>{c.email.clone().unwrap_or_default()} <br /><span class="muted small">{c.dn.clone().unwrap_or_default()}</span></td>
                                <td class="muted">{describe(&c)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
            <Show when=move || cursor.with(Option::is_some)>
                <button type="button" class="ghost" on:click=more>"More changes"</button>
            </Show>
        </div>
    }
}

#[component]
fn History(enterprise_id: String, tick: RwSignal<u32>, selected: RwSignal<Option<String>>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let runs = RwSignal::new(Vec::<SyncRun>::new());
    let error = RwSignal::new(None::<ApiError>);
    Effect::new(move |_| {
        tick.track();
        spawn_local(async move {
            match api.sync_runs(&id.get_value()).await {
                Ok(page) => runs.set(page.items),
                Err(e) => error.set(Some(e)),
            }
        });
    });
    view! {
        <section class="card" data-test="sync-history">
            <h2>"History"</h2>
            <ErrorBox error=error />
            <Show when=move || !runs.with(Vec::is_empty) fallback=|| view! {
                <p class="empty">"No runs yet. Start with a dry run: it shows what a sync would change."</p>
            }>
                <table class="grid compact">
                    <thead><tr><th>"Started"</th><th>"Trigger"</th><th>"Kind"</th><th>"Status"</th><th>"Changes"</th><th></th></tr></thead>
                    <tbody>
                        {move || runs.get().into_iter().map(|r| {
                            let rid = r.id.clone();
                            view! {
                                <tr>
                                    <td>{r.started_at.clone().unwrap_or_else(|| r.created_at.clone())}</td>
                                    <td>{r.trigger.as_str()}</td>
                                    <td>{if r.dry_run { "dry run" } else { "sync" }}</td>
                                    <td><span class="badge" class:ok=r.status == SyncStatus::Succeeded
                                        class:bad=matches!(r.status, SyncStatus::Failed | SyncStatus::Blocked)>{r.status.as_str()}</span></td>
                                    <td class="muted">{r.error.clone().unwrap_or_else(|| counts_line(&r))}</td>
                                    <td><button type="button" class="ghost small" on:click=move |_| selected.set(Some(rid.clone()))>"Details"</button></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}

#[component]
fn Lists(enterprise_id: String, tick: RwSignal<u32>) -> impl IntoView {
    let api = use_api();
    let id = StoredValue::new(enterprise_id);
    let lists = RwSignal::new(Vec::<DistributionList>::new());
    Effect::new(move |_| {
        tick.track();
        spawn_local(async move {
            if let Ok(page) = api.distribution_lists(&id.get_value()).await {
                lists.set(page.items);
            }
        });
    });
    view! {
        <section class="card" data-test="sync-lists">
            <h2>"Distribution lists"</h2>
            <Show when=move || !lists.with(Vec::is_empty) fallback=|| view! {
                <p class="empty">"Tick groups under “What to sync”: each becomes a list, kept in step with the directory."</p>
            }>
                <table class="grid compact">
                    <thead><tr><th>"List"</th><th>"Members"</th><th>"Group"</th></tr></thead>
                    <tbody>
                        {move || lists.get().into_iter().map(|l| view! {
                            <tr>
                                <td>{l.name.clone()} {l.removed_at.as_ref().map(|_| view! { " " <span class="badge">"removed"</span> })}</td>
                                <td>{l.members}</td>
                                <td class="muted small">{l.dn.clone()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </Show>
        </section>
    }
}
