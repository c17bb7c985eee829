//! Builds the application: database, migrations, integrations, workers and the
//! HTTP server bound to its listener. Tests, `just run` and the benches all
//! start Muster through `Application::build`.

use std::{net::TcpListener, sync::Arc};

use actix_web::{dev::Server, middleware, web, App, HttpServer};
use anyhow::Context;
use tokio::sync::Notify;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    config::Config,
    integrations::{dns::Dns, mailer::Mailer, web::PageFetcher},
    jobs, openapi, routes,
    secrets::Secrets,
    state::{AppState, RateLimits, Shared},
    store::Db,
};

pub struct Application {
    port: u16,
    server: Server,
    pub state: Shared,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let state = build_state(config).await?;
        let listener =
            TcpListener::bind(&state.config.bind).with_context(|| format!("while binding {}", state.config.bind))?;
        let port = listener.local_addr()?.port();
        let server = http_server(state.clone(), listener)?;
        let workers = jobs::spawn_all(state.clone());
        tracing::info!(address = %state.config.bind, port, "Muster is listening");
        Ok(Self { port, server, state, workers })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for w in self.workers {
            w.abort();
        }
        result
    }
}

pub async fn build_state(config: Config) -> anyhow::Result<Shared> {
    crate::secrets::private_dir(&config.data_dir)?;
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    db.restrict_file_permissions(&config.database_url)?;
    let secrets = Secrets::load_or_create(&config.data_dir)?;
    let dns = Dns::new(&config.dns_nameservers, config.dns_timeout)?;
    let fetcher = PageFetcher {
        dns: dns.clone(),
        allow_private: config.allow_private_fetch,
        plain_http_port: config.meta_fetch_port,
        timeout: std::time::Duration::from_secs(5),
    };
    let mailer = Mailer::new(config.smtp_url.as_deref(), &config.data_dir)?;
    let sms = crate::integrations::sms::SmsGateway::new(
        config.sms_url.as_deref(),
        config.sms_auth_header.as_deref(),
        &config.data_dir,
    )?;
    let limits = RateLimits::new(&config);
    Ok(Arc::new(AppState {
        config,
        db,
        secrets,
        dns,
        fetcher,
        mailer,
        sms,
        clock: Default::default(),
        limits,
        hashing: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).max(2)),
        outbox_wake: Notify::new(),
        sms_wake: Notify::new(),
        webhooks_wake: Notify::new(),
        jobs_wake: Notify::new(),
        schedules_wake: Notify::new(),
        job_progress: Default::default(),
        uploading: Default::default(),
    }))
}

fn http_server(state: Shared, listener: TcpListener) -> anyhow::Result<Server> {
    let spec = openapi::document();
    let data = web::Data::new(state.clone());
    let body_limit = state.config.max_body_bytes;
    let spa_dir = state.config.spa_dir.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(middleware::Compress::default())
            .wrap(
                middleware::DefaultHeaders::new()
                    .add(("X-Content-Type-Options", "nosniff"))
                    .add(("Referrer-Policy", "no-referrer"))
                    .add(("X-Frame-Options", "DENY")),
            )
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                let docs = req.path().starts_with("/api/docs");
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    let headers = res.headers_mut();
                    let name = actix_web::http::header::CONTENT_SECURITY_POLICY;
                    if !headers.contains_key(&name) {
                        // The SPA's index sets its own (with its script hashes); JSON needs nothing.
                        let policy = if docs { DOCS_POLICY } else { "default-src 'none'; frame-ancestors 'none'" };
                        headers.insert(name, actix_web::http::header::HeaderValue::from_static(policy));
                    }
                    Ok(res)
                }
            })
            .wrap(tracing_actix())
            .app_data(data.clone())
            .app_data(routes::json_config(body_limit))
            .app_data(web::PayloadConfig::new(body_limit))
            .app_data(routes::query_config())
            .app_data(routes::path_config())
            .service(web::redirect("/api/docs", "/api/docs/"))
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/openapi.json", spec.clone()))
            .configure(routes::configure)
            .configure(|cfg| routes::spa::configure(cfg, spa_dir.clone()))
    })
    .listen(listener)?
    .shutdown_timeout(10)
    .run();
    Ok(server)
}

/// Swagger UI (vendored) loads its own scripts and sets inline styles.
const DOCS_POLICY: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     frame-ancestors 'none'; object-src 'none'";

fn tracing_actix() -> middleware::Logger {
    // Paths only: query strings may carry one-time tokens.
    middleware::Logger::new("%s %{r}xi %Dms")
        .log_target("muster::http")
        .custom_request_replace("r", |req| format!("{} {}", req.method(), req.path()))
}
