//! The published OpenAPI document, gathered from the route modules.

use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

use crate::routes;

mod declared;
pub mod methods;
pub mod scopes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Muster API", description = "Enterprise Admin Console: accounts, enterprises, domain verification and enrollment. Errors are RFC 9457 problem details with a stable `code`."),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Sign-up, activation, password reset and change"),
        (name = "sessions", description = "Log in, log out, console elevation, the caller's sessions"),
        (name = "account security", description = "Two-step verification (TOTP, recovery codes) and the sign-in phone number"),
        (name = "enterprises", description = "Domain claim, plan, verification"),
        (name = "invitations", description = "Invitation lookup and acceptance (no auth)"),
        (name = "audit", description = "Audit log"),
        (name = "enrollment", description = "Invite and manage invitations"),
        (name = "users", description = "Members, their profile and state (managed seats)"),
        (name = "billing", description = "Seats and charges"),
        (name = "directory-sync", description = "LDAP / Active Directory sync, its runs and distribution lists"),
        (name = "analytics", description = "Dashboard counts and the enrollment funnel (premium)"),
        (name = "integrations", description = "API tokens and webhooks for integrators and CI systems"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
        );
        // The same header; the scopes a route names are the ones a token needs (any one of them).
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("mst_<prefix>_<secret>")
                    .description(Some("An API token of the enterprise (DESIGN §9), within its scopes."))
                    .build(),
            ),
        );
    }
}

/// The published document, built once per process (the server serves it, and
/// `methods` reads the paths' methods from it).
pub fn shared() -> &'static utoipa::openapi::OpenApi {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    DOC.get_or_init(build)
}

pub fn document() -> utoipa::openapi::OpenApi {
    shared().clone()
}

fn build() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes::documented_paths());
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    declared::declare_common_answers(&mut doc);
    doc
}

/// What `muster export-openapi` writes to `openapi/openapi.json`.
pub fn json() -> String {
    document().to_pretty_json().expect("the OpenAPI document serialises") + "\n"
}
