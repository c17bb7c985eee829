//! API tokens (DESIGN §9): an enterprise's service credentials, each limited
//! to the scopes it was created with.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a token may do. Routes name the scope they need in the OpenAPI
/// document (`api_token` security requirement).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ApiScope {
    #[serde(rename = "users:read")]
    UsersRead,
    #[serde(rename = "users:write")]
    UsersWrite,
    #[serde(rename = "invitations:write")]
    InvitationsWrite,
    #[serde(rename = "imports:write")]
    ImportsWrite,
    #[serde(rename = "directory:read")]
    DirectoryRead,
    #[serde(rename = "directory:write")]
    DirectoryWrite,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "webhooks:write")]
    WebhooksWrite,
    #[serde(rename = "scim")]
    Scim,
    #[serde(rename = "enterprise:read")]
    EnterpriseRead,
}
wire_enum!(ApiScope {
    UsersRead => "users:read",
    UsersWrite => "users:write",
    InvitationsWrite => "invitations:write",
    ImportsWrite => "imports:write",
    DirectoryRead => "directory:read",
    DirectoryWrite => "directory:write",
    AuditRead => "audit:read",
    WebhooksWrite => "webhooks:write",
    Scim => "scim",
    EnterpriseRead => "enterprise:read",
});

impl ApiScope {
    /// What the console's checkbox says.
    pub fn describe(self) -> &'static str {
        match self {
            ApiScope::UsersRead => "Read users, distribution lists and invitations",
            ApiScope::UsersWrite => "Edit users: profile, state, manage and unmanage",
            ApiScope::InvitationsWrite => "Invite, bulk invite, send pending, resend and revoke",
            ApiScope::ImportsWrite => "Import CSV files",
            ApiScope::DirectoryRead => "Read the Directory Sync configuration and runs",
            ApiScope::DirectoryWrite => "Configure Directory Sync and start runs",
            ApiScope::AuditRead => "Read the audit log",
            ApiScope::WebhooksWrite => "Manage webhooks",
            ApiScope::Scim => "Provision over SCIM 2.0 (Okta, Entra)",
            ApiScope::EnterpriseRead => "Read the enterprise, billing, member counts and analytics",
        }
    }
}

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;
/// Longest lifetime a token can be given.
pub const MAX_TOKEN_DAYS: u32 = 3650;

/// `POST …/api-tokens`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateApiTokenRequest {
    /// What the token is for, e.g. `CI nightly`; 1–100 characters, not only spaces, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^ *[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )
    )]
    pub name: String,
    /// At least one.
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub scopes: Vec<ApiScope>,
    /// 1–3650; left out, the token does not expire (revoke it when it is no longer needed).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    #[serde(default, deserialize_with = "crate::validate::whole_number")]
    pub expires_in_days: Option<u32>,
}

impl CreateApiTokenRequest {
    /// The problem with the request in words, for the form and the server alike.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let name = self.name.trim();
        // The bound is on the name as sent, as the schema's maxLength says.
        if name.is_empty() || self.name.chars().count() > MAX_TOKEN_NAME_CHARS || name.chars().any(char::is_control) {
            return Some((
                "invalid_name",
                format!("Give the token a name of 1 to {MAX_TOKEN_NAME_CHARS} characters, without control characters."),
            ));
        }
        if self.scopes.is_empty() {
            return Some(("no_scopes", "Choose at least one scope.".into()));
        }
        if self.expires_in_days.is_some_and(|d| !(1..=MAX_TOKEN_DAYS).contains(&d)) {
            return Some(("invalid_expiry", format!("A token lives 1 to {MAX_TOKEN_DAYS} days.")));
        }
        None
    }
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub scopes: Vec<ApiScope>,
    /// The public part of the secret (`mst_<prefix>_…`), to tell tokens apart.
    pub prefix: String,
    /// The admin who created it; the token works only while they are an admin.
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
}

/// `201` of `POST …/api-tokens`: the token and, this once, its secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreatedApiToken {
    #[serde(flatten)]
    pub api_token: ApiToken,
    /// `mst_<prefix>_<secret>`: send as `Authorization: Bearer …`. Shown only now.
    pub token: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApiTokenList {
    pub items: Vec<ApiToken>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str, scopes: Vec<ApiScope>, days: Option<u32>) -> CreateApiTokenRequest {
        CreateApiTokenRequest { name: name.into(), scopes, expires_in_days: days }
    }

    #[test]
    fn a_token_needs_a_name_a_scope_and_a_sane_lifetime() {
        assert_eq!(request("CI", vec![ApiScope::UsersRead], Some(90)).problem(), None);
        assert_eq!(request(" ", vec![ApiScope::UsersRead], None).problem().unwrap().0, "invalid_name");
        assert_eq!(request(&"x".repeat(101), vec![ApiScope::UsersRead], None).problem().unwrap().0, "invalid_name");
        assert_eq!(request("CI\u{7}", vec![ApiScope::UsersRead], None).problem().unwrap().0, "invalid_name");
        assert_eq!(request("CI", vec![], None).problem().unwrap().0, "no_scopes");
        assert_eq!(request("CI", vec![ApiScope::Scim], Some(0)).problem().unwrap().0, "invalid_expiry");
        assert_eq!(request("CI", vec![ApiScope::Scim], Some(3651)).problem().unwrap().0, "invalid_expiry");
    }

    #[test]
    fn scopes_travel_as_their_documented_names() {
        assert_eq!(serde_json::to_string(&ApiScope::DirectoryWrite).unwrap(), "\"directory:write\"");
        for scope in ApiScope::ALL {
            assert_eq!(ApiScope::parse(scope.as_str()), Some(*scope));
            assert_eq!(serde_json::to_string(scope).unwrap(), format!("\"{}\"", scope.as_str()));
        }
    }
}
