//! Test connection and browse: they reach into the network, so each address
//! is checked first and each enterprise gets a few a minute.

use std::time::Instant;

use muster_model::{
    dn_is_under, normalize_dn, ConnectionTest, DirectoryConfigRequest, DirectoryEntry, DirectoryNode, DirectoryTree,
};

use crate::{
    integrations::ldap,
    services::access::Console,
    services::error::{DomainError, DomainResult},
    state::AppState,
};

use super::{
    config::{check, password_again, same_server},
    load, mapping, not_configured, Settings,
};

/// Test connection and browse reach into the network: a tenant may not turn
/// them into a scanner, so each enterprise gets a few a minute.
pub(super) fn probe_allowed(state: &AppState, enterprise_id: &str) -> DomainResult<()> {
    match state.limits.directory_probe.check_key(&enterprise_id.to_string()) {
        Ok(()) => Ok(()),
        Err(_) => Err(DomainError::quota(
            "rate_limited",
            "Too many connection tests and directory reads in a minute; wait a moment and try again.",
        )),
    }
}

/// A directory address Muster may not connect to is refused before any
/// packet goes there (a DNS failure is left for the connection to report).
pub(super) async fn refuse_address(state: &AppState, url: &str) -> DomainResult<()> {
    match state.ldap_reach().check(url).await {
        Err(f) if f.code == "address_not_allowed" => Err(DomainError::field("address_not_allowed", f.message)),
        _ => Ok(()),
    }
}

/// Binds and searches with the given (unsaved) settings, or the stored ones.
pub async fn test(state: &AppState, c: &Console, req: Option<DirectoryConfigRequest>) -> DomainResult<ConnectionTest> {
    probe_allowed(state, &c.enterprise.id)?;
    let stored = load(state, &c.enterprise.id).await?;
    let (settings, password) = match req {
        Some(mut r) => {
            check(&r)?;
            let password = r.bind_password.take().filter(|p| !p.is_empty());
            let password = match (password, &stored) {
                (Some(p), _) => p,
                (None, Some(s)) if same_server(&s.settings, &r) => s.password.clone(),
                (None, Some(_)) => return Err(password_again()),
                (None, None) => return Err(DomainError::field("bind_password_required", "Enter the bind password.")),
            };
            (Settings::from_request(r), password)
        }
        None => {
            let s = stored.ok_or_else(not_configured)?;
            (s.settings, s.password)
        }
    };
    let started = Instant::now();
    let target = super::target(&settings, password, &state.config);
    let outcome = async {
        let mut conn = ldap::connect(&target, &state.ldap_reach()).await?;
        let attrs = mapping::attributes(&settings.attribute_map);
        let mut entries = Vec::new();
        let mut count = 0;
        let bases = if settings.organizational_units.is_empty() {
            vec![settings.base_dn.clone()]
        } else {
            settings.organizational_units.clone()
        };
        for base in &bases {
            count += ldap::search(&mut conn, &target, base, &settings.user_filter(), &attrs, |entry| {
                if entries.len() < 5 {
                    let name = [&settings.attribute_map.first_name, &settings.attribute_map.last_name]
                        .iter()
                        .filter_map(|a| ldap::text(&entry, a))
                        .collect::<Vec<_>>()
                        .join(" ");
                    entries.push(DirectoryEntry {
                        email: ldap::text(&entry, &settings.attribute_map.email)
                            .or_else(|| ldap::text(&entry, "mail"))
                            .map(str::to_string),
                        name: (!name.is_empty()).then_some(name),
                        dn: entry.dn,
                    });
                }
                Ok(())
            })
            .await?;
        }
        let _ = conn.unbind().await;
        Ok::<_, ldap::Failure>((count, entries))
    }
    .await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(match outcome {
        // Refused before any packet (the connection checks every address): a problem, not a test result.
        Err(f) if f.code == "address_not_allowed" => return Err(DomainError::field("address_not_allowed", f.message)),
        Ok((count, entries)) => ConnectionTest {
            ok: true,
            code: None,
            message: format!("Connected and bound as {}; the user search finds {count} entries.", settings.bind_dn),
            count,
            entries,
            elapsed_ms,
        },
        Err(f) => ConnectionTest {
            ok: false,
            code: Some(f.code.into()),
            message: f.message,
            count: 0,
            entries: vec![],
            elapsed_ms,
        },
    })
}

/// OUs and groups under the base DN, for the picker.
pub async fn browse(state: &AppState, c: &Console) -> DomainResult<DirectoryTree> {
    let s = load(state, &c.enterprise.id).await?.ok_or_else(not_configured)?;
    probe_allowed(state, &c.enterprise.id)?;
    let target = super::target(&s.settings, s.password.clone(), &state.config);
    let unavailable = |f: ldap::Failure| match f.code {
        "address_not_allowed" => DomainError::field("address_not_allowed", f.message),
        _ => DomainError::conflict("directory_unavailable", f.message),
    };
    let mut conn = ldap::connect(&target, &state.ldap_reach()).await.map_err(unavailable)?;
    let mut ous = Vec::new();
    let base = s.settings.base_dn.clone();
    let attrs = vec!["ou".to_string(), "cn".to_string(), "name".to_string()];
    ldap::search(
        &mut conn,
        &target,
        &base,
        "(|(objectClass=organizationalUnit)(objectClass=container))",
        &attrs,
        |e| {
            let name = ldap::text(&e, "ou").or_else(|| ldap::text(&e, "cn")).unwrap_or(&e.dn).to_string();
            ous.push(DirectoryNode { dn: e.dn, name, members: None });
            Ok(())
        },
    )
    .await
    .map_err(unavailable)?;
    let mut groups = Vec::new();
    let attrs = vec!["cn".to_string(), "member".to_string(), "uniqueMember".to_string()];
    ldap::search(
        &mut conn,
        &target,
        &base,
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group))",
        &attrs,
        |e| {
            let members = (ldap::texts(&e, "member").len() + ldap::texts(&e, "uniqueMember").len()) as u64;
            let name = ldap::text(&e, "cn").unwrap_or(&e.dn).to_string();
            groups.push(DirectoryNode { dn: e.dn, name, members: Some(members) });
            Ok(())
        },
    )
    .await
    .map_err(unavailable)?;
    let _ = conn.unbind().await;
    // Parents before children, siblings by name: the SPA nests by DN.
    let depth = |dn: &str| muster_model::split_dn(dn).len();
    ous.retain(|o| normalize_dn(&o.dn) != normalize_dn(&base) && dn_is_under(&o.dn, &base));
    ous.sort_by(|a, b| depth(&a.dn).cmp(&depth(&b.dn)).then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase())));
    groups.sort_by_key(|g| g.name.to_lowercase());
    Ok(DirectoryTree { base_dn: base, organizational_units: ous, groups })
}
