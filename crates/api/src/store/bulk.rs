//! Multi-row INSERTs for both backends. SQLite gets `?` placeholders (its
//! cost grows with the square of numbered binds per statement); PostgreSQL
//! needs `$N`. Rows go in chunks that stay far below either's bind limit.

use sqlx::{Any, AnyConnection};

use super::Backend;

/// One value to bind.
#[derive(Debug, Clone)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Self::Text(Some(s))
    }
}
impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Self::Text(Some(s.to_string()))
    }
}
impl From<Option<String>> for Cell {
    fn from(s: Option<String>) -> Self {
        Self::Text(s)
    }
}
impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Self::Int(Some(i))
    }
}
impl From<Option<i64>> for Cell {
    fn from(i: Option<i64>) -> Self {
        Self::Int(i)
    }
}

const MAX_BINDS: usize = 8000;

/// `INSERT INTO table (columns) VALUES (…), (…)` for every row, chunked.
pub async fn insert(
    conn: &mut AnyConnection,
    backend: Backend,
    table: &str,
    columns: &[&str],
    rows: Vec<Vec<Cell>>,
) -> sqlx::Result<()> {
    let per_chunk = (MAX_BINDS / columns.len()).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Cell>> = rows.by_ref().take(per_chunk).collect();
        let sql = statement(backend, table, columns, chunk.len());
        let mut query = sqlx::query::<Any>(&sql);
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len());
            for cell in row {
                query = match cell {
                    Cell::Text(t) => query.bind(t),
                    Cell::Int(i) => query.bind(i),
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn statement(backend: Backend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 0;
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns.len() {
            if c > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${n}")),
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        assert_eq!(statement(Backend::Sqlite, "t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES (?, ?), (?, ?)");
        assert_eq!(statement(Backend::Postgres, "t", &["a", "b"], 2), "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
    }
}
