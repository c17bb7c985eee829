//! Sign-up, activation and its resend, password reset and change, and the
//! `/me` view of an account.

use muster_model::{
    validate, Account, AccountStatus, ChangePasswordRequest, EnterpriseRef, Me, MembershipRef, Role, SignUpRequest,
};

use crate::{
    services::error::{DomainError, DomainResult},
    services::{crypto, mail, passwords, sessions::Caller},
    state::AppState,
    store::{self, accounts, accounts::AccountRow, enterprises, now_ms, outbox, sessions},
};

const ACTIVATION: &str = "activation";
const PASSWORD_RESET: &str = "password_reset";

pub fn view(a: &AccountRow) -> Account {
    Account {
        id: a.id.clone(),
        email: a.email.clone(),
        first_name: a.first_name.clone(),
        last_name: a.last_name.clone(),
        status: AccountStatus::parse(&a.status).unwrap_or(AccountStatus::Pending),
        email_verified: a.email_verified != 0,
        created_at: store::rfc3339(a.created_at),
        mfa_enabled: a.mfa_enabled != 0,
        phone: a.phone.clone(),
    }
}

pub fn parse_email(input: &str) -> DomainResult<validate::Email> {
    validate::Email::parse(input).map_err(|m| DomainError::field("invalid_email", m))
}

pub fn check_new_password(password: &str, email: &str) -> DomainResult<()> {
    match validate::password_problem(password, email) {
        Some(m) => Err(DomainError::field("weak_password", m)),
        None => Ok(()),
    }
}

/// Sign-up answers the same (status, body shape, timing) whether or not the
/// address has an account, so it reveals nothing. A new address gets a
/// `pending` account; a still-pending one gets the new password and a fresh
/// activation link (the latest sign-up wins, and only the mailbox owner can
/// activate it); an active one's owner is mailed that someone tried.
pub async fn sign_up(state: &AppState, req: SignUpRequest, ip: &str) -> DomainResult<Account> {
    if state.limits.signup_per_ip.check_key(&ip.to_string()).is_err() {
        return Err(DomainError::RateLimited);
    }
    let email = parse_email(&req.email)?;
    check_new_password(&req.password, email.as_str())?;
    let first_name = validate::name(req.first_name.as_deref(), "First name").map_err(DomainError::Validation)?;
    let last_name = validate::name(req.last_name.as_deref(), "Last name").map_err(DomainError::Validation)?;
    // Hash first, whatever the address: the expensive step is on every path.
    let password_hash = passwords::hash(state, &req.password).await?;
    let now = now_ms();
    let row = AccountRow {
        id: store::new_id(),
        email: email.to_string(),
        password_hash,
        first_name,
        last_name,
        status: AccountStatus::Pending.as_str().into(),
        email_verified: 0,
        created_at: now,
        phone: None,
        mfa_enabled: 0,
    };
    // Read before the transaction: on SQLite a transaction that reads first
    // and writes later fails at once (SQLITE_BUSY) when a writer got in between.
    let existing = accounts::by_email(&state.db.pool, email.as_str()).await?;
    let mut tx = state.db.pool.begin().await?;
    // A still-pending account takes the new password (conditional: it may have been activated a moment ago).
    let replaced = match &existing {
        Some(e) if e.status == AccountStatus::Pending.as_str() => {
            accounts::replace_pending_password(&mut *tx, &e.id, &row.password_hash, now).await?
        }
        _ => false,
    };
    match existing {
        None => {
            if let Err(e) = accounts::insert(&mut *tx, &row).await {
                if !store::is_unique_violation(&e) {
                    return Err(e.into());
                }
                // Another sign-up of the same address created it a moment ago; this one's password is dropped.
                tracing::info!("concurrent sign-up of one address");
                return Ok(view(&row));
            }
            queue_activation(state, &mut tx, &row, now).await?;
            tracing::info!(account = %row.id, "account signed up");
        }
        Some(existing) if replaced => {
            accounts::update_profile(&mut *tx, &existing.id, row.first_name.as_deref(), row.last_name.as_deref(), now)
                .await?;
            queue_activation(state, &mut tx, &existing, now).await?;
            tracing::info!(account = %existing.id, "pending account signed up again; password replaced");
        }
        // Active (perhaps activated a moment ago by its owner): nothing of it changes.
        Some(existing) => {
            let m = mail::sign_up_attempt(&existing.email, &state.config.public_url);
            outbox::enqueue(&mut *tx, &m, now).await?;
            tracing::info!(account = %existing.id, "sign-up for an existing account; owner mailed");
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    // The body never says which case it was: a new id, `pending`, as for a new address.
    Ok(view(&row))
}

async fn queue_activation(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account: &AccountRow,
    now: i64,
) -> DomainResult<()> {
    let (token, hash) = crypto::new_token();
    let ttl = state.config.activation_ttl;
    accounts::expire_tokens(&mut **tx, &account.id, ACTIVATION, now).await?;
    accounts::insert_token(&mut **tx, &hash, ACTIVATION, &account.id, now + ttl.as_millis() as i64, now).await?;
    let mail = mail::activation(&account.email, &state.config.public_url, &token, ttl.as_secs() / 3600);
    outbox::enqueue(&mut **tx, &mail, now).await?;
    Ok(())
}

/// Activation needs the link's token (the mailbox) and the password chosen at
/// sign-up (the person): whoever signed up with someone else's address cannot
/// activate it, and the mailbox owner cannot be handed an account whose
/// password somebody else chose.
pub async fn activate(state: &AppState, token: &str, password: &str) -> DomainResult<Account> {
    let invalid = || DomainError::field("token_invalid", "This activation link is not valid. Ask for a new one.");
    if token.trim().is_empty() {
        return Err(invalid());
    }
    let hash = crypto::hash_token(token);
    let found = accounts::token(&state.db.pool, &hash, ACTIVATION).await?.ok_or_else(invalid)?;
    let account = accounts::by_id(&state.db.pool, &found.account_id).await?.ok_or_else(invalid)?;
    // No rate limit needed: only the holder of the mailed token can guess here.
    if !passwords::verify(state, password, Some(&account.password_hash)).await? {
        return Err(DomainError::field(
            "wrong_password",
            "That is not the password chosen at sign-up. If you did not sign up yourself, reset the password instead.",
        ));
    }
    let now = now_ms();
    if found.used_at.is_some() {
        // A second click on the same link: the account is active, say so.
        if account.status == AccountStatus::Active.as_str() {
            return Ok(view(&account));
        }
        return Err(invalid());
    }
    if found.expires_at <= now {
        return Err(DomainError::gone("token_expired", "This activation link has expired. Ask for a new one."));
    }
    let mut tx = state.db.pool.begin().await?;
    // Both conditional: a resend or another sign-up while the password was being
    // checked leaves this request with nothing to activate.
    if !accounts::use_token(&mut *tx, &hash, now).await?
        || !accounts::activate_if_unchanged(&mut *tx, &account.id, &account.password_hash, now).await?
    {
        return Err(invalid());
    }
    tx.commit().await?;
    let account = accounts::by_id(&state.db.pool, &account.id).await?.ok_or_else(invalid)?;
    Ok(view(&account))
}

/// Always answers the same, so it does not reveal which emails have accounts.
pub async fn resend_activation(state: &AppState, email: &str, ip: &str) -> DomainResult<()> {
    if state.limits.signup_per_ip.check_key(&ip.to_string()).is_err() {
        return Err(DomainError::RateLimited);
    }
    let email = parse_email(email)?;
    if let Some(account) = accounts::by_email(&state.db.pool, email.as_str()).await? {
        if account.status == AccountStatus::Pending.as_str() {
            let now = now_ms();
            let mut tx = state.db.pool.begin().await?;
            queue_activation(state, &mut tx, &account, now).await?;
            tx.commit().await?;
            state.wake_outbox();
        }
    }
    Ok(())
}

/// `POST /accounts/password-reset`: 202 whatever the address; an account's
/// owner gets a one-hour, single-use link.
pub async fn request_password_reset(state: &AppState, email: &str, ip: &str) -> DomainResult<()> {
    if state.limits.signup_per_ip.check_key(&ip.to_string()).is_err() {
        return Err(DomainError::RateLimited);
    }
    let email = parse_email(email)?;
    let Some(account) = accounts::by_email(&state.db.pool, email.as_str()).await? else {
        return Ok(());
    };
    let now = now_ms();
    let (token, hash) = crypto::new_token();
    let ttl = state.config.password_reset_ttl;
    let mut tx = state.db.pool.begin().await?;
    accounts::expire_tokens(&mut *tx, &account.id, PASSWORD_RESET, now).await?;
    accounts::insert_token(&mut *tx, &hash, PASSWORD_RESET, &account.id, now + ttl.as_millis() as i64, now).await?;
    let m = mail::password_reset(&account.email, &state.config.public_url, &token, ttl.as_secs().div_ceil(60));
    outbox::enqueue(&mut *tx, &m, now).await?;
    tx.commit().await?;
    state.wake_outbox();
    Ok(())
}

/// Sets the password from a reset link: proves the mailbox, so it also
/// activates a pending account; every session of the account ends.
pub async fn confirm_password_reset(state: &AppState, token: &str, password: &str) -> DomainResult<()> {
    let invalid = || DomainError::field("token_invalid", "This reset link is not valid. Ask for a new one.");
    if token.trim().is_empty() {
        return Err(invalid());
    }
    let hash = crypto::hash_token(token);
    let found = accounts::token(&state.db.pool, &hash, PASSWORD_RESET).await?.ok_or_else(invalid)?;
    if found.used_at.is_some() {
        return Err(invalid());
    }
    let now = now_ms();
    if found.expires_at <= now {
        return Err(DomainError::gone("token_expired", "This reset link has expired. Ask for a new one."));
    }
    let account = accounts::by_id(&state.db.pool, &found.account_id).await?.ok_or_else(invalid)?;
    check_new_password(password, &account.email)?;
    let password_hash = passwords::hash(state, password).await?;
    let mut tx = state.db.pool.begin().await?;
    if !accounts::use_token(&mut *tx, &hash, now).await? {
        return Err(invalid());
    }
    set_proven_password(&mut tx, &account.id, &password_hash, now).await?;
    tx.commit().await?;
    tracing::info!(account = %account.id, "password reset; every session ended");
    Ok(())
}

/// The mailbox was just proven (a reset link, an invitation): this password is
/// the account's now, a pending account is active, and whatever an earlier
/// sign-up left — its activation link, any session — is dead.
pub async fn set_proven_password(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    account_id: &str,
    password_hash: &str,
    now: i64,
) -> DomainResult<()> {
    accounts::set_password(&mut **tx, account_id, password_hash, true, now).await?;
    accounts::expire_tokens(&mut **tx, account_id, ACTIVATION, now).await?;
    // A sign-in half done with the old password dies too.
    accounts::expire_tokens(&mut **tx, account_id, crate::services::sessions::MFA_TOKEN, now).await?;
    sessions::revoke_all(&mut **tx, account_id, None, now).await?;
    Ok(())
}

/// `PUT /me/password`: the current password, then the new one; every other
/// session of the account ends.
pub async fn change_password(state: &AppState, caller: &Caller, req: ChangePasswordRequest) -> DomainResult<()> {
    if state.limits.login_per_account.check_key(&caller.account.email).is_err() {
        return Err(DomainError::RateLimited);
    }
    if !passwords::verify(state, &req.current_password, Some(&caller.account.password_hash)).await? {
        return Err(DomainError::field("wrong_password", "Your current password is not right."));
    }
    check_new_password(&req.new_password, &caller.account.email)?;
    let password_hash = passwords::hash(state, &req.new_password).await?;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    accounts::set_password(&mut *tx, &caller.account.id, &password_hash, false, now).await?;
    accounts::expire_tokens(&mut *tx, &caller.account.id, crate::services::sessions::MFA_TOKEN, now).await?;
    let ended = sessions::revoke_all(&mut *tx, &caller.account.id, Some(&caller.session.id), now).await?;
    tx.commit().await?;
    tracing::info!(account = %caller.account.id, ended, "password changed; other sessions ended");
    Ok(())
}

/// `GET /me`: the account, the enterprises it administers, its memberships.
pub async fn me(state: &AppState, caller: &Caller) -> DomainResult<Me> {
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
