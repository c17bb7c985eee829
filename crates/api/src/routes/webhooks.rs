//! Webhook endpoints of an enterprise and their delivery log.

use actix_web::{delete, get, patch, post, HttpResponse};
use muster_model::{
    CreateWebhookRequest, CreatedWebhook, Problem, UpdateWebhookRequest, Webhook, WebhookDelivery, WebhookDeliveryPage,
    WebhookList,
};
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    item::Item,
    json::Json,
    paging::{PageQuery, Paging},
    Reply, State,
};
use crate::{
    routes::caller::{gate, InConsole},
    services::webhooks,
};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(update).service(remove).service(deliveries).service(retry);
}

/// Add an endpoint for some event types; the answer carries its signing secret, this once.
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])), request_body = CreateWebhookRequest,
    responses((status = 201, body = CreatedWebhook),
              (status = 422, description = "invalid_url, no_events, invalid_description", body = Problem)))]
#[post("/enterprises/{e}/webhooks")]
pub async fn create(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    body: Json<CreateWebhookRequest>,
) -> Reply {
    Ok(HttpResponse::Created().json(webhooks::create(&state, &c, body.into_inner()).await?))
}

/// The enterprise's endpoints (never a secret).
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])),
    responses((status = 200, body = WebhookList)))]
#[get("/enterprises/{e}/webhooks")]
pub async fn list(state: State, InConsole(c, _): InConsole<gate::Integrations>) -> Reply {
    Ok(HttpResponse::Ok().json(webhooks::list(&state, &c).await?))
}

/// Change the URL, events or description, or turn the endpoint on or off.
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])),
    params(("id" = String, Path, description = "webhook id")), request_body = UpdateWebhookRequest,
    responses((status = 200, body = Webhook), (status = 422, description = "invalid_url, no_events, invalid_description", body = Problem)))]
#[patch("/enterprises/{e}/webhooks/{id}")]
pub async fn update(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    Item(id): Item,
    body: Json<UpdateWebhookRequest>,
) -> Reply {
    Ok(HttpResponse::Ok().json(webhooks::update(&state, &c, &id, body.into_inner()).await?))
}

/// Delete the endpoint: nothing more is sent to it (its delivery log stays readable to the audit).
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])),
    params(("id" = String, Path, description = "webhook id")), responses((status = 204)))]
#[delete("/enterprises/{e}/webhooks/{id}")]
pub async fn remove(state: State, InConsole(c, _): InConsole<gate::Integrations>, Item(id): Item) -> Reply {
    webhooks::delete(&state, &c, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The endpoint's deliveries, newest first: state, attempts, the latest status, error and answer.
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])),
    params(("id" = String, Path, description = "webhook id"), PageQuery),
    responses((status = 200, body = WebhookDeliveryPage)))]
#[get("/enterprises/{e}/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    Item(id): Item,
    page: Paging,
) -> Reply {
    Ok(HttpResponse::Ok().json(webhooks::deliveries(&state, &c, &id, page.cursor(), page.limit).await?))
}

/// Send a delivery again now, with the same `webhook-id`.
#[utoipa::path(tag = "integrations", security(("api_token" = ["webhooks:write"])),
    params(("id" = String, Path, description = "webhook id"), ("d" = String, Path, description = "delivery id")),
    responses((status = 200, body = WebhookDelivery), (status = 409, description = "delivery_pending", body = Problem)))]
#[post("/enterprises/{e}/webhooks/{id}/deliveries/{d}/retry")]
pub async fn retry(
    state: State,
    InConsole(c, _): InConsole<gate::Integrations>,
    path: actix_web::web::Path<(String, String, String)>,
) -> Reply {
    let (_, id, delivery) = path.into_inner();
    Ok(HttpResponse::Ok().json(webhooks::retry(&state, &c, &id, &delivery).await?))
}
