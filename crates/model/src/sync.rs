//! What Directory Sync reports: test connection and browse results, sync
//! runs with their counts, timings and diff, and the distribution lists the
//! chosen groups become.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `GET …/directory-sync/browse`: what the picker shows.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectoryTree {
    /// Where both lists were searched from (the configured base DN).
    pub base_dn: String,
    pub organizational_units: Vec<DirectoryNode>,
    pub groups: Vec<DirectoryNode>,
}

/// An organizational unit (or container) or a group the picker offers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectoryNode {
    pub dn: String,
    /// `ou` (else `cn`) of a unit, `cn` of a group; the DN when it has none.
    pub name: String,
    /// Groups: how many members the group lists.
    pub members: Option<u64>,
}

/// `POST …/directory-sync/test` → what the bind and a first search found.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConnectionTest {
    pub ok: bool,
    /// `unreachable`, `tls`, `invalid_credentials`, `no_such_base_dn`, `size_limit`, `timeout`, `invalid_filter`, `ldap_error`.
    pub code: Option<String>,
    pub message: String,
    /// Entries the user search returns (all pages).
    pub count: u64,
    /// The first five.
    pub entries: Vec<DirectoryEntry>,
    pub elapsed_ms: u64,
}

/// One person the test search found, read through the attribute map.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DirectoryEntry {
    pub dn: String,
    /// The mapped email attribute (else `mail`); absent when the entry has neither.
    pub email: Option<String>,
    /// First and last name as mapped; absent when the entry has neither.
    pub name: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    Manual,
    Schedule,
}
wire_enum!(SyncTrigger { Manual => "manual", Schedule => "schedule" });

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
    Blocked,
}
wire_enum!(SyncStatus {
    Queued => "queued",
    Running => "running",
    Succeeded => "succeeded",
    Failed => "failed",
    Blocked => "blocked",
});

impl SyncStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Blocked)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub suspended: u64,
    pub restored: u64,
    pub excluded: u64,
    /// Existing members linked to a (new) directory id by their email.
    pub relinked: u64,
    pub invited: u64,
    pub errors: u64,
    pub groups_created: u64,
    pub groups_updated: u64,
    pub groups_removed: u64,
    /// Entries the directory search returned.
    pub entries: u64,
}

/// What a sync did (or would do) with one entry or group: the `action` of a [`SyncChange`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncAction {
    Create,
    Update,
    Suspend,
    Restore,
    Relink,
    /// Left out by a rule, the domain, or a disabled account.
    Exclude,
    /// Left alone on purpose (an admin the sync may not suspend).
    Skip,
    Error,
    GroupCreate,
    GroupUpdate,
    GroupRemove,
}
wire_enum!(SyncAction {
    Create => "create",
    Update => "update",
    Suspend => "suspend",
    Restore => "restore",
    Relink => "relink",
    Exclude => "exclude",
    Skip => "skip",
    Error => "error",
    GroupCreate => "group_create",
    GroupUpdate => "group_update",
    GroupRemove => "group_remove",
});

/// One change of a run: `action` is `create`, `update`, `suspend`, `restore`,
/// `relink`, `exclude`, `error`, `group_create`, `group_update` or `group_remove`;
/// `changes` maps a field to `{before, after}` (for groups, `members_added` /
/// `members_removed` list emails).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncChange {
    pub action: String,
    pub email: Option<String>,
    pub dn: Option<String>,
    pub detail: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub changes: Option<serde_json::Value>,
}

/// A sync run (DESIGN §6 shape).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncRun {
    pub id: String,
    pub trigger: SyncTrigger,
    pub dry_run: bool,
    pub status: SyncStatus,
    pub progress: crate::JobProgress,
    pub counts: SyncCounts,
    /// One page of the diff (see `next_cursor`).
    pub diff: Vec<SyncChange>,
    pub next_cursor: Option<String>,
    pub error: Option<String>,
    pub scheduled_for: Option<String>,
    /// Where the run spent its time (absent until it finished).
    pub timings: Option<SyncTimings>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncTimings {
    /// Reading the directory (bind and paged searches).
    pub read_ms: u64,
    /// Comparing with the members and checking the safeguards.
    pub diff_ms: u64,
    /// The one write transaction (results only, for a dry run).
    pub write_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncRunPage {
    pub items: Vec<SyncRun>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StartSyncRequest {
    #[serde(default)]
    pub dry_run: bool,
    /// Run even though the directory returns far fewer entries than the last
    /// good run (after a deliberate change of scope). The suspend limit still holds.
    #[serde(default)]
    pub accept_smaller_directory: bool,
}

/// A group from the directory, kept as a distribution list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DistributionList {
    pub id: String,
    pub name: String,
    pub dn: String,
    pub email: Option<String>,
    pub members: u64,
    /// Set when the group left the directory or the selection.
    pub removed_at: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DistributionListPage {
    pub items: Vec<DistributionList>,
    pub next_cursor: Option<String>,
}

/// A list with its members' emails.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DistributionListDetail {
    #[serde(flatten)]
    pub list: DistributionList,
    pub member_emails: Vec<String>,
}
