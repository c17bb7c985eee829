//! Directory Sync: configuration, test connection, browse, runs with their
//! diff and report, and the distribution lists synced groups become.

use actix_web::{get, post, put, web, HttpResponse};
use muster_model::{
    ConnectionTest, DirectoryConfig, DirectoryConfigRequest, DirectoryTree, DistributionListDetail,
    DistributionListPage, Problem, StartSyncRequest, SyncRun, SyncRunPage, SyncTrigger,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    item::Item,
    json::Json,
    optional_json,
    paging::{PageQuery, Paging, ResultsQuery},
    Reply, State,
};
use crate::{
    error::DomainError,
    routes::caller::{gate, InConsole},
    services::directory,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get)
        .service(put)
        .service(test)
        .service(browse)
        .service(start)
        .service(runs)
        .service(run)
        .service(report)
        .service(lists)
        .service(list);
}

/// The connection configuration (the bind password is never returned; see `bind_password_set`).
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:read"])),
    responses((status = 200, body = DirectoryConfig), (status = 404, description = "not configured yet", body = Problem)))]
#[get("/enterprises/{e}/directory-sync")]
pub async fn get(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>) -> Reply {
    Ok(HttpResponse::Ok().json(directory::get(&state, &c).await?))
}

/// Save the configuration. `bind_password` is required the first time and kept when left out later;
/// it is stored encrypted (AES-256-GCM with the data-dir key).
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:write"])),
    request_body = DirectoryConfigRequest,
    responses((status = 200, body = DirectoryConfig),
              (status = 422, description = "invalid_configuration, bind_password_required", body = Problem)))]
#[put("/enterprises/{e}/directory-sync")]
pub async fn put(
    state: State,
    InConsole(c, _): InConsole<gate::DirectorySync>,
    body: Json<DirectoryConfigRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(directory::put(&state, &c, &c.actor, body.into_inner()).await?))
}

/// Bind and run the user search: the count and the first five entries, or what went wrong in words
/// (`ok: false` with `code`: unreachable, tls, invalid_credentials, no_such_base_dn, size_limit, timeout …).
/// With a body, tests those settings (unsaved; the stored password is used when none is given).
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:write"])),
    request_body(content = Option<DirectoryConfigRequest>),
    responses((status = 200, body = ConnectionTest)))]
#[post("/enterprises/{e}/directory-sync/test")]
pub async fn test(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>, body: web::Bytes) -> Reply {
    let req: Option<DirectoryConfigRequest> = super::json::maybe(&body)?;
    Ok(HttpResponse::Ok().json(directory::test(&state, &c, req).await?))
}

/// Organisational units and groups under the base DN (with the saved connection), for the picker.
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:read"])),
    responses((status = 200, body = DirectoryTree), (status = 409, description = "directory_unavailable", body = Problem)))]
#[get("/enterprises/{e}/directory-sync/browse")]
pub async fn browse(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>) -> Reply {
    Ok(HttpResponse::Ok().json(directory::browse(&state, &c).await?))
}

/// Start a run ("Sync now", or a dry run that only computes the diff) → 202 with the run.
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:write"])),
    request_body(content = Option<StartSyncRequest>),
    responses((status = 202, body = SyncRun), (status = 409, description = "sync_running", body = Problem)))]
#[post("/enterprises/{e}/directory-sync/runs")]
pub async fn start(state: State, InConsole(c, _): InConsole<gate::DirectorySync>, body: web::Bytes) -> Reply {
    let req: StartSyncRequest = optional_json(&body)?;
    let row = directory::start(
        &state,
        &c.enterprise.id,
        Some(&c.actor),
        req.dry_run,
        req.accept_smaller_directory,
        SyncTrigger::Manual,
        None,
    )
    .await?
    .ok_or_else(|| DomainError::conflict("sync_running", "A sync is already queued or running."))?;
    Ok(HttpResponse::Accepted().json(directory::run_detail(&state, &c, &row.id, None, 0).await?))
}

/// Run history, newest first (without the diff; fetch one run for it).
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:read"])),
    params(PageQuery),
    responses((status = 200, body = SyncRunPage)))]
#[get("/enterprises/{e}/directory-sync/runs")]
pub async fn runs(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>, page: Paging) -> Reply {
    Ok(HttpResponse::Ok().json(directory::runs(&state, &c, page.cursor(), page.limit).await?))
}

/// One run with a page of its field-level diff (`cursor` pages through it).
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["directory:read"])),
    params(("id" = String, Path, description = "run id"), ResultsQuery),
    responses((status = 200, body = SyncRun)))]
#[get("/enterprises/{e}/directory-sync/runs/{id}")]
pub async fn run(
    state: State,
    InConsole(c, ..): InConsole<gate::DirectorySync>,
    Item(id): Item,
    page: Paging,
) -> Reply {
    Ok(HttpResponse::Ok().json(directory::run_detail(&state, &c, &id, page.cursor(), page.limit).await?))
}

/// The run's whole diff as CSV (`action,email,dn,field,before,after,detail`), safe to open in a spreadsheet.
#[utoipa::path(tag = "directory-sync",
    security(("api_token" = ["directory:read"])),
    params(("id" = String, Path, description = "run id")),
    responses((status = 200, content_type = "text/csv", body = String)))]
#[get("/enterprises/{e}/directory-sync/runs/{id}/report.csv")]
pub async fn report(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>, Item(id): Item) -> Reply {
    let body = directory::report(&state, &c, &id).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"muster-sync-{id}.csv\"")))
        .body(body))
}

/// Distribution lists (from the synced directory groups), by name.
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["users:read"])),
    params(PageQuery),
    responses((status = 200, body = DistributionListPage)))]
#[get("/enterprises/{e}/distribution-lists")]
pub async fn lists(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>, page: Paging) -> Reply {
    Ok(HttpResponse::Ok().json(directory::lists(&state, &c, page.cursor(), page.limit).await?))
}

/// One distribution list with its members' emails.
#[utoipa::path(tag = "directory-sync", security(("api_token" = ["users:read"])),
    params(("id" = String, Path, description = "list id")),
    responses((status = 200, body = DistributionListDetail)))]
#[get("/enterprises/{e}/distribution-lists/{id}")]
pub async fn list(state: State, InConsole(c, ..): InConsole<gate::DirectorySync>, Item(id): Item) -> Reply {
    Ok(HttpResponse::Ok().json(directory::list(&state, &c, &id).await?))
}
