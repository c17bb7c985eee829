//! Directory Sync: the connection (preset, address, bind account, filter,
//! attribute map) with "Test connection"; a tree picker for OUs and groups;
//! exclusion rules; the schedule; then "Dry run" and "Sync now" with live
//! progress, the diff, the history and the distribution lists.

use leptos::{prelude::*, task::spawn_local};
use muster_model::{
    AttributeMap, ConnectionTest, DirectoryConfig, DirectoryConfigRequest, DirectoryPreset, DirectoryTree,
    ExclusionRule, FieldErrors,
};

use crate::{
    api::ApiError,
    components::{ErrorBox, Field, PasswordField},
    use_api,
};

mod editors;
mod runs;

use editors::{AttributeMapEditor, RulesEditor, ScheduleEditor, Selected, TestResult, TreePicker};
use runs::{History, Lists, RunView};

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
        let (set, s) = (c.bind_password_set, c.settings);
        self.preset.set(s.preset);
        self.url.set(s.url);
        self.start_tls.set(s.start_tls);
        self.bind_dn.set(s.bind_dn);
        self.password.set(String::new());
        self.password_set.set(set);
        self.base_dn.set(s.base_dn);
        self.user_filter.set(s.user_filter.unwrap_or_default());
        self.page_size.set(s.page_size.to_string());
        self.timeout.set(s.timeout_seconds.to_string());
        self.map.set(s.attribute_map);
        self.ous.set(s.organizational_units);
        self.groups.set(s.groups);
        self.rules.set(s.exclusion_rules);
        self.schedule.set(s.schedule.unwrap_or_default());
        self.send_invitations.set(s.send_invitations);
        self.max_suspend.set(s.max_suspend_percent.to_string());
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
                hint="The read-only account Muster signs in as: a DN (cn=muster,ou=Services,dc=example,dc=com); Active Directory also takes svc-muster@corp.example or CORP\\svc-muster" />
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
