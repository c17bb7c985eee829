//! Background jobs (bulk invite, import, send pending) as the API reports them.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    BulkInvite,
    Import,
    SendPending,
    DirectorySync,
}
wire_enum!(JobKind {
    BulkInvite => "bulk_invite",
    Import => "import",
    SendPending => "send_pending",
    DirectorySync => "directory_sync",
});

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}
wire_enum!(JobStatus { Queued => "queued", Running => "running", Succeeded => "succeeded", Failed => "failed" });

impl JobStatus {
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobProgress {
    pub processed: u64,
    pub total: Option<u64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub invited: u64,
    pub skipped: u64,
    pub errors: u64,
}

/// One line's or row's result. `changes` maps a field to `{before, after}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct JobResult {
    /// Line (bulk invite) or row (import) number in the uploaded file, from 1.
    pub line: Option<u64>,
    pub email: Option<String>,
    /// e.g. `invited`, `already_member`, `invalid`, `create`, `update`, `unchanged`, `error`.
    pub outcome: String,
    pub detail: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub changes: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: JobKind,
    pub status: JobStatus,
    pub dry_run: bool,
    pub progress: JobProgress,
    pub counts: JobCounts,
    /// One page of results (see `results_cursor`).
    pub results: Vec<JobResult>,
    /// Pass as `cursor` for the next page of results; absent on the last.
    pub next_cursor: Option<String>,
    pub error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}
