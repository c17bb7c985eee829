//! Serves the built SPA; any other non-API path gets `index.html` so deep
//! links (`/console/…/domain`) load the app.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig, dir: PathBuf) {
    cfg.app_data(web::Data::new(SpaDir(dir))).default_service(web::to(serve));
}

struct SpaDir(PathBuf);

async fn serve(req: HttpRequest, dir: web::Data<SpaDir>) -> actix_web::Result<HttpResponse> {
    let path = req.path();
    if let Some(allowed) = crate::openapi::methods::allowed(path) {
        return Err(ApiError::MethodNotAllowed { allowed }.into());
    }
    if path.starts_with("/api/") {
        return Err(super::unrouted_error(path).into());
    }
    if !matches!(*req.method(), actix_web::http::Method::GET | actix_web::http::Method::HEAD) {
        return Err(ApiError::MethodNotAllowed { allowed: vec!["GET", "HEAD"] }.into());
    }
    let relative = path.trim_start_matches('/');
    // Only plain file names below the dist dir; no `..` tricks.
    let safe = !relative.split('/').any(|part| part == ".." || part.starts_with('.'));
    if safe && !relative.is_empty() {
        let candidate = dir.0.join(relative);
        if candidate.is_file() {
            let mut response = NamedFile::open_async(&candidate).await?.into_response(&req);
            // Trunk fingerprints asset names, so they can be cached for long.
            if relative.contains('-')
                && (relative.ends_with(".wasm") || relative.ends_with(".js") || relative.ends_with(".css"))
            {
                response.headers_mut().insert(
                    actix_web::http::header::CACHE_CONTROL,
                    actix_web::http::header::HeaderValue::from_static("public, max-age=31536000, immutable"),
                );
            }
            return Ok(response);
        }
    }
    index(&dir.0).await
}

async fn index(dir: &Path) -> actix_web::Result<HttpResponse> {
    let file = dir.join("index.html");
    if !file.is_file() {
        return Ok(HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body(
            "The web console has not been built. Run `just run` (or `trunk build --release` in frontend/); the API is at /api/docs/.",
        ));
    }
    let html = tokio::fs::read_to_string(&file).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"))
        .insert_header(("Content-Security-Policy", content_security_policy(&html)))
        .body(html))
}

/// The console's policy: its own scripts and wasm only, no framing, no
/// plugins. Trunk's loader is an inline module script, so each inline script
/// of the built page is allowed by its hash (nothing else inline runs).
/// Styles may be inline: progress bars and charts set `style` attributes.
pub fn content_security_policy(html: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let hashes: String = inline_scripts(html)
        .map(|body| {
            format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body.as_bytes())))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attrs, rest) = rest.split_once('>')?;
        let (body, _) = rest.split_once("</script>")?;
        (!attrs.contains("src=") && !body.trim().is_empty()).then_some(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_exactly_the_pages_inline_scripts() {
        let html = r#"<script type="module">import init from '/a.js'; init();</script><script src="/x.js"></script>"#;
        let csp = content_security_policy(html);
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
        assert_eq!(csp.matches("'sha256-").count(), 1, "{csp}");
        assert!(!content_security_policy("<p>x</p>").contains("sha256"));
    }
}
