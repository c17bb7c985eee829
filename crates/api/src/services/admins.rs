//! Admins: the PMA makes an enrolled member an admin and takes it back.
//! Admins do everything in the console except change the plan or manage admins.

use muster_model::{AdminEntry, Role};
use serde_json::json;

use crate::{
    auth::Console,
    error::{ApiError, ApiResult},
    services::audit,
    state::AppState,
    store::{accounts::AccountRow, audit as audit_store, enterprises, now_ms},
};

fn pma_only(c: &Console) -> ApiResult<()> {
    if c.role == Role::Pma {
        Ok(())
    } else {
        Err(ApiError::Forbidden("Only the Primary Master Admin manages admins.".into()))
    }
}

pub async fn list(state: &AppState, c: &Console) -> ApiResult<Vec<AdminEntry>> {
    Ok(enterprises::admins(&state.db.pool, &c.enterprise.id)
        .await?
        .into_iter()
        .map(|(account_id, email, role)| AdminEntry {
            account_id,
            email,
            role: Role::parse(&role).unwrap_or(Role::Admin),
        })
        .collect())
}

pub async fn grant(state: &AppState, c: &Console, actor: &AccountRow, account_id: &str) -> ApiResult<AdminEntry> {
    pma_only(c)?;
    let e = &c.enterprise;
    let email = enterprises::enrolled_member_email(&state.db.pool, &e.id, account_id)
        .await?
        .ok_or(ApiError::NotFound("member"))?;
    if let Some(role) = enterprises::admin_role(&state.db.pool, &e.id, account_id).await? {
        return Ok(AdminEntry {
            account_id: account_id.into(),
            email,
            role: Role::parse(&role).unwrap_or(Role::Admin),
        });
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    enterprises::insert_admin(&mut *tx, &e.id, account_id, Role::Admin.as_str(), now).await?;
    audit_store::record(&mut *tx, &audit::by(Some(actor), &e.id, "admin.granted", Some(&email), json!({})), now)
        .await?;
    tx.commit().await?;
    Ok(AdminEntry { account_id: account_id.into(), email, role: Role::Admin })
}

pub async fn revoke(state: &AppState, c: &Console, actor: &AccountRow, account_id: &str) -> ApiResult<()> {
    pma_only(c)?;
    let e = &c.enterprise;
    match enterprises::admin_role(&state.db.pool, &e.id, account_id).await?.as_deref() {
        None => return Err(ApiError::NotFound("admin")),
        Some("pma") => {
            return Err(ApiError::conflict("cannot_remove_pma", "The Primary Master Admin cannot be removed."));
        }
        Some(_) => {}
    }
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    if enterprises::remove_admin(&mut *tx, &e.id, account_id).await? {
        audit_store::record(
            &mut *tx,
            &audit::by(Some(actor), &e.id, "admin.revoked", Some(account_id), json!({})),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
