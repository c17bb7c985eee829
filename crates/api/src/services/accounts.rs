//! Sign-up, activation and its resend, and the `/me` view of an account.

use muster_model::{validate, Account, AccountStatus, EnterpriseRef, Me, MembershipRef, Role, SignUpRequest};

use crate::{
    error::{ApiError, ApiResult},
    services::{crypto, mail, sessions::Caller},
    state::AppState,
    store::{self, accounts, accounts::AccountRow, enterprises, now_ms, outbox},
};

const ACTIVATION: &str = "activation";

pub fn view(a: &AccountRow) -> Account {
    Account {
        id: a.id.clone(),
        email: a.email.clone(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        status: AccountStatus::parse(&a.status).unwrap_or(AccountStatus::Pending),
        email_verified: a.email_verified != 0,
        created_at: store::rfc3339(a.created_at),
    }
}

pub fn parse_email(input: &str) -> ApiResult<validate::Email> {
    validate::Email::parse(input).map_err(|m| ApiError::field("invalid_email", m))
}

pub fn check_new_password(password: &str, email: &str) -> ApiResult<()> {
    match validate::password_problem(password, email) {
        Some(m) => Err(ApiError::field("weak_password", m)),
        None => Ok(()),
    }
}

pub async fn sign_up(state: &AppState, req: SignUpRequest, ip: &str) -> ApiResult<Account> {
    if state.limits.signup_per_ip.check_key(&ip.to_string()).is_err() {
        return Err(ApiError::RateLimited);
    }
    let email = parse_email(&req.email)?;
    check_new_password(&req.password, email.as_str())?;
    let first_name = validate::name(req.first_name.as_deref(), "First name").map_err(ApiError::Validation)?;
    let last_name = validate::name(req.last_name.as_deref(), "Last name").map_err(ApiError::Validation)?;
    if accounts::by_email(&state.db.pool, email.as_str()).await?.is_some() {
        return Err(ApiError::conflict(
            "email_taken",
            format!("An account for {email} already exists. Sign in, or ask for a new activation link."),
        ));
    }
    let now = now_ms();
    let row = AccountRow {
        id: store::new_id(),
        email: email.to_string(),
        password_hash: crypto::hash_password(&req.password)?,
        first_name,
        last_name,
        status: AccountStatus::Pending.as_str().into(),
        email_verified: 0,
        created_at: now,
    };
    let mut tx = state.db.pool.begin().await?;
    if let Err(e) = accounts::insert(&mut *tx, &row).await {
        return Err(if store::is_unique_violation(&e) {
            ApiError::conflict("email_taken", format!("An account for {email} already exists."))
        } else {
            e.into()
        });
    }
    queue_activation(state, &mut tx, &row, now).await?;
    tx.commit().await?;
    state.wake_outbox();
    tracing::info!(account = %row.id, "account signed up");
    Ok(view(&row))
}

async fn queue_activation(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account: &AccountRow,
    now: i64,
) -> ApiResult<()> {
    let (token, hash) = crypto::new_token();
    let ttl = state.config.activation_ttl;
    accounts::expire_tokens(&mut **tx, &account.id, ACTIVATION, now).await?;
    accounts::insert_token(&mut **tx, &hash, ACTIVATION, &account.id, now + ttl.as_millis() as i64, now).await?;
    let mail = mail::activation(&account.email, &state.config.public_url, &token, ttl.as_secs() / 3600);
    outbox::enqueue(&mut **tx, &mail, now).await?;
    Ok(())
}

pub async fn activate(state: &AppState, token: &str) -> ApiResult<Account> {
    let invalid = || ApiError::field("token_invalid", "This activation link is not valid. Ask for a new one.");
    if token.trim().is_empty() {
        return Err(invalid());
    }
    let hash = crypto::hash_token(token);
    let found = accounts::token(&state.db.pool, &hash, ACTIVATION).await?.ok_or_else(invalid)?;
    let account = accounts::by_id(&state.db.pool, &found.account_id).await?.ok_or_else(invalid)?;
    let now = now_ms();
    if found.used_at.is_some() {
        // A second click on the same link: the account is active, say so.
        if account.status == "active" {
            return Ok(view(&account));
        }
        return Err(invalid());
    }
    if found.expires_at <= now {
        return Err(ApiError::gone("token_expired", "This activation link has expired. Ask for a new one."));
    }
    let mut tx = state.db.pool.begin().await?;
    if !accounts::use_token(&mut *tx, &hash, now).await? {
        return Err(invalid());
    }
    accounts::mark_active(&mut *tx, &account.id, now).await?;
    tx.commit().await?;
    let account = accounts::by_id(&state.db.pool, &account.id).await?.ok_or_else(invalid)?;
    Ok(view(&account))
}

/// Always answers the same, so it does not reveal which emails have accounts.
pub async fn resend_activation(state: &AppState, email: &str, ip: &str) -> ApiResult<()> {
    if state.limits.signup_per_ip.check_key(&ip.to_string()).is_err() {
        return Err(ApiError::RateLimited);
    }
    let email = parse_email(email)?;
    if let Some(account) = accounts::by_email(&state.db.pool, email.as_str()).await? {
        if account.status == "pending" {
            let now = now_ms();
            let mut tx = state.db.pool.begin().await?;
            queue_activation(state, &mut tx, &account, now).await?;
            tx.commit().await?;
            state.wake_outbox();
        }
    }
    Ok(())
}

/// `GET /me`: the account, the enterprises it administers, its memberships.
pub async fn me(state: &AppState, caller: &Caller) -> ApiResult<Me> {
    let admin_of = enterprises::administered_by(&state.db.pool, &caller.account.id).await?;
    let memberships = enterprises::memberships_of(&state.db.pool, &caller.account.id).await?;
    Ok(Me {
        account: view(&caller.account),
        enterprises: admin_of
            .into_iter()
            .map(|r| EnterpriseRef { id: r.id, domain: r.domain, role: Role::parse(&r.role).unwrap_or(Role::Admin) })
            .collect(),
        memberships: memberships
            .into_iter()
            .map(|m| MembershipRef { enterprise_id: m.enterprise_id, domain: m.domain, state: m.state })
            .collect(),
        session: caller.info(state),
    })
}
