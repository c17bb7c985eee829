//! Webhooks (DESIGN §9): endpoints an admin registers, events queued in the
//! same transaction as the change they report (`queue`), and the delivery
//! pass that signs and posts them (`delivery`: Standard Webhooks, retrying with
//! backoff for 24 hours; an endpoint failing that long is turned off and the PMA mailed).

mod delivery;

pub use delivery::{deliver_due, sign};

use base64::Engine;
use muster_model::{
    webhook_problem, CreateWebhookRequest, CreatedWebhook, DeliveryState, UpdateWebhookRequest, Webhook,
    WebhookDelivery, WebhookDeliveryPage, WebhookEvent, WebhookList,
};
use rand::RngCore;
use serde_json::json;

use crate::{
    services::{
        access::Console,
        audit, crypto,
        error::{DomainError, DomainResult, During},
    },
    state::AppState,
    store::{
        audit as audit_store, new_id, now_ms, rfc3339,
        webhooks::{self as store, DeliveryRow, NewDelivery, WebhookRow},
        Page,
    },
};

/// Deliveries are retried this long after the event, then failed; an
/// endpoint that failed this long without a success is turned off.
pub const RETRY_WINDOW_MS: i64 = 24 * 3600 * 1000;
const SECRET_PREFIX: &str = "whsec_";

fn events_of(stored: &str) -> Vec<WebhookEvent> {
    stored.split_whitespace().filter_map(WebhookEvent::parse).collect()
}

fn stored_events(events: &[WebhookEvent]) -> String {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(" ")
}

fn view(w: &WebhookRow) -> Webhook {
    Webhook {
        id: w.id.clone(),
        url: w.url.clone(),
        events: events_of(&w.events),
        description: w.description.clone(),
        enabled: w.enabled != 0,
        disabled_reason: w.disabled_reason.clone(),
        created_at: rfc3339(w.created_at),
    }
}

fn check(url: &str, events: &[WebhookEvent], description: Option<&str>) -> DomainResult<()> {
    match webhook_problem(url, events, description) {
        Some((code, detail)) => Err(DomainError::field(code, detail)),
        None => Ok(()),
    }
}

pub async fn create(state: &AppState, c: &Console, req: CreateWebhookRequest) -> DomainResult<CreatedWebhook> {
    // The description is checked as sent (a tab is refused, not trimmed away).
    check(req.url.trim(), &req.events, req.description.as_deref())?;
    let description = req.description.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string);
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let id = new_id();
    let now = now_ms();
    let row = WebhookRow {
        id: id.clone(),
        enterprise_id: c.enterprise.id.clone(),
        url: req.url.trim().to_string(),
        events: stored_events(&req.events),
        description,
        secret_sealed: crypto::seal(&state.secrets.encryption_key, &id, &key)?,
        enabled: 1,
        disabled_reason: None,
        created_by: Some(c.actor.id.clone()),
        created_at: now,
        updated_at: now,
    };
    let mut tx = state.db.pool.begin().await?;
    store::insert(&mut *tx, &row).await.during(|| format!("adding a webhook to {}", c.enterprise.domain))?;
    let details = json!({"id": id, "url": row.url, "events": events_of(&row.events)});
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&c.actor), &c.enterprise.id, "webhook.created", Some(&row.url), details),
        now,
    )
    .await?;
    tx.commit().await?;
    let secret = format!("{SECRET_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(key));
    Ok(CreatedWebhook { webhook: view(&row), secret })
}

pub async fn list(state: &AppState, c: &Console) -> DomainResult<WebhookList> {
    let rows = store::of_enterprise(&state.db.pool, &c.enterprise.id)
        .await
        .during(|| format!("reading the webhooks of {}", c.enterprise.domain))?;
    Ok(WebhookList { items: rows.iter().map(view).collect() })
}

async fn endpoint(state: &AppState, c: &Console, id: &str) -> DomainResult<WebhookRow> {
    store::by_id(&state.db.pool, &c.enterprise.id, id).await?.ok_or(DomainError::NotFound("webhook"))
}

pub async fn update(state: &AppState, c: &Console, id: &str, req: UpdateWebhookRequest) -> DomainResult<Webhook> {
    let mut row = endpoint(state, c, id).await?;
    if req.description.as_deref().is_some_and(|d| d.chars().any(char::is_control)) {
        check(&row.url, &events_of(&row.events), req.description.as_deref())?;
    }
    if let Some(url) = req.url {
        row.url = url.trim().to_string();
    }
    if let Some(events) = req.events {
        row.events = stored_events(&events);
    }
    if let Some(d) = req.description {
        row.description = Some(d.trim().to_string()).filter(|d| !d.is_empty());
    }
    if let Some(enabled) = req.enabled {
        row.enabled = i64::from(enabled);
        if enabled {
            row.disabled_reason = None;
        }
    }
    check(&row.url, &events_of(&row.events), row.description.as_deref())?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !store::update(&mut *tx, &row, now).await? {
        return Err(DomainError::NotFound("webhook"));
    }
    let details = json!({"id": id, "url": row.url, "events": events_of(&row.events), "enabled": row.enabled != 0});
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&c.actor), &c.enterprise.id, "webhook.updated", Some(&row.url), details),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(view(&row))
}

pub async fn delete(state: &AppState, c: &Console, id: &str) -> DomainResult<()> {
    let row = endpoint(state, c, id).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if !store::delete(&mut tx, &c.enterprise.id, id, now).await? {
        return Err(DomainError::NotFound("webhook"));
    }
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&c.actor), &c.enterprise.id, "webhook.deleted", Some(&row.url), json!({"id": id})),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn delivery_view(d: DeliveryRow) -> WebhookDelivery {
    WebhookDelivery {
        event_type: WebhookEvent::parse(&d.event_type).unwrap_or(WebhookEvent::MemberUpdated),
        state: DeliveryState::parse(&d.state).unwrap_or(DeliveryState::Pending),
        attempts: d.attempts.max(0) as u32,
        created_at: rfc3339(d.created_at),
        next_attempt_at: d.next_attempt_at.filter(|_| d.state == "pending").map(rfc3339),
        delivered_at: d.delivered_at.map(rfc3339),
        last_status: d.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: d.last_error,
        last_duration_ms: d.last_duration_ms.and_then(|m| u64::try_from(m).ok()),
        last_response: d.last_response,
        id: d.id,
        event_id: d.event_id,
    }
}

pub async fn deliveries(
    state: &AppState,
    c: &Console,
    id: &str,
    cursor: Option<&str>,
    limit: i64,
) -> DomainResult<WebhookDeliveryPage> {
    let row = endpoint(state, c, id).await?;
    let rows = store::deliveries(&state.db.pool, &row.id, cursor, limit + 1)
        .await
        .during(|| format!("reading the deliveries of webhook {id}"))?;
    let page = Page::of(rows, limit, |d| d.id.clone());
    Ok(WebhookDeliveryPage {
        items: page.items.into_iter().map(delivery_view).collect(),
        next_cursor: page.next_cursor,
    })
}

/// Sends a delivery again now (the console's Retry), with the same `webhook-id`.
pub async fn retry(state: &AppState, c: &Console, id: &str, delivery: &str) -> DomainResult<WebhookDelivery> {
    let row = endpoint(state, c, id).await?;
    let now = now_ms();
    if !store::retry(&state.db.pool, &c.enterprise.id, &row.id, delivery, now).await? {
        let known = store::delivery(&state.db.pool, &row.id, delivery).await?;
        return Err(match known {
            Some(_) => DomainError::conflict("delivery_pending", "This delivery is already waiting to be sent."),
            None => DomainError::NotFound("delivery"),
        });
    }
    state.wake_webhooks();
    let d = store::delivery(&state.db.pool, &row.id, delivery).await?.ok_or(DomainError::NotFound("delivery"))?;
    Ok(delivery_view(d))
}

/// Queues `event` for every enabled endpoint of the enterprise that takes it,
/// in the caller's transaction: the event exists exactly when the change does.
pub async fn queue(
    conn: &mut sqlx::AnyConnection,
    enterprise_id: &str,
    event: WebhookEvent,
    data: serde_json::Value,
    now: i64,
) -> DomainResult<()> {
    queue_all(conn, enterprise_id, event, [data], now).await
}

/// `queue` for many events of one type (an import's new members): the
/// endpoints are looked up once, and nothing more happens when there are none.
pub async fn queue_all(
    conn: &mut sqlx::AnyConnection,
    enterprise_id: &str,
    event: WebhookEvent,
    data: impl IntoIterator<Item = serde_json::Value>,
    now: i64,
) -> DomainResult<()> {
    let endpoints = store::subscribed(&mut *conn, enterprise_id, event.as_str()).await?;
    if endpoints.is_empty() {
        return Ok(());
    }
    for data in data {
        queue_to(conn, &endpoints, enterprise_id, event, data, now).await?;
    }
    Ok(())
}

async fn queue_to(
    conn: &mut sqlx::AnyConnection,
    endpoints: &[String],
    enterprise_id: &str,
    event: WebhookEvent,
    data: serde_json::Value,
    now: i64,
) -> DomainResult<()> {
    let event_id = format!("msg_{}", new_id());
    let payload = json!({
        "id": event_id,
        "type": event.as_str(),
        "timestamp": rfc3339(now),
        "enterprise_id": enterprise_id,
        "data": data,
    })
    .to_string();
    for webhook_id in endpoints {
        let d = NewDelivery {
            id: new_id(),
            webhook_id,
            enterprise_id,
            event_id: &event_id,
            event_type: event.as_str(),
            payload: &payload,
        };
        store::queue(&mut *conn, &d, now).await?;
    }
    Ok(())
}

/// `job.finished` (Bulk Invite, Send pending, Import) or
/// `directory_sync.finished` (a sync run), with the run's outcome.
pub async fn job_finished(
    conn: &mut sqlx::AnyConnection,
    job: &crate::store::jobs::JobRow,
    status: &str,
    counts: serde_json::Value,
    error: Option<&str>,
    now: i64,
) -> DomainResult<()> {
    let event = if job.kind == muster_model::JobKind::DirectorySync.as_str() {
        WebhookEvent::DirectorySyncFinished
    } else {
        WebhookEvent::JobFinished
    };
    let data = json!({"id": job.id, "kind": job.kind, "status": status, "dry_run": job.dry_run != 0, "counts": counts, "error": error});
    queue(conn, &job.enterprise_id, event, data, now).await
}

/// What `member.created` says of a new member.
pub fn member_created(m: &crate::store::members::NewMember) -> serde_json::Value {
    json!({
        "id": m.id,
        "email": m.email,
        "source": m.source.as_str(),
        "state": "invited",
        "first_name": m.profile.first_name,
        "last_name": m.profile.last_name,
        "department": m.profile.department,
        "phone": m.profile.phone,
        "job_title": m.profile.job_title,
    })
}
