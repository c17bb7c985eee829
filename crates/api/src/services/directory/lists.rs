//! The distribution lists the chosen groups became.

use muster_model::{DistributionList, DistributionListDetail, DistributionListPage};

use crate::store::distribution_lists;
use crate::store::Page;
use crate::{
    services::access::Console,
    services::error::{DomainError, DomainResult},
    state::AppState,
    store::rfc3339,
};

pub async fn lists(
    state: &AppState,
    c: &Console,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<DistributionListPage> {
    let rows = distribution_lists::lists(&state.db.pool, &c.enterprise.id, cursor, limit + 1).await?;
    let page = Page::of(rows, limit, |r| r.id.clone());
    Ok(DistributionListPage { items: page.items.into_iter().map(list_view).collect(), next_cursor: page.next_cursor })
}

pub async fn list(state: &AppState, c: &Console, id: &str) -> DomainResult<DistributionListDetail> {
    let row = distribution_lists::list(&state.db.pool, &c.enterprise.id, id)
        .await?
        .ok_or(DomainError::NotFound("distribution list"))?;
    let member_emails = distribution_lists::list_member_emails(&state.db.pool, &row.id).await?;
    Ok(DistributionListDetail { list: list_view(row), member_emails })
}

pub(super) fn list_view(r: distribution_lists::ListRow) -> DistributionList {
    DistributionList {
        id: r.id,
        name: r.name,
        dn: r.dn,
        email: r.email,
        members: r.members.max(0) as u64,
        removed_at: r.removed_at.map(rfc3339),
        updated_at: rfc3339(r.updated_at),
    }
}
