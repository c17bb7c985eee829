//! What SCIM reads and writes: members as SCIM Users (every member but the
//! removed), SCIM-owned distribution lists as Groups, and the enterprise's
//! SCIM setting. Pages are ordered by email (Users) or name and id (Groups),
//! on the indexes the console's lists use, so `startIndex` paging is stable.

use super::{
    scim_filter::{Bind, Condition},
    sql::{BindAll, ChangesOne, Exec},
};
use muster_model::MemberState;
use sqlx::{any::AnyArguments, Any, AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct ScimUserRow {
    pub id: String,
    pub email: String,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: MemberState,
    pub sync_suspended_from: Option<String>,
    pub external_id: Option<String>,
    pub employee_number: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const USER_COLUMNS: &str = "id, email, account_id, first_name, last_name, department, phone, job_title, state, \
    sync_suspended_from, external_id, employee_number, created_at, updated_at";

fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::Text(s) => q.bind(s.as_str()),
            Bind::Int(n) => q.bind(*n),
        };
    }
    q
}

/// A user that SCIM sees (not removed).
pub async fn user(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<ScimUserRow>> {
    sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM members WHERE enterprise_id = $1 AND id = $2 AND state <> 'removed'"
    ))
    .bind_all((enterprise_id, id))
    .fetch_optional(db)
    .await
}

/// The member with this (lower-cased) email, removed ones included.
pub async fn user_by_email(db: impl Exec<'_>, enterprise_id: &str, email: &str) -> sqlx::Result<Option<ScimUserRow>> {
    sqlx::query_as(&format!("SELECT {USER_COLUMNS} FROM members WHERE enterprise_id = $1 AND email = $2"))
        .bind_all((enterprise_id, email))
        .fetch_optional(db)
        .await
}

/// What a SCIM list reads: its columns, `FROM …` (binding `$1` to the enterprise) and order.
struct Listing {
    select: &'static str,
    from: &'static str,
    order: &'static str,
}

/// One page of a listing's rows that match `cond` (binds from `$2`), and how many match in all.
async fn page<O>(
    conn: &mut AnyConnection,
    listing: Listing,
    enterprise_id: &str,
    cond: Option<&Condition>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<O>)>
where
    O: for<'r> FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let (clause, binds) = match cond {
        Some(c) => (format!(" AND {}", c.sql), c.binds.as_slice()),
        None => (String::new(), &[][..]),
    };
    let n = binds.len() + 2;
    let Listing { select, from, order } = listing;
    let total: (i64,) = bind_all(sqlx::query_as(&format!("SELECT COUNT(*) {from}{clause}")).bind(enterprise_id), binds)
        .fetch_one(&mut *conn)
        .await?;
    if limit == 0 {
        return Ok((total.0, Vec::new()));
    }
    let sql = format!("SELECT {select} {from}{clause} ORDER BY {order} LIMIT ${n} OFFSET ${}", n + 1);
    let rows =
        bind_all(sqlx::query_as(&sql).bind(enterprise_id), binds).bind(limit).bind(offset).fetch_all(conn).await?;
    Ok((total.0, rows))
}

/// One page of users matching `cond`, by email, and how many match in all.
pub async fn users(
    conn: &mut AnyConnection,
    enterprise_id: &str,
    cond: Option<&Condition>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<ScimUserRow>)> {
    let listing = Listing {
        select: USER_COLUMNS,
        from: "FROM members WHERE enterprise_id = $1 AND state <> 'removed'",
        order: "email",
    };
    page(conn, listing, enterprise_id, cond, offset, limit).await
}

/// What SCIM writes on a member besides the profile.
pub struct ScimFields<'a> {
    pub external_id: Option<&'a str>,
    pub employee_number: Option<&'a str>,
}

pub async fn set_fields(db: impl Exec<'_>, id: &str, f: &ScimFields<'_>, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE members SET external_id = $2, employee_number = $3, updated_at = $4 WHERE id = $1")
        .bind_all((id, f.external_id, f.employee_number, now))
        .execute(db)
        .await?;
    Ok(())
}

/// A new userName for a member no account is linked to yet; false when one is.
pub async fn set_email(db: impl Exec<'_>, id: &str, email: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query("UPDATE members SET email = $2, updated_at = $3 WHERE id = $1 AND account_id IS NULL")
        .bind_all((id, email, now))
        .changes_one(db)
        .await
}

/// The pending invitation of a member (its mail went to the old address).
pub async fn revoke_pending_invitations(db: impl Exec<'_>, member_id: &str) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE invitations SET status = 'revoked', token_hash = NULL WHERE member_id = $1 AND status = 'pending'",
    )
    .bind(member_id)
    .execute(db)
    .await?
    .rows_affected())
}

/// SCIM DELETE: the member is `removed` (kept, restorable by creating it again).
pub async fn remove(db: impl Exec<'_>, enterprise_id: &str, id: &str, now: i64) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE members SET state = 'removed', managed_since = NULL, sync_suspended_from = NULL, updated_at = $3 \
         WHERE enterprise_id = $1 AND id = $2 AND state <> 'removed'",
    )
    .bind_all((enterprise_id, id, now))
    .changes_one(db)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct ScimGroupRow {
    pub id: String,
    pub name: String,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const GROUP_COLUMNS: &str = "l.id, l.name, l.external_id, l.created_at, l.updated_at";
const GROUPS: &str =
    "FROM distribution_lists l WHERE l.enterprise_id = $1 AND l.source = 'scim' AND l.removed_at IS NULL";

pub async fn group(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<ScimGroupRow>> {
    sqlx::query_as(&format!("SELECT {GROUP_COLUMNS} {GROUPS} AND l.id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

/// A SCIM group of this name (case-insensitive), other than `except`.
pub async fn group_named(
    db: impl Exec<'_>,
    enterprise_id: &str,
    name: &str,
    except: Option<&str>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(&format!("SELECT l.id {GROUPS} AND LOWER(l.name) = $2 AND ($3 IS NULL OR l.id <> $3)"))
        .bind_all((enterprise_id, name.to_lowercase(), except))
        .fetch_optional(db)
        .await
}

pub async fn groups(
    conn: &mut AnyConnection,
    enterprise_id: &str,
    cond: Option<&Condition>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(i64, Vec<ScimGroupRow>)> {
    let listing = Listing { select: GROUP_COLUMNS, from: GROUPS, order: "l.name, l.id" };
    page(conn, listing, enterprise_id, cond, offset, limit).await
}

/// The ids of a group's members that SCIM still sees, by email.
pub async fn group_members(db: impl Exec<'_>, list_id: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT m.id FROM distribution_list_members d JOIN members m ON m.id = d.member_id \
         WHERE d.list_id = $1 AND m.state <> 'removed' ORDER BY m.email",
    )
    .bind(list_id)
    .fetch_all(db)
    .await
}

/// Which of `ids` are members of the enterprise SCIM sees (unknown ids are the caller's error).
pub async fn known_members(conn: &mut AnyConnection, enterprise_id: &str, ids: &[String]) -> sqlx::Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(2, chunk.len());
        let sql = format!("SELECT id FROM members WHERE enterprise_id = $1 AND state <> 'removed' AND id IN ({marks})");
        let mut q = sqlx::query_scalar::<Any, String>(&sql).bind(enterprise_id);
        for id in chunk {
            q = q.bind(id);
        }
        found.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

/// Marks a new list as SCIM's (created by `distribution_lists::insert_list`).
pub async fn own_group(db: impl Exec<'_>, id: &str, external_id: Option<&str>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE distribution_lists SET source = 'scim', directory_id = 'scim:' || id, external_id = $2 WHERE id = $1",
    )
    .bind_all((id, external_id))
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_group(
    db: impl Exec<'_>,
    id: &str,
    name: &str,
    external_id: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE distribution_lists SET name = $2, external_id = $3, updated_at = $4 WHERE id = $1")
        .bind_all((id, name, external_id, now))
        .execute(db)
        .await?;
    Ok(())
}

pub async fn clear_group(db: impl Exec<'_>, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM distribution_list_members WHERE list_id = $1").bind(id).execute(db).await?;
    Ok(())
}

/// The enterprise's `send_invitations` for SCIM; `None` until first saved (then it is true).
pub async fn send_invitations(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<Option<bool>> {
    let v: Option<i64> = sqlx::query_scalar("SELECT send_invitations FROM scim_settings WHERE enterprise_id = $1")
        .bind(enterprise_id)
        .fetch_optional(db)
        .await?;
    Ok(v.map(|v| v != 0))
}

pub async fn save_settings(db: impl Exec<'_>, enterprise_id: &str, send: bool, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO scim_settings (enterprise_id, send_invitations, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (enterprise_id) DO UPDATE SET send_invitations = $2, updated_at = $3",
    )
    .bind_all((enterprise_id, send as i64, now))
    .execute(db)
    .await?;
    Ok(())
}
