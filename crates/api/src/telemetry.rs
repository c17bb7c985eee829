//! Logging: `MUSTER_LOG` filter, `MUSTER_LOG_FORMAT=json` for JSON lines.

use tracing_subscriber::{fmt, EnvFilter};

pub fn init(filter: &str, format: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
