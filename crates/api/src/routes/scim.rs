//! `/scim/v2`: the SCIM 2.0 service provider's routes (RFC 7644). Thin like
//! the others: read the token, the query and the body, call
//! `services::scim`, answer `application/scim+json`. Not in the OpenAPI
//! document: SCIM describes itself (`/ServiceProviderConfig`, `/Schemas`).

use std::{future::Future, pin::Pin};

use actix_web::{dev::Payload, http::StatusCode, web, FromRequest, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::Value;

use crate::{
    auth,
    error::ScimError,
    services::{
        error::DomainError,
        scim::{self, discovery, groups, resource, users, ListQuery, Tenant},
    },
    state::Shared,
};

/// The largest SCIM body read (a Group PUT with some ten thousand members).
const BODY_LIMIT: usize = 2 << 20;

type Answer = Result<HttpResponse, ScimError>;

fn scim_json(status: StatusCode, v: &Value) -> HttpResponse {
    HttpResponse::build(status).content_type("application/scim+json").body(v.to_string())
}

fn ok(v: Value) -> Answer {
    Ok(scim_json(StatusCode::OK, &v))
}

fn created(v: Value) -> Answer {
    let location = v.pointer("/meta/location").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut r = scim_json(StatusCode::CREATED, &v);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&location) {
        r.headers_mut().insert(actix_web::http::header::LOCATION, value);
    }
    Ok(r)
}

/// The tenant of a SCIM request: its API token's enterprise.
pub struct Scim(pub Tenant);

impl FromRequest for Scim {
    type Error = ScimError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<Shared>>().cloned();
        let bearer = auth::bearer(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            Ok(Scim(scim::tenant(&state, bearer.as_deref()).await?))
        })
    }
}

/// The query of a list or get (`filter`, `startIndex`, `count`, `attributes`, `excludedAttributes`).
fn query(req: &HttpRequest) -> Result<ListQuery, ScimError> {
    web::Query::<ListQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ScimError(resource::invalid("invalidValue", format!("bad query string: {e}"))))
}

/// The body as JSON (`application/scim+json` or `application/json`), at most [`BODY_LIMIT`] bytes.
async fn body(mut payload: web::Payload) -> Result<Value, ScimError> {
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ScimError(resource::invalid("invalidSyntax", e.to_string())))?;
        if bytes.len() + chunk.len() > BODY_LIMIT {
            return Err(ScimError(DomainError::TooLarge { limit: BODY_LIMIT }));
        }
        bytes.extend_from_slice(&chunk);
    }
    serde_json::from_slice(&bytes)
        .map_err(|e| ScimError(resource::invalid("invalidSyntax", format!("The body is not JSON: {e}"))))
}

type State = web::Data<Shared>;

async fn service_provider_config(state: State) -> Answer {
    ok(discovery::service_provider_config(&scim::base_url(&state)))
}

async fn resource_types(state: State) -> Answer {
    let all = discovery::resource_types(&scim::base_url(&state));
    ok(resource::list_response(all.len() as i64, 1, all))
}

async fn resource_type(state: State, id: web::Path<String>) -> Answer {
    let found = discovery::resource_types(&scim::base_url(&state)).into_iter().find(|r| r["id"] == id.as_str());
    ok(found.ok_or(DomainError::NotFound("resource type"))?)
}

async fn schemas(state: State) -> Answer {
    let all = discovery::schemas(&scim::base_url(&state));
    ok(resource::list_response(all.len() as i64, 1, all))
}

async fn schema(state: State, id: web::Path<String>) -> Answer {
    let found = discovery::schemas(&scim::base_url(&state)).into_iter().find(|s| s["id"] == id.as_str());
    ok(found.ok_or(DomainError::NotFound("schema"))?)
}

async fn list_users(state: State, Scim(t): Scim, req: HttpRequest) -> Answer {
    ok(users::list(&state, &t, &query(&req)?).await?)
}

async fn create_user(state: State, Scim(t): Scim, payload: web::Payload) -> Answer {
    created(users::create(&state, &t, &body(payload).await?).await?)
}

async fn get_user(state: State, Scim(t): Scim, id: web::Path<String>, req: HttpRequest) -> Answer {
    ok(users::get(&state, &t, &id, &query(&req)?).await?)
}

async fn replace_user(state: State, Scim(t): Scim, id: web::Path<String>, payload: web::Payload) -> Answer {
    ok(users::replace(&state, &t, &id, &body(payload).await?).await?)
}

async fn patch_user(state: State, Scim(t): Scim, id: web::Path<String>, payload: web::Payload) -> Answer {
    ok(users::patch(&state, &t, &id, &body(payload).await?).await?)
}

async fn delete_user(state: State, Scim(t): Scim, id: web::Path<String>) -> Answer {
    users::delete(&state, &t, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn list_groups(state: State, Scim(t): Scim, req: HttpRequest) -> Answer {
    ok(groups::list(&state, &t, &query(&req)?).await?)
}

async fn create_group(state: State, Scim(t): Scim, payload: web::Payload) -> Answer {
    created(groups::create(&state, &t, &body(payload).await?).await?)
}

async fn get_group(state: State, Scim(t): Scim, id: web::Path<String>, req: HttpRequest) -> Answer {
    ok(groups::get(&state, &t, &id, &query(&req)?).await?)
}

async fn replace_group(state: State, Scim(t): Scim, id: web::Path<String>, payload: web::Payload) -> Answer {
    ok(groups::replace(&state, &t, &id, &body(payload).await?).await?)
}

async fn patch_group(state: State, Scim(t): Scim, id: web::Path<String>, payload: web::Payload) -> Answer {
    groups::patch(&state, &t, &id, &body(payload).await?).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete_group(state: State, Scim(t): Scim, id: web::Path<String>) -> Answer {
    groups::delete(&state, &t, &id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A SearchRequest body (RFC 7644 §3.4.3) as the query a GET would carry.
async fn search_query(payload: web::Payload) -> Result<ListQuery, ScimError> {
    let v = body(payload).await?;
    let o = v
        .as_object()
        .ok_or_else(|| ScimError(resource::invalid("invalidSyntax", "A search is a SearchRequest object.")))?;
    let text = |key: &str| match resource::get(o, key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Array(list)) => Some(list.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")),
        _ => None,
    };
    let number = |key: &str| resource::get(o, key).and_then(Value::as_i64);
    Ok(ListQuery {
        filter: text("filter"),
        start_index: number("startIndex"),
        count: number("count"),
        attributes: text("attributes"),
        excluded_attributes: text("excludedAttributes"),
    })
}

async fn search_users(state: State, Scim(t): Scim, payload: web::Payload) -> Answer {
    ok(users::list(&state, &t, &search_query(payload).await?).await?)
}

async fn search_groups(state: State, Scim(t): Scim, payload: web::Payload) -> Answer {
    ok(groups::list(&state, &t, &search_query(payload).await?).await?)
}

/// `POST /.search` over every resource type at once: not offered (RFC 7644 §3.12's 501).
async fn search_all(Scim(_): Scim) -> HttpResponse {
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "501",
        "detail": "Searching several resource types at once is not supported: POST /Users/.search or /Groups/.search.",
    });
    scim_json(StatusCode::NOT_IMPLEMENTED, &body)
}

async fn unrouted() -> Answer {
    Err(ScimError(DomainError::NotFound("SCIM endpoint")))
}

/// Mounts `/scim/v2`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use web::{delete, get, patch, post, put, resource};
    cfg.service(
        web::scope("/scim/v2")
            .wrap(actix_web::middleware::DefaultHeaders::new().add(("Cache-Control", "no-store")))
            .service(resource("/ServiceProviderConfig").route(get().to(service_provider_config)))
            .service(resource("/ResourceTypes").route(get().to(resource_types)))
            .service(resource("/ResourceTypes/{id}").route(get().to(resource_type)))
            .service(resource("/Schemas").route(get().to(schemas)))
            .service(resource("/Schemas/{id}").route(get().to(schema)))
            .service(resource("/.search").route(post().to(search_all)))
            .service(resource("/Users/.search").route(post().to(search_users)))
            .service(resource("/Groups/.search").route(post().to(search_groups)))
            .service(resource("/Users").route(get().to(list_users)).route(post().to(create_user)))
            .service(
                resource("/Users/{id}")
                    .route(get().to(get_user))
                    .route(put().to(replace_user))
                    .route(patch().to(patch_user))
                    .route(delete().to(delete_user)),
            )
            .service(resource("/Groups").route(get().to(list_groups)).route(post().to(create_group)))
            .service(
                resource("/Groups/{id}")
                    .route(get().to(get_group))
                    .route(put().to(replace_group))
                    .route(patch().to(patch_group))
                    .route(delete().to(delete_group)),
            )
            .default_service(web::to(unrouted)),
    );
}
