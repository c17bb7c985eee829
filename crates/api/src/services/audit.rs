//! The audit log: events recorded with the actor taken from the session, and
//! read back newest first with filters.

use muster_model::{AuditEvent, AuditEventPage, TokenActor};

use crate::{
    services::{
        access::{Actor, Console},
        error::{DomainResult, During},
    },
    state::AppState,
    store::{self, audit::NewEvent, rfc3339, Page},
};

pub fn by<'a>(
    actor: Option<&'a Actor>,
    enterprise_id: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    details: serde_json::Value,
) -> NewEvent<'a> {
    NewEvent {
        enterprise_id: Some(enterprise_id),
        actor_id: actor.map(|a| a.id.as_str()),
        actor_email: actor.map(|a| a.email.as_str()),
        actor_token_id: actor.and_then(|a| a.token.as_ref()).map(|t| t.id.as_str()),
        actor_token_name: actor.and_then(|a| a.token.as_ref()).map(|t| t.name.as_str()),
        action,
        target,
        details,
    }
}

/// One page of the enterprise's events, newest first; `actor` matches the email ignoring case.
pub async fn list(
    state: &AppState,
    c: &Console,
    action: Option<&str>,
    actor: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<AuditEventPage> {
    let given = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
    let filter = store::audit::Filter {
        action: given(action),
        actor: given(actor).map(|s| s.to_ascii_lowercase()),
        before_id: given(cursor),
        limit: limit + 1,
    };
    let rows = store::audit::list(&state.db.pool, &c.enterprise.id, &filter)
        .await
        .during(|| format!("reading the audit log of {}", c.enterprise.domain))?;
    let page = Page::of(rows, limit, |r| r.id.clone());
    let items = page
        .items
        .into_iter()
        .map(|r| AuditEvent {
            id: r.id,
            actor_email: r.actor_email,
            actor_token: r.actor_token_id.zip(r.actor_token_name).map(|(id, name)| TokenActor { id, name }),
            action: r.action,
            target: r.target,
            details: r.details.and_then(|d| serde_json::from_str(&d).ok()).unwrap_or(serde_json::Value::Null),
            created_at: rfc3339(r.created_at),
        })
        .collect();
    Ok(AuditEventPage { items, next_cursor: page.next_cursor })
}
