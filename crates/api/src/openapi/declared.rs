//! The answers every route gives by construction, declared once for all of
//! them: what the extractors, the console gate and the body limits answer
//! (401 without a session, 403/404 from the console gate, 404 for an unknown
//! id, 400/413/422 for a body, 422 for a query out of bounds), and that every
//! error is `application/problem+json`. A route's own annotation keeps its
//! description of a status when it has one. Every console route
//! (`/api/v1/enterprises/{e}/…`) is also declared bearer-secured with its
//! `e` parameter here, so its annotation names only what is its own.

use utoipa::openapi::{
    path::{Operation, ParameterBuilder, ParameterIn},
    schema::{ObjectBuilder, Type},
    security::SecurityRequirement,
    RefOr, Required, Response,
};

const PROBLEM: &str = "application/problem+json";

pub fn declare_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let in_console = path.starts_with("/api/v1/enterprises/{e}");
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
            &mut item.trace,
        ];
        for op in operations.into_iter().flatten() {
            if in_console {
                declare_console_route(op);
            }
            declare(op, in_console);
        }
    }
}

/// Bearer-secured (a session; a token where the route names its `api_token`
/// scopes), and `e` (the enterprise id) as the first parameter.
fn declare_console_route(op: &mut Operation) {
    let session = SecurityRequirement::new("bearer", Vec::<String>::new());
    let security = op.security.get_or_insert_with(Vec::new);
    if !security.contains(&session) {
        security.insert(0, session);
    }
    let params = op.parameters.get_or_insert_with(Vec::new);
    if !params.iter().any(|p| p.name == "e" && matches!(p.parameter_in, ParameterIn::Path)) {
        let e = ParameterBuilder::new()
            .name("e")
            .parameter_in(ParameterIn::Path)
            .description(Some("enterprise id"))
            .required(Required::True)
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        params.insert(0, e);
    }
}

fn declare(op: &mut Operation, in_console: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let path_params = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let query_params = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.as_ref().map(|b| b.content.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    let json_body = body.iter().any(|c| c == "application/json");
    let tokens = serde_json::to_string(&op.security).unwrap_or_default().contains("\"api_token\"");
    if op.security.is_some() {
        add(op, 401, "unauthenticated, session_expired, session_revoked: sign in again; token_invalid, token_revoked, token_expired");
    }
    if in_console {
        add(
            op,
            403,
            "elevation_required, admin_suspended, forbidden, the module's lock reason; for an API token \
             insufficient_scope or token_not_allowed",
        );
        add(op, 404, "not_found: no such enterprise, or the caller is not its admin (or not its token)");
    }
    if tokens {
        add(op, 429, "rate_limited: too many requests with this API token; see Retry-After");
    }
    if path_params {
        add(op, 404, "not_found");
    }
    if query_params {
        add(op, 422, "validation_failed: a query parameter is malformed or out of its bounds");
    }
    if json_body {
        add(op, 400, "malformed_json: the body is not JSON of the documented shape");
        add(op, 422, "validation_failed or a field's own code");
    }
    if !body.is_empty() {
        add(op, 413, "payload_too_large");
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if status.starts_with('4') || status.starts_with('5') {
            if let RefOr::T(response) = response {
                if let Some(content) = response.content.shift_remove("application/json") {
                    response.content.insert(PROBLEM.to_string(), content);
                }
            }
        }
    }
}

/// Adds `status` with a problem body unless the route declared it itself.
fn add(op: &mut Operation, status: u16, description: &str) {
    op.responses.responses.entry(status.to_string()).or_insert_with(|| {
        let problem = utoipa::openapi::ContentBuilder::new()
            .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
            .build();
        RefOr::T(Response::builder().description(description).content(PROBLEM, problem).build())
    });
}
