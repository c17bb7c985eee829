//! SCIM 2.0 (DESIGN §9): the enterprise's SCIM setting, as the console and
//! integrators read and change it. The SCIM resources themselves are SCIM's
//! own JSON (RFC 7643), served under `/scim/v2`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// How SCIM enrolls people, and where a SCIM client connects.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ScimSettings {
    /// Whether a person SCIM creates is mailed the invitation at once (else it
    /// waits for "Send pending invitations").
    pub send_invitations: bool,
    /// The SCIM base URL to give Okta or Entra (read-only).
    #[cfg_attr(feature = "openapi", schema(example = "https://muster.example.com/scim/v2"))]
    pub base_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateScimSettings {
    pub send_invitations: bool,
}
