//! Invitations into an enterprise (public side: lookup and accept).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationLookup {
    pub email: String,
    pub enterprise_id: String,
    pub enterprise_domain: String,
    pub invited_by: Option<String>,
    pub expires_at: String,
    /// An account with this email exists (it is linked, never duplicated).
    pub account_exists: bool,
    /// The existing account is active: accepting needs its password, or a
    /// session signed in as it. A pending (or missing) account's password is
    /// chosen on accept and replaces whatever was stored.
    #[serde(default)]
    pub account_active: bool,
    /// Accepting also makes the person an admin (contract enterprise's first admin).
    pub grants_admin: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AcceptInvitationRequest {
    pub token: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 256))]
    #[serde(default)]
    pub password: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub last_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AcceptedInvitation {
    pub account_id: String,
    pub enterprise_id: String,
    pub member_state: String,
}
