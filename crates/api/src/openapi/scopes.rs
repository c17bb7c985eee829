//! Which scope a route asks of an API token, read from the published document:
//! each console route's `api_token` security requirements (any one of them
//! suffices). The annotation is the rule, so the document integrators read
//! can never say other than what is enforced; a route without one is closed
//! to tokens.

use std::{collections::HashMap, sync::OnceLock};

use muster_model::ApiScope;

use crate::services::access::TokenAccess;

type Table = HashMap<(String, String), TokenAccess>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = serde_json::to_value(super::shared()).unwrap_or_default();
        let mut table = Table::new();
        let Some(paths) = doc.get("paths").and_then(|p| p.as_object()) else { return table };
        for (path, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                table.insert((method.clone(), path.clone()), access_of(op));
            }
        }
        table
    })
}

fn access_of(op: &serde_json::Value) -> TokenAccess {
    let requirements = op.get("security").and_then(|s| s.as_array()).cloned().unwrap_or_default();
    let scopes: Vec<ApiScope> = requirements
        .iter()
        .filter_map(|r| r.get("api_token")?.as_array().cloned())
        .flatten()
        .filter_map(|s| ApiScope::parse(s.as_str()?))
        .collect();
    if scopes.is_empty() {
        TokenAccess::NotAllowed
    } else {
        TokenAccess::AnyOf(scopes)
    }
}

/// What the route `pattern` (as actix matched it, e.g.
/// `/api/v1/enterprises/{e}/users`) lets a token do for `method`.
pub fn token_access(method: &str, pattern: &str) -> TokenAccess {
    table().get(&(method.to_ascii_lowercase(), pattern.to_string())).cloned().unwrap_or(TokenAccess::NotAllowed)
}
