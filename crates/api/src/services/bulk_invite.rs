//! Bulk Invite: a text file of addresses (one a line; commas and semicolons
//! also split; blanks and repeats ignored) invited by a job, with a result
//! for every address carrying its line number.

use muster_model::{
    bulk::{parse, Entry},
    InviteOutcome, JobCounts, JobKind, MemberSource,
};
use serde_json::json;

use crate::{
    services::access::Actor,
    services::error::{DomainError, DomainResult},
    services::{
        access::Console,
        audit, enrollment, jobs as job_service,
        upload::{read_all, ByteStream},
    },
    state::AppState,
    store::{audit as audit_store, enterprises, jobs, jobs::JobRow, jobs::ResultRow, now_ms},
};

pub const MAX_BYTES: usize = 16 * 1024 * 1024;
pub const MAX_ADDRESSES: usize = 100_000;

/// Queues a Bulk Invite: a place in the queue first (a full queue reads nothing
/// of the body), then the file, read whole and checked.
pub async fn create(
    state: &AppState,
    c: &Console,
    actor: &Actor,
    upload: ByteStream,
    send: bool,
) -> DomainResult<JobRow> {
    let slot = job_service::reserve(state, &c.enterprise.id).await?;
    let bytes = read_all(upload).await?;
    check(&bytes)?;
    let options = job_service::InviteOptions { send_invitations: send };
    job_service::create(slot, &c.enterprise, actor, JobKind::BulkInvite, false, options, &bytes).await
}

/// Checks an upload before it is queued: UTF-8, not empty, not too many addresses.
pub fn check(bytes: &[u8]) -> DomainResult<usize> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        DomainError::field(
            "invalid_encoding",
            format!(
                "The file is not UTF-8 text (first bad byte at offset {}); save it as UTF-8 and upload it again.",
                e.valid_up_to()
            ),
        )
    })?;
    let n = parse(text).len();
    if n == 0 {
        return Err(DomainError::field("no_addresses", "The file has no addresses in it."));
    }
    if n > MAX_ADDRESSES {
        return Err(DomainError::field(
            "too_many_addresses",
            format!("At most {MAX_ADDRESSES} addresses per file ({n} given)."),
        ));
    }
    Ok(n)
}

/// Runs the job: every address invited (or not) and every result written in
/// one transaction, so a job that dies leaves nothing behind and reruns clean.
pub async fn execute(state: &AppState, job: &JobRow) -> DomainResult<JobCounts> {
    let e = enterprises::by_id(&state.db.pool, &job.enterprise_id).await?.ok_or(DomainError::NotFound("enterprise"))?;
    let actor = job_service::actor_of(state, job).await?.ok_or(DomainError::NotFound("account"))?;
    let send = job_service::options_of::<job_service::InviteOptions>(job).send_invitations;
    let bytes = job_service::input(state, &job.id).await?;
    let entries = parse(&String::from_utf8_lossy(&bytes));
    let addresses: Vec<(u64, String)> = entries
        .iter()
        .filter_map(|en| match en {
            Entry::Address { line, text } => Some((*line, text.clone())),
            Entry::Repeat { .. } => None,
        })
        .collect();
    let emails: Vec<String> = addresses.iter().map(|(_, t)| t.clone()).collect();
    jobs::progress(&state.db.pool, &job.id, 0, Some(entries.len() as i64), now_ms() + state.lease_ms()).await?;

    let mut tx = state.db.pool.begin().await?;
    jobs::clear_results(&mut *tx, &job.id).await?;
    let response = enrollment::invite_in(&mut tx, state, &e, &actor, &emails, send, MemberSource::BulkInvite).await?;
    let mut counts = JobCounts::default();
    let mut rows: Vec<ResultRow> = Vec::with_capacity(entries.len());
    for ((line, _), r) in addresses.iter().zip(response.results) {
        match r.outcome {
            InviteOutcome::Invited => counts.invited += 1,
            InviteOutcome::Invalid => counts.errors += 1,
            _ => counts.skipped += 1,
        }
        rows.push(ResultRow {
            seq: 0,
            line: Some(*line as i64),
            email: Some(r.email),
            outcome: r.outcome.as_str().into(),
            detail: r.detail,
            changes: None,
        });
    }
    for en in &entries {
        if let Entry::Repeat { line, text, first_line } = en {
            counts.skipped += 1;
            rows.push(ResultRow {
                seq: 0,
                line: Some(*line as i64),
                email: Some(text.clone()),
                outcome: "duplicate".into(),
                detail: Some(format!("Also on line {first_line}.")),
                changes: None,
            });
        }
    }
    rows.sort_by_key(|r| r.line);
    jobs::insert_results(&mut tx, state.db.backend, &job.id, 1, rows).await?;
    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    let now = now_ms();
    jobs::finish(&mut *tx, &job.id, "succeeded", &counts_json, None, now).await?;
    job_service::finished_event(&mut tx, job, "succeeded", &counts, None, now).await?;
    let details = json!({"job": job.id, "counts": counts});
    audit_store::record(&mut *tx, &audit::by(Some(&actor), &e.id, "job.bulk_invite.succeeded", None, details), now)
        .await?;
    tx.commit().await?;
    if send {
        state.wake_outbox();
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_checked_before_queueing() {
        assert_eq!(check(b"a@x.io\nb@x.io").unwrap(), 2);
        assert_eq!(check(b"\xff\xfeabc").unwrap_err().code(), "invalid_encoding");
        assert_eq!(check(b"\n \n").unwrap_err().code(), "no_addresses");
    }
}
