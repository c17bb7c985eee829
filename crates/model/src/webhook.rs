//! Webhooks (DESIGN §9, the Standard Webhooks convention): endpoints that
//! receive signed events, and the log of every delivery.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum WebhookEvent {
    #[serde(rename = "member.created")]
    MemberCreated,
    #[serde(rename = "member.updated")]
    MemberUpdated,
    #[serde(rename = "member.state_changed")]
    MemberStateChanged,
    #[serde(rename = "invitation.sent")]
    InvitationSent,
    #[serde(rename = "invitation.accepted")]
    InvitationAccepted,
    #[serde(rename = "job.finished")]
    JobFinished,
    #[serde(rename = "directory_sync.finished")]
    DirectorySyncFinished,
    #[serde(rename = "domain.status_changed")]
    DomainStatusChanged,
    #[serde(rename = "api_token.created")]
    ApiTokenCreated,
}
wire_enum!(WebhookEvent {
    MemberCreated => "member.created",
    MemberUpdated => "member.updated",
    MemberStateChanged => "member.state_changed",
    InvitationSent => "invitation.sent",
    InvitationAccepted => "invitation.accepted",
    JobFinished => "job.finished",
    DirectorySyncFinished => "directory_sync.finished",
    DomainStatusChanged => "domain.status_changed",
    ApiTokenCreated => "api_token.created",
});

/// Longest endpoint URL and description.
pub const MAX_WEBHOOK_URL_CHARS: usize = 2048;
pub const MAX_WEBHOOK_DESCRIPTION_CHARS: usize = 500;

/// `POST …/webhooks`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreateWebhookRequest {
    /// `https://…` (or `http://…`); resolved and checked at every attempt.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2048,
            pattern = r"^https?://[^\s\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\[\]]+$"
        )
    )]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<WebhookEvent>,
    #[cfg_attr(feature = "openapi", schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    pub description: Option<String>,
}

/// `PATCH …/webhooks/{id}`: what is given changes; `enabled: true` turns a disabled endpoint back on.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateWebhookRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2048,
            pattern = r"^https?://[^\s\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\[\]]+$"
        )
    )]
    pub url: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Option<Vec<WebhookEvent>>,
    #[cfg_attr(feature = "openapi", schema(max_length = 500, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// The problem with an endpoint's URL, events or description, in words.
pub fn webhook_problem(
    url: &str,
    events: &[WebhookEvent],
    description: Option<&str>,
) -> Option<(&'static str, String)> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    // Brackets (IPv6 literals) are refused: a host name reaches the same endpoint.
    let odd = |c: char| c.is_whitespace() || c.is_control() || c == '[' || c == ']';
    if !scheme_ok || url.chars().count() > MAX_WEBHOOK_URL_CHARS || url.chars().any(odd) {
        return Some(("invalid_url", "Give an http:// or https:// URL without spaces.".into()));
    }
    if events.is_empty() {
        return Some(("no_events", "Choose at least one event.".into()));
    }
    if description.is_some_and(|d| d.chars().count() > MAX_WEBHOOK_DESCRIPTION_CHARS || d.chars().any(char::is_control))
    {
        return Some((
            "invalid_description",
            "A description has at most 500 characters and no control characters.".into(),
        ));
    }
    None
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    pub description: Option<String>,
    pub enabled: bool,
    /// Why it was turned off (failing for 24 hours), when it was.
    pub disabled_reason: Option<String>,
    pub created_at: String,
}

/// `201` of `POST …/webhooks`: the endpoint and, this once, its signing secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CreatedWebhook {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// `whsec_<base64>`: verify `webhook-signature` with it. Shown only now.
    pub secret: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookList {
    pub items: Vec<Webhook>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}
wire_enum!(DeliveryState { Pending => "pending", Delivered => "delivered", Failed => "failed" });

/// One event on its way to one endpoint, with its latest attempt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookDelivery {
    pub id: String,
    /// The `webhook-id` header: the same on every attempt.
    pub event_id: String,
    pub event_type: WebhookEvent,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub delivered_at: Option<String>,
    /// The HTTP status of the latest attempt.
    pub last_status: Option<u16>,
    /// What went wrong at the latest attempt, in words.
    pub last_error: Option<String>,
    pub last_duration_ms: Option<u64>,
    /// The start of the latest answer (public targets only).
    pub last_response: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct WebhookDeliveryPage {
    pub items: Vec<WebhookDelivery>,
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_needs_an_http_url_and_an_event() {
        let events = [WebhookEvent::MemberCreated];
        assert_eq!(webhook_problem("https://hooks.example.com/muster", &events, None), None);
        assert_eq!(webhook_problem("ftp://x", &events, None).unwrap().0, "invalid_url");
        assert_eq!(webhook_problem("https://x/ y", &events, None).unwrap().0, "invalid_url");
        assert_eq!(webhook_problem("http://[::1]/", &events, None).unwrap().0, "invalid_url");
        assert_eq!(webhook_problem("https://x/", &[], None).unwrap().0, "no_events");
        assert_eq!(webhook_problem("https://x/", &events, Some("a\u{0}")).unwrap().0, "invalid_description");
        for e in WebhookEvent::ALL {
            assert_eq!(serde_json::to_string(e).unwrap(), format!("\"{}\"", e.as_str()));
        }
    }
}
