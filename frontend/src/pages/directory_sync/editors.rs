//! The form's parts: attribute map, test result, OU and group tree picker,
//! exclusion rules and schedule.

use leptos::prelude::*;
use muster_model::{
    normalize_dn, split_dn, AttributeMap, ConnectionTest, DirectoryTree, ExclusionRule, FieldErrors, RuleMatch,
    RuleTarget, SCHEDULE_DAILY, SCHEDULE_HOURLY,
};

use crate::components::Field;

#[component]
pub(super) fn AttributeMapEditor(map: RwSignal<AttributeMap>) -> impl IntoView {
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
pub(super) fn TestResult(result: ConnectionTest) -> impl IntoView {
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
pub(super) fn TreePicker(
    tree: DirectoryTree,
    ous: RwSignal<Vec<String>>,
    groups: RwSignal<Vec<String>>,
) -> impl IntoView {
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
pub(super) fn Selected(label: &'static str, items: RwSignal<Vec<String>>) -> impl IntoView {
    view! {
        <p><strong>{label} ": "</strong>
            {move || if items.with(Vec::is_empty) { "none".to_string() } else { items.get().join(" · ") }}
        </p>
    }
}

#[component]
pub(super) fn RulesEditor(rules: RwSignal<Vec<ExclusionRule>>, errors: Memo<FieldErrors>) -> impl IntoView {
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
pub(super) fn ScheduleEditor(schedule: RwSignal<String>, error: Signal<Option<String>>) -> impl IntoView {
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
