//! Distribution lists: the directory's groups as Directory Sync keeps them
//! (and SCIM's Groups, `source = 'scim'`), with their members.

use super::sql::{BindAll, Exec};
use sqlx::{Any, AnyConnection, FromRow};

use super::Backend;

#[derive(Debug, Clone, FromRow)]
pub struct ListRow {
    pub id: String,
    pub directory_id: String,
    pub dn: String,
    pub name: String,
    pub email: Option<String>,
    pub removed_at: Option<i64>,
    pub updated_at: i64,
    pub members: i64,
}

const LIST_COLUMNS: &str = "l.id, l.directory_id, l.dn, l.name, l.email, l.removed_at, l.updated_at, \
    (SELECT COUNT(*) FROM distribution_list_members m WHERE m.list_id = l.id) AS members";

/// By name (then id, so lists sharing a name all appear); `after` is the id of the last list of the previous page.
pub async fn lists(
    db: impl Exec<'_>,
    enterprise_id: &str,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM distribution_lists l WHERE l.enterprise_id = $1 AND ($2 IS NULL OR \
         (l.name, l.id) > (SELECT p.name, p.id FROM distribution_lists p WHERE p.id = $2 AND p.enterprise_id = $1)) \
         ORDER BY l.name, l.id LIMIT $3"
    ))
    .bind_all((enterprise_id, after, limit))
    .fetch_all(db)
    .await
}

pub async fn list(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<ListRow>> {
    sqlx::query_as(&format!("SELECT {LIST_COLUMNS} FROM distribution_lists l WHERE l.enterprise_id = $1 AND l.id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

pub async fn list_member_emails(db: impl Exec<'_>, list_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT m.email FROM distribution_list_members d JOIN members m ON m.id = d.member_id WHERE d.list_id = $1 ORDER BY m.email",
    )
    .bind(list_id)
    .fetch_all(db)
    .await
}

/// Every list of the enterprise with its member ids (a sync diffs against
/// this): one row per list, the ids joined by the database, because a
/// 100,000-member list read row by row costs a second.
pub async fn lists_with_members(
    db: impl Exec<'_>,
    backend: super::Backend,
    enterprise_id: &str,
) -> sqlx::Result<Vec<(String, Vec<String>)>> {
    let joined = match backend {
        super::Backend::Sqlite => "group_concat(d.member_id, ',')",
        super::Backend::Postgres => "string_agg(d.member_id, ',')",
    };
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(&format!(
        "SELECT l.id, {joined} FROM distribution_lists l LEFT JOIN distribution_list_members d ON d.list_id = l.id \
         WHERE l.enterprise_id = $1 AND l.source = 'directory' GROUP BY l.id"
    ))
    .bind(enterprise_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(list, ids)| (list, ids.map(|ids| ids.split(',').map(str::to_string).collect()).unwrap_or_default()))
        .collect())
}

/// The lists Directory Sync owns (SCIM's are its own, see `store::scim`).
pub async fn all_lists(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Vec<ListRow>> {
    sqlx::query_as(&format!(
        "SELECT {LIST_COLUMNS} FROM distribution_lists l WHERE l.enterprise_id = $1 AND l.source = 'directory'"
    ))
    .bind(enterprise_id)
    .fetch_all(db)
    .await
}

pub async fn update_list(
    db: impl Exec<'_>,
    id: &str,
    dn: &str,
    name: &str,
    email: Option<&str>,
    removed_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE distribution_lists SET dn = $2, name = $3, email = $4, removed_at = $5, updated_at = $6 WHERE id = $1",
    )
    .bind_all((id, dn, name, email, removed_at, now))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn remove_list_members(conn: &mut AnyConnection, list_id: &str, member_ids: &[String]) -> sqlx::Result<()> {
    for chunk in member_ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(2, chunk.len());
        let sql = format!("DELETE FROM distribution_list_members WHERE list_id = $1 AND member_id IN ({})", marks);
        let mut q = sqlx::query::<Any>(&sql).bind(list_id);
        for id in chunk {
            q = q.bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// A group seen for the first time: the list and its first members.
pub struct NewList<'a> {
    pub directory_id: &'a str,
    pub dn: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
}

/// Creates a list; returns its id.
pub async fn insert_list(
    conn: &mut AnyConnection,
    backend: Backend,
    enterprise_id: &str,
    list: &NewList<'_>,
    now: i64,
) -> sqlx::Result<String> {
    use super::bulk::Cell;
    let id = super::new_id();
    let row = vec![
        Cell::from(id.as_str()),
        enterprise_id.into(),
        list.directory_id.into(),
        list.dn.into(),
        list.name.into(),
        Cell::Text(list.email.map(str::to_string)),
        now.into(),
        now.into(),
    ];
    let columns = ["id", "enterprise_id", "directory_id", "dn", "name", "email", "created_at", "updated_at"];
    super::bulk::insert(conn, backend, "distribution_lists", &columns, vec![row]).await?;
    Ok(id)
}

/// Adds members to a list with multi-row inserts.
pub async fn add_list_members(
    conn: &mut AnyConnection,
    backend: Backend,
    list_id: &str,
    member_ids: &[String],
) -> sqlx::Result<()> {
    use super::bulk::Cell;
    let rows = member_ids.iter().map(|m| vec![Cell::from(list_id), Cell::from(m.as_str())]).collect();
    super::bulk::insert(conn, backend, "distribution_list_members", &["list_id", "member_id"], rows).await
}

/// The group left the directory (or the sync's scope): the list is kept, marked removed.
pub async fn mark_list_removed(db: impl Exec<'_>, id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE distribution_lists SET removed_at = $2, updated_at = $2 WHERE id = $1")
        .bind_all((id, now))
        .execute(db)
        .await?;
    Ok(())
}
