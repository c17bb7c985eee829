//! Import: a CSV of people upserted by lower-cased email. New addresses are
//! invited with their profile, existing members get the cells that differ.
//! A dry run writes only the diff; an apply writes everything in one
//! transaction (all or nothing), so a job that dies leaves nothing behind.
//! The file streams from its stored chunks through the CSV reader; it is
//! never held whole.

use std::{
    collections::{hash_map::DefaultHasher, HashMap},
    hash::{Hash, Hasher},
};

use crate::services::webhooks;
use muster_model::WebhookEvent;
use muster_model::{JobCounts, JobKind, MemberSource, MemberState};
use serde_json::{json, Map, Value};

use crate::{
    services::error::{DomainError, DomainResult},
    services::{
        audit,
        csv_import::{self, ChunkReader, Parsed, Row},
        jobs as job_service, staged_invitations,
        upload::ByteStream,
    },
    state::AppState,
    store::{
        self, accounts, audit as audit_store, enterprises, enterprises::EnterpriseRow, jobs, jobs::JobRow,
        jobs::ResultRow, members, now_ms,
    },
};

const BATCH: usize = 2000;

/// Stores the upload in chunks as it arrives (checking it is UTF-8 with an
/// email column) and queues the job; nothing is stored when the check fails.
pub async fn create(
    state: &AppState,
    e: &EnterpriseRow,
    actor: &accounts::AccountRow,
    mut upload: ByteStream,
    dry_run: bool,
    send: bool,
) -> DomainResult<JobRow> {
    use futures_util::StreamExt;
    let _slot = job_service::reserve(state, &e.id).await?;
    let row = JobRow::queued(
        &e.id,
        &actor.id,
        JobKind::Import.as_str(),
        dry_run,
        serde_json::to_string(&job_service::InviteOptions { send_invitations: send }).map_err(anyhow::Error::new)?,
        now_ms(),
    );
    let mut tx = state.db.pool.begin().await?;
    jobs::insert(&mut *tx, &row).await?;
    let mut pending: Vec<u8> = Vec::with_capacity(job_service::CHUNK_BYTES);
    let mut seq = 0i64;
    let mut lines = 0i64;
    let mut checked_header = false;
    let mut utf8 = Utf8Check::default();
    loop {
        let next = upload.next().await;
        let done = next.is_none();
        if let Some(chunk) = next {
            let chunk = chunk?;
            utf8.feed(&chunk, lines)?;
            lines += chunk.iter().filter(|b| **b == b'\n').count() as i64;
            pending.extend_from_slice(&chunk);
        }
        if !checked_header && (pending.contains(&b'\n') || done) {
            check_header(&pending)?;
            checked_header = true;
        }
        while pending.len() >= job_service::CHUNK_BYTES || (done && !pending.is_empty()) {
            let take = pending.len().min(job_service::CHUNK_BYTES);
            seq += 1;
            jobs::insert_input(&mut *tx, &row.id, seq, &pending[..take]).await?;
            pending.drain(..take);
        }
        if done {
            break;
        }
    }
    utf8.finish(lines)?;
    if seq == 0 {
        return Err(DomainError::field("empty_file", "The file is empty."));
    }
    // The line count is the estimate the progress bar works against.
    jobs::set_total(&mut *tx, &row.id, lines.max(1)).await?;
    tx.commit().await?;
    state.wake_jobs();
    Ok(row)
}

fn check_header(start: &[u8]) -> DomainResult<()> {
    let first = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(first);
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => csv_import::header(&record).map(|_| ()).map_err(|m| DomainError::field("missing_email_column", m)),
        Ok(false) => Err(DomainError::field("empty_file", "The file is empty.")),
        Err(e) => Err(DomainError::field("invalid_csv", format!("The first row could not be read: {e}"))),
    }
}

/// UTF-8 validation across chunk boundaries (a character may be split).
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8], lines_before: i64) -> DomainResult<()> {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        match std::str::from_utf8(&data) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.carry = data[e.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(e) => {
                let line = lines_before + data[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as i64 + 1;
                Err(DomainError::field(
                    "invalid_encoding",
                    format!("Line {line} is not UTF-8 text; save the file as “CSV UTF-8” and upload it again."),
                ))
            }
        }
    }

    fn finish(&self, lines: i64) -> DomainResult<()> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(DomainError::field(
                "invalid_encoding",
                format!("The file ends in the middle of a character (line {lines})."),
            ))
        }
    }
}

/// What one row will do.
enum Change {
    Create(Row),
    Update { id: String, row: Row, changes: Map<String, Value> },
    Unchanged,
    Error { row: u64, email: String, error: String },
}

fn key(email: &str) -> u64 {
    let mut h = DefaultHasher::new();
    email.hash(&mut h);
    h.finish()
}

pub async fn execute(state: &AppState, job: &JobRow) -> DomainResult<JobCounts> {
    let e = enterprises::by_id(&state.db.pool, &job.enterprise_id).await?.ok_or(DomainError::NotFound("enterprise"))?;
    let actor = job_service::actor_of(state, job).await?.ok_or(DomainError::NotFound("account"))?;
    let send = job_service::options_of::<job_service::InviteOptions>(job).send_invitations;
    let dry_run = job.dry_run != 0;

    // Chunks flow from the database to the CSV reader on a blocking thread,
    // and parsed batches flow back; both channels are bounded.
    let (chunk_tx, chunk_rx) = tokio::sync::mpsc::channel::<Vec<u8>>(2);
    let (batch_tx, mut batch_rx) = tokio::sync::mpsc::channel::<Result<Vec<Parsed>, String>>(2);
    let pool = state.db.pool.clone();
    let job_id = job.id.clone();
    let fetch = tokio::spawn(async move {
        let mut seq = 0;
        while let Some((next, data)) = jobs::input_after(&pool, &job_id, seq).await? {
            seq = next;
            if chunk_tx.send(data).await.is_err() {
                break;
            }
        }
        Ok::<_, sqlx::Error>(())
    });
    let parse = tokio::task::spawn_blocking(move || {
        let reader = ChunkReader { rx: chunk_rx, current: Vec::new(), pos: 0 };
        let sent = csv_import::parse(reader, BATCH, |b| batch_tx.blocking_send(Ok(b)).is_ok());
        if let Err(why) = sent {
            let _ = batch_tx.blocking_send(Err(why));
        }
    });

    let mut tx = state.db.pool.begin().await?;
    store::plan_each_query(&mut tx, state.db.backend).await?;
    jobs::clear_results(&mut *tx, &job.id).await?;
    if !dry_run {
        enterprises::lock_for_update(&mut *tx, &e.id).await?;
    }
    let mut seen: HashMap<u64, u64> = HashMap::new();
    let mut counts = JobCounts::default();
    let mut processed = 0i64;
    let mut seq = 1i64;
    let now = now_ms();
    let mut staged = staged_invitations::StagedInvitations::new(state, &e, Some(&actor), send, now);
    while let Some(batch) = batch_rx.recv().await {
        let batch = batch.map_err(|why| DomainError::field("invalid_csv", why))?;
        processed += batch.len() as i64;
        let changes = diff(&mut tx, &e, batch, &mut seen).await?;
        let mut results = Vec::new();
        let mut new_members = Vec::new();
        for change in changes {
            match change {
                Change::Unchanged => counts.unchanged += 1,
                Change::Error { row, email, error } => {
                    counts.errors += 1;
                    results.push(result(row, email, "error", Some(error), None));
                }
                Change::Update { id, row, changes } => {
                    counts.updated += 1;
                    if !dry_run {
                        members::merge_profile(&mut *tx, &id, &row.profile, None, now).await?;
                    }
                    results.push(result(row.row, row.email, "update", None, Some(Value::Object(changes))));
                }
                Change::Create(row) => {
                    counts.created += 1;
                    let created = Value::Object(row.profile.as_created());
                    if !dry_run {
                        counts.invited += 1;
                        let member_id = store::new_id();
                        staged.add(&member_id, &row.email);
                        new_members.push(members::NewMember {
                            id: member_id,
                            email: row.email.clone(),
                            source: MemberSource::Import,
                            profile: row.profile.clone(),
                            directory_id: None,
                        });
                    }
                    results.push(result(row.row, row.email, "create", None, Some(created)));
                }
            }
        }
        let backend = state.db.backend;
        let created = new_members.iter().map(webhooks::member_created).collect::<Vec<_>>();
        webhooks::queue_all(&mut tx, &e.id, WebhookEvent::MemberCreated, created, now).await?;
        members::insert_invited(&mut tx, backend, &e.id, new_members, now).await?;
        staged.flush(&mut tx).await?;
        let n = results.len() as i64;
        jobs::insert_results(&mut tx, backend, &job.id, seq, results).await?;
        seq += n;
        state.report_progress(&job.id, processed).await;
    }
    parse.await.map_err(anyhow::Error::new)?;
    fetch.await.map_err(anyhow::Error::new)??;

    let counts_json = serde_json::to_string(&counts).map_err(anyhow::Error::new)?;
    let finished = now_ms();
    jobs::finish_with(&mut *tx, &job.id, "succeeded", &counts_json, None, processed, finished).await?;
    job_service::finished_event(&mut tx, job, "succeeded", &counts, None, finished).await?;
    let action = if dry_run { "job.import.dry_run" } else { "job.import.applied" };
    audit_store::record(
        &mut *tx,
        &audit::by(Some(&actor), &e.id, action, None, json!({"job": job.id, "counts": counts})),
        finished,
    )
    .await?;
    tx.commit().await?;
    state.forget_progress(&job.id);
    if send && !dry_run {
        state.wake_outbox();
    }
    Ok(counts)
}

fn result(row: u64, email: String, outcome: &str, detail: Option<String>, changes: Option<Value>) -> ResultRow {
    ResultRow {
        seq: 0,
        line: Some(row as i64),
        email: Some(email),
        outcome: outcome.into(),
        detail,
        changes: changes.map(|c| c.to_string()),
    }
}

async fn diff(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    batch: Vec<Parsed>,
    seen: &mut HashMap<u64, u64>,
) -> DomainResult<Vec<Change>> {
    let mut rows = Vec::with_capacity(batch.len());
    let mut out = Vec::with_capacity(batch.len());
    for p in batch {
        match p {
            Parsed::Error { row, email, error } => out.push(Change::Error { row, email, error }),
            Parsed::Row(r) if !r.email.ends_with(&format!("@{}", e.domain)) => out.push(Change::Error {
                row: r.row,
                error: format!("Only addresses in {} can be imported.", e.domain),
                email: r.email,
            }),
            Parsed::Row(r) => match seen.insert(key(&r.email), r.row) {
                Some(first) => {
                    seen.insert(key(&r.email), first);
                    out.push(Change::Error { row: r.row, email: r.email, error: format!("Repeats row {first}.") })
                }
                None => rows.push(r),
            },
        }
    }
    let emails: Vec<String> = rows.iter().map(|r| r.email.clone()).collect();
    let existing: HashMap<String, members::MemberRow> =
        members::by_emails(tx, &e.id, &emails).await?.into_iter().map(|m| (m.email.clone(), m)).collect();
    for r in rows {
        match existing.get(&r.email) {
            None => out.push(Change::Create(r)),
            Some(m) if m.state == MemberState::Removed => out.push(Change::Error {
                row: r.row,
                email: r.email,
                error: "This person's invitation was revoked; invite them again from Invite.".into(),
            }),
            Some(m) => {
                // An empty cell changes nothing.
                let changes = m.profile().changes_to(&r.profile);
                if changes.is_empty() {
                    out.push(Change::Unchanged);
                } else {
                    out.push(Change::Update { id: m.id.clone(), row: r, changes });
                }
            }
        }
    }
    Ok(out)
}
