//! Members of an enterprise (its users) and the managed-seat counter.

use super::sql::{BindAll, Exec};
use muster_model::{MemberSource, MemberState, Profile};
use sqlx::{Any, AnyConnection, FromRow};

#[derive(Debug, Clone, FromRow)]
pub struct MemberRow {
    pub id: String,
    pub enterprise_id: String,
    pub email: String,
    pub account_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub department: Option<String>,
    pub phone: Option<String>,
    pub job_title: Option<String>,
    #[sqlx(try_from = "String")]
    pub state: MemberState,
    pub source: String,
    pub created_at: i64,
    pub managed_since: Option<i64>,
}

impl MemberRow {
    pub fn profile(&self) -> Profile {
        Profile::from([&self.first_name, &self.last_name, &self.department, &self.phone, &self.job_title])
    }
}

const COLUMNS: &str = "id, enterprise_id, email, account_id, first_name, last_name, department, phone, job_title, \
    state, source, created_at, managed_since";

pub async fn by_id(db: impl Exec<'_>, enterprise_id: &str, id: &str) -> sqlx::Result<Option<MemberRow>> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM members WHERE enterprise_id = $1 AND id = $2"))
        .bind_all((enterprise_id, id))
        .fetch_optional(db)
        .await
}

/// The members among `emails` (lower-cased), in chunks small enough for any backend.
pub async fn by_emails(
    conn: &mut AnyConnection,
    enterprise_id: &str,
    emails: &[String],
) -> sqlx::Result<Vec<MemberRow>> {
    let mut found = Vec::new();
    for chunk in emails.chunks(super::IN_CHUNK) {
        let marks = super::in_list(2, chunk.len());
        let sql = format!("SELECT {COLUMNS} FROM members WHERE enterprise_id = $1 AND email IN ({})", marks);
        let mut q = sqlx::query_as::<Any, MemberRow>(&sql).bind(enterprise_id);
        for e in chunk {
            q = q.bind(e);
        }
        found.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(found)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub state: Option<String>,
    /// Lower-cased; matched anywhere in email, names and department.
    pub search: Option<String>,
    /// Keyset paging by email.
    pub after_email: Option<String>,
    pub limit: i64,
}

/// Members by email; `removed` ones only when asked for by state. The SQL
/// names only the filters in use, so the cursor is a plain range on the
/// `(enterprise_id, email)` index and a page costs the same at any depth.
pub async fn list(db: impl Exec<'_>, enterprise_id: &str, f: &Filter) -> sqlx::Result<Vec<MemberRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM members WHERE enterprise_id = $1");
    let mut n = 1;
    let mut next = || {
        n += 1;
        n
    };
    match &f.state {
        Some(_) => sql.push_str(&format!(" AND state = ${}", next())),
        None => sql.push_str(" AND state <> 'removed'"),
    }
    if f.after_email.is_some() {
        sql.push_str(&format!(" AND email > ${}", next()));
    }
    let pattern =
        f.search.as_ref().map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    if pattern.is_some() {
        let p = next();
        sql.push_str(&format!(
            " AND (email LIKE ${p} ESCAPE '\\' OR LOWER(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')) LIKE ${p} ESCAPE '\\' \
             OR LOWER(COALESCE(department, '')) LIKE ${p} ESCAPE '\\')"
        ));
    }
    sql.push_str(&format!(" ORDER BY email LIMIT ${}", next()));
    let mut q = sqlx::query_as::<Any, MemberRow>(&sql).bind(enterprise_id);
    if let Some(s) = &f.state {
        q = q.bind(s);
    }
    if let Some(after) = &f.after_email {
        q = q.bind(after);
    }
    if let Some(p) = pattern {
        q = q.bind(p);
    }
    q.bind(f.limit).fetch_all(db).await
}

pub async fn set_profile(db: impl Exec<'_>, id: &str, p: &Profile, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET first_name = $2, last_name = $3, department = $4, phone = $5, job_title = $6, updated_at = $7 \
         WHERE id = $1",
    )
    .bind_all((id, &p.first_name, &p.last_name, &p.department, &p.phone, &p.job_title, now))
    .execute(db)
    .await?;
    Ok(())
}

/// Moves the listed members that are in one of `from` to `to`; returns the
/// ids and emails that moved. The first write of its transaction, so SQLite
/// takes its write lock here rather than upgrading a read later.
pub async fn change_state(
    conn: &mut AnyConnection,
    enterprise_id: &str,
    ids: &[String],
    from: &[MemberState],
    to: MemberState,
    now: i64,
) -> sqlx::Result<Vec<(String, String)>> {
    let mut moved = Vec::new();
    let states = from.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ");
    for chunk in ids.chunks(super::IN_CHUNK) {
        let marks = super::in_list(4, chunk.len());
        let sql = format!(
            "UPDATE members SET state = $2, updated_at = $3, sync_suspended_from = NULL, \
             managed_since = CASE WHEN $2 = 'managed' THEN $3 ELSE NULL END \
             WHERE enterprise_id = $1 AND state IN ({states}) AND id IN ({}) RETURNING id, email",
            marks
        );
        let mut q = sqlx::query_as::<Any, (String, String)>(&sql).bind(enterprise_id).bind(to.as_str()).bind(now);
        for id in chunk {
            q = q.bind(id);
        }
        moved.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(moved)
}

/// Adds `delta` managed seats unless that passes the cap; `None` when it would.
pub async fn adjust_seats(db: impl Exec<'_>, enterprise_id: &str, delta: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE enterprises SET managed_seats = managed_seats + $2 \
         WHERE id = $1 AND (seat_cap IS NULL OR $2 <= 0 OR managed_seats + $2 <= seat_cap) RETURNING managed_seats",
    )
    .bind_all((enterprise_id, delta))
    .fetch_optional(db)
    .await
}

pub async fn managed_seats(db: impl Exec<'_>, enterprise_id: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT managed_seats FROM enterprises WHERE id = $1").bind(enterprise_id).fetch_one(db).await
}

#[derive(Debug, Clone, FromRow)]
pub struct SeatEventRow {
    pub email: String,
    pub delta: i64,
    pub seats_after: i64,
    pub actor_email: Option<String>,
    pub created_at: i64,
}

pub async fn recent_seat_events(db: impl Exec<'_>, enterprise_id: &str, limit: i64) -> sqlx::Result<Vec<SeatEventRow>> {
    sqlx::query_as(
        "SELECT email, delta, seats_after, actor_email, created_at FROM seat_events WHERE enterprise_id = $1 \
         ORDER BY id DESC LIMIT $2",
    )
    .bind_all((enterprise_id, limit))
    .fetch_all(db)
    .await
}

/// Sets the profile fields given (`Some`) and leaves the others; a sync also
/// links the member to its directory id.
pub async fn merge_profile(
    db: impl Exec<'_>,
    id: &str,
    profile: &Profile,
    directory_id: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET first_name = COALESCE($2, first_name), last_name = COALESCE($3, last_name), \
         department = COALESCE($4, department), phone = COALESCE($5, phone), job_title = COALESCE($6, job_title), \
         directory_id = COALESCE($8, directory_id), updated_at = $7 WHERE id = $1",
    )
    .bind_all((
        id,
        &profile.first_name,
        &profile.last_name,
        &profile.department,
        &profile.phone,
        &profile.job_title,
        now,
        directory_id,
    ))
    .execute(db)
    .await?;
    Ok(())
}

/// A person enrolled as `invited`.
pub struct NewMember {
    pub id: String,
    pub email: String,
    pub source: MemberSource,
    pub profile: Profile,
    pub directory_id: Option<String>,
}

/// Writes many new members with multi-row inserts.
pub async fn insert_invited(
    conn: &mut AnyConnection,
    backend: super::Backend,
    enterprise_id: &str,
    rows: Vec<NewMember>,
    now: i64,
) -> sqlx::Result<()> {
    use super::bulk::Cell;
    const COLUMNS: &[&str] = &[
        "id",
        "enterprise_id",
        "email",
        "state",
        "source",
        "first_name",
        "last_name",
        "department",
        "phone",
        "job_title",
        "directory_id",
        "created_at",
        "updated_at",
    ];
    let cells = rows
        .into_iter()
        .map(|m| {
            let mut cells = vec![
                Cell::from(m.id),
                enterprise_id.into(),
                m.email.into(),
                "invited".into(),
                m.source.as_str().into(),
            ];
            cells.extend(m.profile.values().into_iter().cloned().map(Cell::from));
            cells.extend([Cell::Text(m.directory_id), now.into(), now.into()]);
            cells
        })
        .collect();
    super::bulk::insert(conn, backend, "members", COLUMNS, cells).await
}

/// One member's seat change for the billing history.
pub struct SeatMove<'a> {
    pub member_id: &'a str,
    pub email: &'a str,
    pub delta: i64,
}

/// Records seat changes in order, each with the managed-seat count after it
/// (`seats_after` is the count once all of them are done).
pub async fn record_seat_events(
    conn: &mut AnyConnection,
    backend: super::Backend,
    enterprise_id: &str,
    moves: &[SeatMove<'_>],
    seats_after: i64,
    actor_email: &str,
    now: i64,
) -> sqlx::Result<()> {
    use super::bulk::Cell;
    const COLUMNS: &[&str] =
        &["id", "enterprise_id", "member_id", "email", "delta", "seats_after", "actor_email", "created_at"];
    let mut running = seats_after - moves.iter().map(|m| m.delta).sum::<i64>();
    let cells = moves
        .iter()
        .filter(|m| m.delta != 0)
        .map(|m| {
            running += m.delta;
            vec![
                Cell::from(super::new_id()),
                enterprise_id.into(),
                m.member_id.into(),
                m.email.into(),
                m.delta.into(),
                running.into(),
                actor_email.into(),
                now.into(),
            ]
        })
        .collect();
    super::bulk::insert(conn, backend, "seat_events", COLUMNS, cells).await
}
