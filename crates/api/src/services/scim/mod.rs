//! SCIM 2.0 service provider (RFC 7643/7644, DESIGN §9): the fourth
//! enrollment channel. An API token with the scope `scim` names the tenant
//! (its enterprise); people are written by the same pipeline as Import and
//! Directory Sync (staged invitations, the seat counter, webhooks, audit),
//! and the same access decision admits the token.

pub mod discovery;
pub mod groups;
pub mod patch;
pub mod resource;
pub mod users;

use muster_model::{ApiScope, Module, ScimSettings, UpdateScimSettings};
use serde_json::json;

use crate::{
    services::{
        access::{self, Console, TokenAccess},
        api_tokens, audit,
        error::{DomainError, DomainResult},
    },
    state::AppState,
    store::{audit as audit_store, now_ms, scim},
};

/// The source name SCIM's seat events and reports carry.
pub const SOURCE: &str = "SCIM";

/// Results a list answers with at most (ServiceProviderConfig `filter.maxResults`).
pub const MAX_RESULTS: i64 = 1000;

/// Who a SCIM request acts for.
pub struct Tenant {
    pub console: Console,
    /// The token was created by the PMA: it may change admins' states (DESIGN §4 Admins).
    pub by_pma: bool,
    /// `…/scim/v2`, for `meta.location`.
    pub base: String,
}

pub fn base_url(state: &AppState) -> String {
    format!("{}/scim/v2", state.config.public_url.trim_end_matches('/'))
}

/// The bearer must be an API token with the scope `scim` whose creator is
/// still an admin of an enterprise whose Users module is open.
pub async fn tenant(state: &AppState, bearer: Option<&str>) -> DomainResult<Tenant> {
    let bearer = bearer.filter(|b| api_tokens::is_api_token(b)).ok_or_else(|| {
        DomainError::unauthorized(
            "unauthenticated",
            "SCIM needs an API token with the scope scim: Authorization: Bearer mst_…",
        )
    })?;
    let token = api_tokens::authenticate(state, bearer).await?;
    let enterprise_id = token.row.enterprise_id.clone();
    let access = TokenAccess::AnyOf(vec![ApiScope::Scim]);
    let console = access::for_token(state, token, &enterprise_id, Some(Module::Users), &access).await?;
    let by_pma = console.actor.token.as_ref().is_some_and(|t| t.by_pma);
    Ok(Tenant { console, by_pma, base: base_url(state) })
}

pub async fn send_invitations(state: &AppState, enterprise_id: &str) -> DomainResult<bool> {
    Ok(scim::send_invitations(&state.db.pool, enterprise_id).await?.unwrap_or(true))
}

pub async fn settings(state: &AppState, c: &Console) -> DomainResult<ScimSettings> {
    Ok(ScimSettings { send_invitations: send_invitations(state, &c.enterprise.id).await?, base_url: base_url(state) })
}

pub async fn save_settings(state: &AppState, c: &Console, req: UpdateScimSettings) -> DomainResult<ScimSettings> {
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    scim::save_settings(&mut *tx, &c.enterprise.id, req.send_invitations, now).await?;
    let details = json!({"send_invitations": req.send_invitations});
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&c.actor), &c.enterprise.id, "scim.settings_changed", None, details),
        now,
    )
    .await?;
    tx.commit().await?;
    settings(state, c).await
}

/// `startIndex` (1-based) and `count` as RFC 7644 §3.4.2.4 reads them:
/// below 1 is 1, a negative count is 0, more than the maximum is the maximum.
pub fn page(start_index: Option<i64>, count: Option<i64>) -> (i64, i64) {
    let start = start_index.unwrap_or(1).max(1);
    let count = count.unwrap_or(100).clamp(0, MAX_RESULTS);
    (start, count)
}

/// A filter parameter parsed, or `400 invalidFilter` saying why.
pub fn filter_of(
    text: Option<&str>,
    resource: crate::store::scim_filter::Resource,
) -> DomainResult<Option<crate::store::scim_filter::Condition>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let bad = |why: String| DomainError::field("invalidFilter", format!("The filter {text:?} cannot be used: {why}."));
    let parsed = muster_model::scim_filter::parse(text).map_err(|e| bad(e.0))?;
    crate::store::scim_filter::condition(resource, &parsed, 2).map(Some).map_err(bad)
}

/// What list requests share: the filter, paging and projection.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    pub filter: Option<String>,
    pub start_index: Option<i64>,
    pub count: Option<i64>,
    pub attributes: Option<String>,
    pub excluded_attributes: Option<String>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn paging_as_the_rfc_reads_it() {
        assert_eq!(super::page(None, None), (1, 100));
        assert_eq!(super::page(Some(0), Some(-5)), (1, 0));
        assert_eq!(super::page(Some(201), Some(5000)), (201, super::MAX_RESULTS));
    }
}
