//! Persistence. One `Db` (an `AnyPool`) serves SQLite and PostgreSQL with the
//! same SQL: TEXT ids, BIGINT epoch-milliseconds, JSON as TEXT, booleans as
//! 0/1. Each submodule owns the SQL for one kind of record.

pub mod accounts;
pub mod api_tokens;
pub mod audit;
pub mod bulk;
pub mod claims;
pub mod directory;
pub mod distribution_lists;
pub mod enterprises;
pub mod invitations;
pub mod jobs;
pub mod join_requests;
pub mod members;
pub mod mfa;
pub mod outbox;
pub mod phones;
pub mod scim;
pub mod scim_filter;
pub mod sessions;
pub mod sms_outbox;
pub mod sql;
pub mod stats;
pub mod webhooks;

use std::{str::FromStr, time::Duration};

use anyhow::Context;
use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool, ConnectOptions, Executor,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let url = if backend == Backend::Sqlite { sqlite_url_creating_file(url)? } else { url.to_string() };
        let options = AnyConnectOptions::from_str(&url)
            .with_context(|| "while parsing MUSTER_DATABASE_URL")?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(1));
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(10))
            // A SQLite connection is a local file handle that cannot drop; the
            // ping would double the thread hand-offs of every query.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    if conn.backend_name() == "SQLite" {
                        conn.execute(
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; \
                             PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; \
                             PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .with_context(|| format!("while connecting to the {backend:?} database"))?;
        Ok(Self { pool, backend })
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        if self.backend == Backend::Postgres {
            return self.migrator().run(&self.pool).await.context("while applying migrations");
        }
        // SQLite rebuilds a table to change a constraint, which needs foreign
        // keys off on the migrating connection (they cannot change inside the
        // migration's transaction); every reference is checked afterwards.
        let mut conn = self.pool.acquire().await?;
        conn.execute("PRAGMA foreign_keys = OFF").await?;
        let ran = self.migrator().run(&mut *conn).await.context("while applying migrations");
        let broken: Result<Vec<(String,)>, _> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&mut *conn).await;
        conn.execute("PRAGMA foreign_keys = ON").await?;
        ran?;
        let broken = broken.context("while checking references after the migrations")?;
        anyhow::ensure!(broken.is_empty(), "migrations left broken references in {broken:?}");
        Ok(())
    }

    /// The SQLite file (and its WAL companions, which SQLite creates with the
    /// file's mode) readable by the owner only.
    pub fn restrict_file_permissions(&self, url: &str) -> anyhow::Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let Some(file) = sqlite_file(url) else {
            return Ok(());
        };
        for suffix in ["", "-wal", "-shm"] {
            let p = std::path::PathBuf::from(format!("{file}{suffix}"));
            if p.exists() {
                crate::secrets::restrict(&p, 0o600)?;
            }
        }
        Ok(())
    }

    /// Readiness: the database answers and every embedded migration is applied.
    pub async fn ready(&self) -> anyhow::Result<()> {
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_one(&self.pool)
            .await
            .context("database not reachable or not migrated")?;
        let expected = self.migrator().iter().count() as i64;
        anyhow::ensure!(applied >= expected, "{applied} of {expected} migrations applied");
        Ok(())
    }
}

/// `sqlite://path` must exist or carry `mode=rwc`; make the parent dir too.
/// The file a `sqlite://` URL names; None for an in-memory database.
fn sqlite_file(url: &str) -> Option<&str> {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let file = path.split('?').next().unwrap_or(path);
    (file != ":memory:" && !file.is_empty()).then_some(file)
}

fn sqlite_url_creating_file(url: &str) -> anyhow::Result<String> {
    if let Some(file) = sqlite_file(url) {
        if let Some(parent) = std::path::Path::new(file).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).with_context(|| format!("while creating {}", parent.display()))?;
            }
        }
    }
    Ok(if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") })
}

/// A list read one row past `limit`: that extra row only says a next page
/// exists, and the last row kept names where it starts.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn of(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more { rows.last().map(cursor_of) } else { None };
        Page { items: rows, next_cursor }
    }
}

/// How many ids one `IN (…)` list binds: far below either backend's bind limit.
pub const IN_CHUNK: usize = 500;

/// `$first, $first+1, …` for an `IN (…)` list of `n` values after `first - 1` other binds.
pub fn in_list(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// For a transaction that grows a table while it keeps looking rows up in it
/// (an import, a sync): PostgreSQL would otherwise settle on a generic plan
/// made while the table was small (a sequential scan) and reuse it as the
/// table grows, turning a 100,000-row import quadratic. SQLite has no plan cache
/// of that kind.
pub async fn plan_each_query(conn: &mut sqlx::AnyConnection, backend: Backend) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan").execute(conn).await?;
    }
    Ok(())
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// True when a write failed on a UNIQUE constraint (both backends).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.is_unique_violation() || db.message().contains("UNIQUE constraint failed"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_keeps_limit_rows_and_points_past_the_last_when_more_exist() {
        let page = Page::of(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!((page.items, page.next_cursor), (vec![1, 2], Some("2".to_string())));
        let last = Page::of(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((last.items, last.next_cursor), (vec![1, 2], None));
        let none = Page::of(vec![1], 0, |n: &i32| n.to_string());
        assert_eq!((none.items, none.next_cursor), (vec![], None));
    }

    #[test]
    fn in_lists_number_their_binds_after_the_others() {
        assert_eq!(in_list(2, 3), "$2, $3, $4");
        assert_eq!(in_list(1, 1), "$1");
    }
}
