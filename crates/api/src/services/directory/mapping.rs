//! A directory entry read as a person through the attribute map: the stable
//! directory id (Active Directory's objectGUID in its mixed byte order,
//! OpenLDAP's entryUUID), the email, the profile fields, the groups and
//! whether the account is disabled (AD userAccountControl bit 2).

use ldap3::SearchEntry;
use muster_model::{normalize_dn, AttributeMap};

use crate::integrations::ldap;
use muster_model::Profile;

/// Active Directory's "account disabled" flag in userAccountControl.
pub const UAC_ACCOUNTDISABLE: u64 = 0x2;

#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub dn: String,
    pub directory_id: String,
    pub email: String,
    pub profile: Profile,
    /// Normalised DNs of the groups the entry is a member of.
    pub groups: Vec<String>,
    pub disabled: bool,
}

/// Why an entry is not a person Muster can take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    NoId,
    NoEmail,
}

/// The attributes to request: the map's, by name (memberOf is operational,
/// so `*` alone would not bring it).
pub fn attributes(map: &AttributeMap) -> Vec<String> {
    let mut attrs: Vec<String> = [
        &map.id,
        &map.email,
        &map.username,
        &map.first_name,
        &map.last_name,
        &map.department,
        &map.phone,
        &map.job_title,
        &map.groups,
    ]
    .into_iter()
    .filter(|a| !a.is_empty())
    .cloned()
    .collect();
    if let Some(d) = map.disabled.as_ref().filter(|d| !d.is_empty()) {
        attrs.push(d.clone());
    }
    attrs.push("mail".into());
    attrs.sort_by_key(|a| a.to_ascii_lowercase());
    attrs.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    attrs
}

pub fn person(entry: &SearchEntry, map: &AttributeMap) -> Result<Person, Unusable> {
    let directory_id = directory_id(entry, &map.id).ok_or(Unusable::NoId)?;
    let email = ldap::text(entry, &map.email)
        .or_else(|| ldap::text(entry, "mail"))
        .map(|e| e.trim().to_lowercase())
        .filter(|e| e.contains('@'))
        .ok_or(Unusable::NoEmail)?;
    let field = |attr: &str| ldap::text(entry, attr).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let disabled = map
        .disabled
        .as_deref()
        .and_then(|attr| ldap::text(entry, attr))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|uac| uac & UAC_ACCOUNTDISABLE != 0);
    Ok(Person {
        dn: entry.dn.clone(),
        directory_id,
        email,
        profile: Profile {
            first_name: field(&map.first_name),
            last_name: field(&map.last_name),
            department: field(&map.department),
            phone: field(&map.phone),
            job_title: field(&map.job_title),
        },
        groups: ldap::texts(entry, &map.groups).iter().map(|g| normalize_dn(g)).collect(),
        disabled,
    })
}

/// objectGUID is 16 raw bytes; AD shows it with the first three groups
/// little-endian. Anything else (entryUUID) is taken as text, lower-cased.
pub fn directory_id(entry: &SearchEntry, attr: &str) -> Option<String> {
    if attr.eq_ignore_ascii_case("objectGUID") {
        let bytes = ldap::binary(entry, attr)?;
        return guid_string(&bytes);
    }
    ldap::text(entry, attr).map(|v| v.trim().to_lowercase())
}

pub fn guid_string(b: &[u8]) -> Option<String> {
    let b: &[u8; 16] = b.try_into().ok()?;
    Some(format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]
    ))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use muster_model::DirectoryPreset;

    use super::*;

    fn entry(attrs: &[(&str, &str)], bin: &[(&str, Vec<u8>)]) -> SearchEntry {
        let mut a: HashMap<String, Vec<String>> = HashMap::new();
        for (k, v) in attrs {
            a.entry(k.to_string()).or_default().push(v.to_string());
        }
        SearchEntry {
            dn: "CN=Ann Lee,OU=Staff,DC=corp,DC=example".into(),
            attrs: a,
            bin_attrs: bin.iter().map(|(k, v)| (k.to_string(), vec![v.clone()])).collect(),
        }
    }

    #[test]
    fn object_guid_reads_in_active_directory_byte_order() {
        // The GUID {3f2504e0-4f89-11d3-9a0c-0305e82c3301} as AD stores it.
        let raw = vec![0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01];
        assert_eq!(guid_string(&raw).unwrap(), "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assert_eq!(guid_string(&raw[..15]), None);
        let map = DirectoryPreset::ActiveDirectory.attribute_map();
        let e = entry(&[("userPrincipalName", "Ann.Lee@Corp.Example")], &[("objectGUID", raw)]);
        let p = person(&e, &map).unwrap();
        assert_eq!(p.directory_id, "3f2504e0-4f89-11d3-9a0c-0305e82c3301");
        assert_eq!(p.email, "ann.lee@corp.example");
    }

    #[test]
    fn user_account_control_bit_two_means_disabled() {
        let map = DirectoryPreset::ActiveDirectory.attribute_map();
        let guid = vec![1u8; 16];
        let enabled = entry(
            &[("userPrincipalName", "a@corp.example"), ("userAccountControl", "512")],
            &[("objectGUID", guid.clone())],
        );
        let disabled =
            entry(&[("userPrincipalName", "a@corp.example"), ("userAccountControl", "514")], &[("objectGUID", guid)]);
        assert!(!person(&enabled, &map).unwrap().disabled);
        assert!(person(&disabled, &map).unwrap().disabled);
    }

    #[test]
    fn active_directory_preset_maps_profile_and_groups() {
        let map = DirectoryPreset::ActiveDirectory.attribute_map();
        let e = entry(
            &[
                ("userPrincipalName", "ann@corp.example"),
                ("givenName", "Ann"),
                ("sn", "Lee"),
                ("department", "Finance"),
                ("title", "Controller"),
                ("memberOf", "CN=Finance,OU=Groups,DC=corp,DC=example"),
            ],
            &[("objectGUID", vec![9u8; 16])],
        );
        let p = person(&e, &map).unwrap();
        assert_eq!(p.profile.first_name.as_deref(), Some("Ann"));
        assert_eq!(p.profile.department.as_deref(), Some("Finance"));
        assert_eq!(p.profile.job_title.as_deref(), Some("Controller"));
        assert_eq!(p.groups, vec!["cn=finance,ou=groups,dc=corp,dc=example"]);
        let attrs = attributes(&map);
        for a in ["objectGUID", "userPrincipalName", "sAMAccountName", "memberOf", "userAccountControl"] {
            assert!(attrs.iter().any(|x| x == a), "{a} not requested: {attrs:?}");
        }
    }

    #[test]
    fn openldap_preset_uses_entry_uuid_and_mail() {
        let map = DirectoryPreset::Openldap.attribute_map();
        let e = entry(&[("entryUUID", "6F1C…-ABC"), ("mail", "bo@example.test")], &[]);
        let p = person(&e, &map).unwrap();
        assert_eq!(p.directory_id, "6f1c…-abc");
        assert!(!p.disabled);
        assert_eq!(person(&entry(&[("mail", "x@example.test")], &[]), &map), Err(Unusable::NoId));
        assert_eq!(person(&entry(&[("entryUUID", "1")], &[]), &map), Err(Unusable::NoEmail));
    }
}
