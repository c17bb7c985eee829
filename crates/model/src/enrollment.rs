//! Enrollment: invitations as admins send and list them, members (users) and
//! their states, and billing by managed seat.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::enterprise::{BillingCycle, Plan};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InviteRequest {
    /// Addresses in the enterprise's domain; up to 10,000 per request.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub emails: Vec<String>,
    /// Mail the invitations now (default), or leave them for "send pending".
    #[serde(default)]
    pub send_invitations: Option<bool>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteOutcome {
    Invited,
    AlreadyMember,
    AlreadyInvited,
    NotInDomain,
    Invalid,
}
wire_enum!(InviteOutcome {
    Invited => "invited",
    AlreadyMember => "already_member",
    AlreadyInvited => "already_invited",
    NotInDomain => "not_in_domain",
    Invalid => "invalid",
});

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InviteResult {
    /// The address as it was given.
    pub email: String,
    pub outcome: InviteOutcome,
    /// Why, in words, when not invited.
    pub detail: Option<String>,
    pub invitation_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InviteCounts {
    pub invited: u64,
    pub already_member: u64,
    pub already_invited: u64,
    pub not_in_domain: u64,
    pub invalid: u64,
}

impl InviteCounts {
    pub fn add(&mut self, outcome: InviteOutcome) {
        match outcome {
            InviteOutcome::Invited => self.invited += 1,
            InviteOutcome::AlreadyMember => self.already_member += 1,
            InviteOutcome::AlreadyInvited => self.already_invited += 1,
            InviteOutcome::NotInDomain => self.not_in_domain += 1,
            InviteOutcome::Invalid => self.invalid += 1,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InviteResponse {
    pub results: Vec<InviteResult>,
    pub counts: InviteCounts,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}
wire_enum!(InvitationStatus { Pending => "pending", Accepted => "accepted", Revoked => "revoked", Expired => "expired" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for "send pending".
    NotSent,
    Queued,
    /// Handed to the mail server.
    Sent,
    /// Delivery failed and is being retried.
    Retrying,
}
wire_enum!(DeliveryStatus { NotSent => "not_sent", Queued => "queued", Sent => "sent", Retrying => "retrying" });

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Invitation {
    pub id: String,
    pub email: String,
    pub status: InvitationStatus,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub delivery: DeliveryStatus,
    /// The mail server's last answer while `retrying`.
    pub delivery_error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InvitationPage {
    pub items: Vec<Invitation>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    Invited,
    Unmanaged,
    Managed,
    Suspended,
    Removed,
}
wire_enum!(MemberState {
    Invited => "invited",
    Unmanaged => "unmanaged",
    Managed => "managed",
    Suspended => "suspended",
    Removed => "removed",
});

/// How a member came in: the Analytics funnel splits by it, and Directory
/// Sync only ever suspends people it brought or linked.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MemberSource {
    /// The PMA who signed up and verified the domain.
    Signup,
    /// The admin a `muster enterprise create` contract invited.
    Contract,
    Invite,
    BulkInvite,
    Import,
    Directory,
    /// Provisioned by a SCIM client (Okta, Entra) with an API token.
    Scim,
}
wire_enum!(MemberSource {
    Signup => "signup",
    Contract => "contract",
    Invite => "invite",
    BulkInvite => "bulk_invite",
    Import => "import",
    Directory => "directory",
    Scim => "scim",
});

/// The states an admin sets on a member (`invited` comes from an invitation,
/// `removed` from revoking it): what `UpdateMemberRequest.state` accepts.
#[cfg(feature = "openapi")]
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SettableMemberState {
    Managed,
    Unmanaged,
    Suspended,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Member {
    pub id: String,
    pub email: String,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    pub state: MemberState,
    /// How the person was enrolled: `signup`, `invite`, `bulk_invite`, `import`, `directory`.
    pub source: String,
    pub created_at: String,
    pub managed_since: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberPage {
    pub items: Vec<Member>,
    pub next_cursor: Option<String>,
}

/// Profile fields to change (absent: unchanged; empty string: cleared) and/or a new state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UpdateMemberRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub first_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub last_name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub department: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub phone: Option<String>,
    #[cfg_attr(feature = "openapi", schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$"))]
    #[serde(default)]
    pub job_title: Option<String>,
    /// `managed`, `unmanaged` or `suspended` (restore a suspended member with `unmanaged`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<SettableMemberState>))]
    pub state: Option<MemberState>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberIds {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 10000))]
    pub ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BulkStateResult {
    /// Members whose state changed.
    pub changed: u64,
    /// Ids that were already in that state, or cannot move to it (e.g. still invited).
    pub skipped: Vec<String>,
    pub managed_seats: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SeatEvent {
    pub email: String,
    /// +1 when a member became managed, -1 when no longer.
    pub delta: i64,
    pub seats_after: i64,
    pub actor_email: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Billing {
    pub plan: Plan,
    pub billing_cycle: BillingCycle,
    pub managed_seats: i64,
    pub seat_cap: Option<i64>,
    /// Price of one managed seat for one period of the cycle.
    pub seat_price_cents: i64,
    pub period_start: String,
    pub period_end: String,
    /// Managed seats × seat price for the current period.
    pub period_charge_cents: i64,
    pub recent_seat_events: Vec<SeatEvent>,
}

/// Members by state, for the dashboard.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MemberCounts {
    pub invited: i64,
    pub unmanaged: i64,
    pub managed: i64,
    pub suspended: i64,
}

/// One day of the enrollment funnel (UTC).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FunnelDay {
    /// `YYYY-MM-DD`
    pub date: String,
    pub invited: i64,
    pub accepted: i64,
    pub managed: i64,
}

/// The funnel of everyone enrolled one way (`invite`, `bulk_invite`, `import`, `directory`, `signup`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SourceFunnel {
    pub source: String,
    pub invited: i64,
    pub accepted: i64,
    pub managed: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Analytics {
    pub days: Vec<FunnelDay>,
    pub by_source: Vec<SourceFunnel>,
}
