//! Two-step verification (DESIGN §2a): enrolling an authenticator app, its
//! recovery codes, turning it off, and the one check every second step goes
//! through (log in, elevation, turning off, replacing the secret). A code is
//! accepted once, and wrong codes are counted per account in the database, so
//! no replica accepts a replay and guessing stops at the same count everywhere.

use muster_model::{normalize_code, MfaStatus, RecoveryCodes, TotpDisableRequest, TotpEnrolRequest, TotpEnrolment};
use rand::Rng;

use crate::{
    services::error::{DomainError, DomainResult},
    services::{crypto, mail, passwords, sessions::Caller, totp},
    state::AppState,
    store::{self, accounts::AccountRow, mfa, outbox, phones},
};

/// Wrong codes that lock an account's second step, and for how long.
pub const LOCK_AFTER_FAILURES: i64 = 10;
pub const LOCK_WINDOW_MS: i64 = 15 * 60 * 1000;
/// An enrolment not confirmed within this is started again.
const ENROLMENT_TTL_MS: i64 = 30 * 60 * 1000;
const RECOVERY_CODES: usize = 10;
/// No 0/o, 1/l/i: a code copied from paper is read right.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

fn context(account_id: &str) -> String {
    format!("totp:{account_id}")
}

fn seal(state: &AppState, account_id: &str, secret: &[u8]) -> DomainResult<Vec<u8>> {
    Ok(crypto::seal(&state.secrets.encryption_key, &context(account_id), secret)?)
}

fn open(state: &AppState, account_id: &str, sealed: &[u8]) -> DomainResult<Vec<u8>> {
    Ok(crypto::open(&state.secrets.encryption_key, &context(account_id), sealed)?)
}

/// `abcde-fghij`: 50 random bits each.
fn new_recovery_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let mut code: String =
        (0..10).map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char).collect();
    code.insert(5, '-');
    code
}

/// Keyed with the data dir's key: a copy of the database alone does not let
/// anyone try the 50-bit codes offline.
fn recovery_hash(state: &AppState, account_id: &str, code: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&state.secrets.encryption_key).expect("HMAC takes any key");
    mac.update(format!("recovery:{account_id}:{}", normalize_code(code).to_ascii_lowercase()).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Ten new recovery codes, and what is stored of them.
fn fresh_recovery_codes(state: &AppState, account_id: &str) -> (Vec<String>, Vec<String>) {
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let hashes = codes.iter().map(|c| recovery_hash(state, account_id, c)).collect();
    (codes, hashes)
}

/// Queues the "your sign-in protection changed" mail (the caller wakes the outbox after its commit).
pub(crate) async fn tell_owner(
    db: impl crate::store::sql::Exec<'_>,
    state: &AppState,
    account: &AccountRow,
    what: &str,
) -> DomainResult<()> {
    let m = mail::sign_in_security_changed(&account.email, &state.config.public_url, what);
    outbox::enqueue(db, &m, store::now_ms()).await?;
    Ok(())
}

/// A recovery code as typed (10 letters and digits once the dash is gone), not a TOTP code.
fn is_recovery_shape(code: &str) -> bool {
    let c = normalize_code(code);
    c.len() == 10 && c.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn reauthentication_required() -> DomainError {
    DomainError::field(
        "mfa_reauthentication_required",
        "Two-step verification is on: enter your password and a code from your app to set up another one.",
    )
}

/// `GET /me/mfa`.
pub async fn status(state: &AppState, account: &AccountRow) -> DomainResult<MfaStatus> {
    let row = mfa::totp(&state.db.pool, &account.id).await?;
    let left = mfa::recovery_codes_left(&state.db.pool, &account.id).await?;
    let pending = phones::pending(&state.db.pool, &account.id).await?;
    Ok(MfaStatus {
        totp_enabled: account.mfa_enabled != 0,
        enabled_at: row.and_then(|r| r.enabled_at).map(store::rfc3339),
        recovery_codes_remaining: left as u32,
        phone: account.phone.clone(),
        phone_pending: pending.filter(|p| p.expires_at > state.clock.now_ms()).map(|p| p.phone),
        required_by_policy: mfa::required_for(&state.db.pool, &account.id).await?,
    })
}

/// `POST /me/mfa/totp`: a new secret, pending until confirmed. While a secret
/// is on, replacing it takes the password and a current code: a stolen
/// session alone cannot move the second factor to the thief's phone.
pub async fn enrol(state: &AppState, caller: &Caller, req: TotpEnrolRequest) -> DomainResult<TotpEnrolment> {
    let account = &caller.account;
    if account.mfa_enabled != 0 {
        let (Some(password), Some(code)) = (req.password.as_deref(), req.code.as_deref()) else {
            return Err(reauthentication_required());
        };
        check_password(state, account, password).await?;
        verify(state, account, Some(code), None).await?;
    }
    let secret = totp::new_secret();
    let sealed = seal(state, &account.id, &secret)?;
    let proven = account.mfa_enabled != 0;
    if !mfa::set_pending(&state.db.pool, &account.id, &sealed, proven, state.clock.now_ms()).await? {
        // Turned on a moment ago (in another tab): now the proof is needed.
        return Err(reauthentication_required());
    }
    let otpauth_url = totp::otpauth_url(&secret, &account.email);
    Ok(TotpEnrolment { secret: totp::base32(&secret), qr_svg: totp::qr_svg(&otpauth_url)?, otpauth_url })
}

/// `POST /me/mfa/totp/confirm`: the first code from the new secret turns it on
/// (that code's step counts as used) and answers ten fresh recovery codes.
pub async fn confirm(state: &AppState, caller: &Caller, code: &str) -> DomainResult<RecoveryCodes> {
    let account = &caller.account;
    let now = state.clock.now_ms();
    let row = mfa::totp(&state.db.pool, &account.id).await?;
    let Some((pending, pending_at)) = row.as_ref().and_then(|r| Some((r.pending_secret.clone()?, r.pending_at?)))
    else {
        return Err(DomainError::conflict(
            "no_totp_enrolment",
            "There is no authenticator app waiting to be confirmed; start by adding one.",
        ));
    };
    if now - pending_at > ENROLMENT_TTL_MS {
        return Err(DomainError::gone(
            "totp_enrolment_expired",
            "This setup was started more than 30 minutes ago; start again to get a new QR code.",
        ));
    }
    let attempts = claim_attempt(state, account, now).await?;
    let secret = open(state, &account.id, &pending)?;
    let Some(step) = totp::matching_step(&secret, &normalize_code(code), (now / 1000) as u64) else {
        return Err(wrong_code(state, account, attempts).await?);
    };
    let (codes, hashes) = fresh_recovery_codes(state, &account.id);
    let mut tx = state.db.pool.begin().await?;
    if !mfa::activate(&mut *tx, &account.id, &pending, step as i64, now).await? {
        return Err(DomainError::conflict(
            "no_totp_enrolment",
            "Another setup replaced this one meanwhile; use the newest QR code.",
        ));
    }
    mfa::set_enabled(&mut *tx, &account.id, true, now).await?;
    mfa::replace_recovery_codes(&mut tx, &account.id, &hashes, now).await?;
    tell_owner(&mut *tx, state, account, "two-step verification is on").await?;
    tx.commit().await?;
    state.wake_outbox();
    tracing::info!(account = %account.id, "two-step verification turned on");
    Ok(RecoveryCodes { recovery_codes: codes })
}

/// `POST /me/mfa/recovery-codes`: ten new codes (the old ones stop working),
/// with the password and a current code.
pub async fn new_recovery_codes(
    state: &AppState,
    caller: &Caller,
    req: TotpDisableRequest,
) -> DomainResult<RecoveryCodes> {
    let account = &caller.account;
    require_on(account)?;
    check_password(state, account, &req.password).await?;
    verify(state, account, Some(&req.code), None).await?;
    let now = state.clock.now_ms();
    let (codes, hashes) = fresh_recovery_codes(state, &account.id);
    let mut tx = state.db.pool.begin().await?;
    mfa::replace_recovery_codes(&mut tx, &account.id, &hashes, now).await?;
    tell_owner(&mut *tx, state, account, "new recovery codes were made").await?;
    tx.commit().await?;
    state.wake_outbox();
    Ok(RecoveryCodes { recovery_codes: codes })
}

/// `DELETE /me/mfa/totp`: the password and a code (or a recovery code). Not
/// while an enterprise this account administers requires it.
pub async fn disable(state: &AppState, caller: &Caller, req: TotpDisableRequest) -> DomainResult<()> {
    let account = &caller.account;
    require_on(account)?;
    // Before the code is judged: a refusal should not spend it.
    if mfa::required_for(&state.db.pool, &account.id).await? {
        return Err(DomainError::conflict(
            "mfa_required_by_policy",
            "An enterprise you administer requires two-step verification, so it stays on. \
             Set up another app instead, or ask its Primary Master Admin.",
        ));
    }
    check_password(state, account, &req.password).await?;
    verify(state, account, Some(&req.code), None).await?;
    let now = state.clock.now_ms();
    let mut tx = state.db.pool.begin().await?;
    mfa::turn_off(&mut tx, &account.id, now).await?;
    tell_owner(&mut *tx, state, account, "two-step verification is off").await?;
    tx.commit().await?;
    state.wake_outbox();
    tracing::info!(account = %account.id, "two-step verification turned off");
    Ok(())
}

/// `muster account reset-mfa`: the operator's way back in for someone who
/// lost the app and the recovery codes. Every session ends (whoever holds
/// one is not known to be the owner) and the owner is mailed.
pub async fn operator_reset(state: &AppState, email: &str) -> DomainResult<()> {
    let email = crate::services::accounts::parse_email(email)?;
    let account = crate::store::accounts::by_email(&state.db.pool, email.as_str())
        .await?
        .ok_or(DomainError::NotFound("account"))?;
    let now = store::now_ms();
    let mut tx = state.db.pool.begin().await?;
    mfa::turn_off(&mut tx, &account.id, now).await?;
    crate::store::sessions::revoke_all(&mut *tx, &account.id, None, now).await?;
    crate::store::accounts::expire_tokens(&mut *tx, &account.id, crate::services::sessions::MFA_TOKEN, now).await?;
    tell_owner(&mut *tx, state, &account, "two-step verification was turned off by the operator of this Muster")
        .await?;
    tx.commit().await?;
    state.wake_outbox();
    tracing::warn!(account = %account.id, "two-step verification reset by the operator");
    Ok(())
}

fn require_on(account: &AccountRow) -> DomainResult<()> {
    if account.mfa_enabled == 0 {
        return Err(DomainError::conflict("mfa_not_enabled", "Two-step verification is not on for this account."));
    }
    Ok(())
}

async fn check_password(state: &AppState, account: &AccountRow, password: &str) -> DomainResult<()> {
    if state.limits.login_per_account.check_key(&account.email).is_err() {
        return Err(DomainError::RateLimited);
    }
    if !passwords::verify(state, password, Some(&account.password_hash)).await? {
        return Err(DomainError::field("wrong_password", "That password is not right."));
    }
    Ok(())
}

/// The second factor: a TOTP code (each step once) or an unused recovery code.
/// A 10-character `code` is taken as a recovery code, so one field takes either.
/// A TOTP attempt is counted before it is judged (10 in 15 minutes lock it);
/// recovery codes (50 random bits each) pass the lock, so whoever guesses
/// wrong codes on purpose cannot keep the owner out.
pub async fn verify(
    state: &AppState,
    account: &AccountRow,
    code: Option<&str>,
    recovery_code: Option<&str>,
) -> DomainResult<()> {
    let now = state.clock.now_ms();
    let row = mfa::totp(&state.db.pool, &account.id).await?;
    let Some(sealed) = row.as_ref().and_then(|r| r.secret.clone()) else {
        return Err(DomainError::conflict("mfa_not_enabled", "Two-step verification is not on for this account."));
    };
    let (code, recovery) = match (code.map(normalize_code), recovery_code.map(normalize_code)) {
        (_, Some(r)) if !r.is_empty() => (None, Some(r)),
        (Some(c), _) if is_recovery_shape(&c) => (None, Some(c)),
        (Some(c), _) if !c.is_empty() => (Some(c), None),
        _ => {
            return Err(DomainError::field(
                "mfa_code_required",
                "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
            ))
        }
    };
    if let Some(recovery) = recovery {
        if mfa::use_recovery_code(&state.db.pool, &account.id, &recovery_hash(state, &account.id, &recovery), now)
            .await?
        {
            mfa::reset_failures(&state.db.pool, &account.id).await?;
            tracing::info!(account = %account.id, "a recovery code was used");
            return Ok(());
        }
        return Err(wrong());
    }
    let attempts = claim_attempt(state, account, now).await?;
    let secret = open(state, &account.id, &sealed)?;
    match totp::matching_step(&secret, code.as_deref().unwrap_or(""), (now / 1000) as u64) {
        Some(step) if mfa::use_step(&state.db.pool, &account.id, step as i64, now).await? => Ok(()),
        Some(_) => Err(DomainError::field(
            "code_already_used",
            "That code was used already. Wait for the next one in your app.",
        )),
        None => Err(wrong_code(state, account, attempts).await?),
    }
}

/// Takes one attempt of the account's second step, or says it is locked.
async fn claim_attempt(state: &AppState, account: &AccountRow, now: i64) -> DomainResult<i64> {
    match mfa::claim_attempt(&state.db.pool, &account.id, LOCK_AFTER_FAILURES, now, now - LOCK_WINDOW_MS).await? {
        Some(attempts) => Ok(attempts),
        None => {
            let since = mfa::totp(&state.db.pool, &account.id).await?.and_then(|r| r.failures_since).unwrap_or(now);
            let minutes = (since + LOCK_WINDOW_MS - now).max(60_000) / 60_000;
            Err(DomainError::quota(
                "mfa_locked",
                format!(
                    "Too many wrong codes. Codes from the app are refused for {minutes} more minutes; a recovery code still works."
                ),
            ))
        }
    }
}

fn wrong() -> DomainError {
    DomainError::field("wrong_code", "That code is not right. Check your authenticator app and try again.")
}

/// The attempt that reached the limit mails the owner.
async fn wrong_code(state: &AppState, account: &AccountRow, attempts: i64) -> DomainResult<DomainError> {
    if attempts == LOCK_AFTER_FAILURES {
        tell_owner(
            &state.db.pool,
            state,
            account,
            "codes from your app were locked for 15 minutes after 10 wrong ones",
        )
        .await?;
        state.wake_outbox();
        tracing::warn!(account = %account.id, "second step locked after repeated wrong codes");
    }
    Ok(wrong())
}
