//! RFC 9457 problem details, as the API sends them and the SPA reads them.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Problem {
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default)]
    pub detail: String,
    /// Stable machine-readable code, e.g. `domain_unverified`.
    pub code: String,
}

fn about_blank() -> String {
    "about:blank".into()
}
