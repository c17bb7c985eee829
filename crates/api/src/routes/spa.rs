//! Serves the built SPA; any other non-API path gets `index.html` so deep
//! links (`/console/…/domain`) load the app.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;

pub fn configure(cfg: &mut web::ServiceConfig, dir: PathBuf) {
    cfg.app_data(web::Data::new(SpaDir(dir))).default_service(web::get().to(serve));
}

struct SpaDir(PathBuf);

async fn serve(req: HttpRequest, dir: web::Data<SpaDir>) -> actix_web::Result<HttpResponse> {
    let path = req.path();
    if path.starts_with("/api/") {
        return Err(ApiError::NotFound("route").into());
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
    index(&dir.0, &req).await
}

async fn index(dir: &Path, req: &HttpRequest) -> actix_web::Result<HttpResponse> {
    let file = dir.join("index.html");
    if !file.is_file() {
        return Ok(HttpResponse::ServiceUnavailable().content_type("text/plain; charset=utf-8").body(
            "The web console has not been built. Run `just run` (or `trunk build --release` in frontend/); the API is at /api/docs/.",
        ));
    }
    let mut response = NamedFile::open_async(file).await?.into_response(req);
    response
        .headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-cache"));
    Ok(response)
}
