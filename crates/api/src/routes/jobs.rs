//! Jobs: Bulk Invite uploads, "send pending", and reading a job's progress
//! and results.

use actix_web::{get, post, web, HttpResponse};
use muster_model::{Job, JobKind, Problem};
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    item::Item,
    paging::{Paging, ResultsQuery},
    upload::Upload,
    Reply, State,
};
use crate::{
    routes::caller::{gate, InConsole},
    services::{self, jobs},
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(bulk_invite).service(send_pending).service(import).service(get).service(errors_csv);
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct MailQuery {
    /// Mail the invitations now (default true), or stage them for "send pending".
    pub send_invitations: Option<bool>,
}

impl MailQuery {
    fn send(&self) -> bool {
        self.send_invitations.unwrap_or(true)
    }
}

/// Bulk Invite: a UTF-8 text file (raw body, or the first file of a multipart form) with one address
/// a line (commas and semicolons also split; blanks and repeats ignored). Answers 202 with the job.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"])),
    params(MailQuery),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 202, body = Job), (status = 413, body = Problem),
              (status = 422, description = "invalid_encoding, no_addresses, too_many_addresses", body = Problem)))]
#[post("/enterprises/{e}/bulk-invites")]
pub async fn bulk_invite(
    state: State,
    InConsole(c, _): InConsole<gate::BulkInvite>,
    mail: web::Query<MailQuery>,
    file: Upload,
) -> Reply {
    let file = file.limited(services::bulk_invite::MAX_BYTES);
    accepted(&state, services::bulk_invite::create(&state, &c, &c.actor, file, mail.send()).await?).await
}

/// Mail every invitation that was staged without mail. Answers 202 with the job.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"])),
    responses((status = 202, body = Job)))]
#[post("/enterprises/{e}/invitations/send-pending")]
pub async fn send_pending(state: State, InConsole(c, _): InConsole<gate::Invite>) -> Reply {
    let slot = jobs::reserve(&state, &c.enterprise.id).await?;
    let kind = JobKind::SendPending;
    let row = jobs::create(slot, &c.enterprise, &c.actor, kind, false, serde_json::Map::new(), &[]).await?;
    accepted(&state, row).await
}

/// A job: status, progress, counts and one page of its per-line results.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"]), ("api_token" = ["imports:write"])),
    params(("id" = String, Path, description = "job id"), ResultsQuery),
    responses((status = 200, body = Job)))]
#[get("/enterprises/{e}/jobs/{id}")]
pub async fn get(state: State, InConsole(c, _): InConsole<gate::Open>, Item(id): Item, page: Paging) -> Reply {
    let row = jobs::in_console(&state, &c, &id).await?;
    Ok(HttpResponse::Ok().json(jobs::view(&state, row, page.cursor(), page.limit).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ImportQuery {
    /// Only compute the diff (create / update with before→after / unchanged / errors); write nothing.
    pub dry_run: Option<bool>,
}

/// Import a CSV (UTF-8, with or without BOM; raw body or the first file of a multipart form) with a header
/// naming `email` and any of `first_name, last_name, department, phone, job_title` (common spellings such
/// as `First Name` work). Upserts by lower-cased email; an apply is all-or-nothing. Answers 202 with the job.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["imports:write"])),
    params(ImportQuery, MailQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = Job), (status = 413, body = Problem),
              (status = 422, description = "invalid_encoding, missing_email_column, empty_file, invalid_csv", body = Problem)))]
#[post("/enterprises/{e}/imports")]
pub async fn import(
    state: State,
    InConsole(c, _): InConsole<gate::Import>,
    q: web::Query<ImportQuery>,
    mail: web::Query<MailQuery>,
    file: Upload,
) -> Reply {
    let file = file.limited(state.config.max_upload_bytes);
    let dry_run = q.dry_run.unwrap_or(false);
    let row = services::import::create(&state, &c.enterprise, &c.actor, file, dry_run, mail.send()).await?;
    accepted(&state, row).await
}

/// 202 with the job just queued.
async fn accepted(state: &State, row: jobs::JobRow) -> Reply {
    Ok(HttpResponse::Accepted().json(jobs::view(state, row, None, 0).await?))
}

/// The rows a job could not take, as CSV (`row,email,error`), safe to open in a spreadsheet.
#[utoipa::path(tag = "enrollment", security(("api_token" = ["invitations:write"]), ("api_token" = ["imports:write"])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/enterprises/{e}/jobs/{id}/errors.csv")]
pub async fn errors_csv(state: State, InConsole(c, _): InConsole<gate::Open>, Item(id): Item) -> Reply {
    let row = jobs::in_console(&state, &c, &id).await?;
    let body = jobs::errors_csv(&state, &row).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"muster-errors-{id}.csv\"")))
        .body(body))
}
