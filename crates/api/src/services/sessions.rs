//! Log in, the per-request session check (idle timeout sliding on activity,
//! absolute lifetime, revocation), console elevation and log out. The JWT only
//! names the session; the row decides, so a logged-out token is dead at once.

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use muster_model::{
    ElevateRequest, LoginRequest, MfaChallenge, MfaLoginRequest, SessionCreated, SessionInfo, SessionList, SessionView,
};
use serde::{Deserialize, Serialize};

use crate::{
    services::error::{DomainError, DomainResult},
    services::{crypto, mfa, passwords, phone},
    state::AppState,
    store::{self, accounts, accounts::AccountRow, now_ms, sessions, sessions::SessionRow},
};

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    sid: String,
    iat: i64,
    exp: i64,
}

/// The caller of an authenticated request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account: AccountRow,
    pub session: SessionRow,
}

impl Caller {
    pub fn is_elevated(&self, now: i64) -> bool {
        self.session.elevated_until.is_some_and(|until| until > now)
    }

    pub fn info(&self, state: &AppState) -> SessionInfo {
        SessionInfo {
            elevated: self.is_elevated(now_ms()),
            expires_at: store::rfc3339(self.session.expires_at),
            idle_timeout_seconds: state.config.session_idle_timeout.as_secs(),
        }
    }
}

/// The idle and elevation windows slide in steps of this much, so a busy
/// client costs one session write per second rather than one per request.
const SLIDE_GRANULARITY_MS: i64 = 1000;

fn idle_ms(state: &AppState) -> i64 {
    state.config.session_idle_timeout.as_millis() as i64
}

/// What a correct password gets: a session, or (MFA on) the second step.
pub enum LoginOutcome {
    Session(SessionCreated),
    SecondStep(MfaChallenge),
}

/// Where a log in comes from (for the sessions list and the rate limits).
pub struct Origin<'a> {
    pub ip: &'a str,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub const MFA_TOKEN: &str = "mfa";
const MFA_TOKEN_TTL_MS: i64 = 5 * 60 * 1000;
const MFA_TOKEN_MAX_FAILURES: i64 = 5;

/// The account a log in names, by email or by verified phone number, with
/// the limiter key it is counted under. Only a well-formed identifier becomes
/// a key (a 60 KB "email" is no key).
async fn named_account(state: &AppState, req: &LoginRequest) -> DomainResult<(String, Option<AccountRow>)> {
    if let Some(email) = req.email.as_deref().filter(|e| !e.trim().is_empty()) {
        let email =
            muster_model::validate::Email::parse(email).map_err(|_| DomainError::InvalidCredentials)?.to_string();
        let account = accounts::by_email(&state.db.pool, &email).await?;
        return Ok((email, account));
    }
    let phone = req.phone.as_deref().and_then(phone::normalize_login).ok_or(DomainError::InvalidCredentials)?;
    let account = accounts::by_phone(&state.db.pool, &phone).await?;
    Ok((phone, account))
}

pub async fn login(state: &AppState, req: LoginRequest, origin: Origin<'_>) -> DomainResult<LoginOutcome> {
    let (named, account) = named_account(state, &req).await?;
    // One bucket per account, whichever identifier names it (and the one elevation uses).
    let key = account.as_ref().map_or(named, |a| a.email.clone());
    if !state.limits.password_attempt(&key, origin.ip) {
        return Err(DomainError::RateLimited);
    }
    let ok = passwords::verify(state, &req.password, account.as_ref().map(|a| a.password_hash.as_str())).await?;
    let account = match (account, ok) {
        (Some(a), true) => a,
        _ => return Err(DomainError::InvalidCredentials),
    };
    if account.status != "active" {
        return Err(DomainError::AccountNotActive);
    }
    if account.mfa_enabled != 0 {
        let now = state.clock.now_ms();
        let (token, hash) = crypto::new_token();
        accounts::insert_token(&state.db.pool, &hash, MFA_TOKEN, &account.id, now + MFA_TOKEN_TTL_MS, now).await?;
        tracing::info!(account = %account.id, "password right; second step asked");
        return Ok(LoginOutcome::SecondStep(MfaChallenge {
            mfa_required: true,
            mfa_token: token,
            expires_at: store::rfc3339(now + MFA_TOKEN_TTL_MS),
        }));
    }
    Ok(LoginOutcome::Session(issue(state, &account, &origin).await?))
}

/// `POST /sessions/mfa`: the second step. The token dies when used, after 5
/// minutes, or after 5 wrong codes; the account's own counter locks the
/// second step after 10 wrong codes whatever the tokens.
pub async fn login_second_step(
    state: &AppState,
    req: MfaLoginRequest,
    origin: Origin<'_>,
) -> DomainResult<SessionCreated> {
    if state.limits.mfa_per_ip.check_key(&origin.ip.to_string()).is_err() {
        return Err(DomainError::RateLimited);
    }
    let dead = || {
        DomainError::unauthorized(
            "mfa_token_invalid",
            "This sign-in has expired or was used; enter your password again.",
        )
    };
    let hash = crypto::hash_token(&req.mfa_token);
    let now = state.clock.now_ms();
    let found = accounts::token(&state.db.pool, &hash, MFA_TOKEN).await?.ok_or_else(dead)?;
    if found.used_at.is_some() || found.expires_at <= now {
        return Err(dead());
    }
    let account = accounts::by_id(&state.db.pool, &found.account_id).await?.ok_or_else(dead)?;
    if account.status != "active" || account.mfa_enabled == 0 {
        return Err(dead());
    }
    // Counted before the code is judged, so parallel guesses cannot share one "4 so far".
    let Some(attempts) = accounts::token_attempt(&state.db.pool, &hash, MFA_TOKEN_MAX_FAILURES, now).await? else {
        return Err(DomainError::unauthorized(
            "mfa_token_invalid",
            "Too many wrong codes for this sign-in, or it expired; enter your password again.",
        ));
    };
    if let Err(e) = mfa::verify(state, &account, req.code.as_deref(), req.recovery_code.as_deref()).await {
        if attempts >= MFA_TOKEN_MAX_FAILURES && matches!(e.code(), "wrong_code" | "code_already_used") {
            return Err(DomainError::unauthorized(
                "mfa_token_invalid",
                "Too many wrong codes for this sign-in; enter your password again.",
            ));
        }
        return Err(e);
    }
    // Conditional: two requests with one token and one right code get one session.
    if !accounts::use_token(&state.db.pool, &hash, now).await? {
        return Err(dead());
    }
    issue(state, &account, &origin).await
}

/// A new session for an account that proved who it is.
async fn issue(state: &AppState, account: &AccountRow, origin: &Origin<'_>) -> DomainResult<SessionCreated> {
    let now = now_ms();
    let session = SessionRow {
        id: store::new_id(),
        account_id: account.id.clone(),
        created_at: now,
        last_seen_at: now,
        expires_at: now + state.config.session_lifetime.as_millis() as i64,
        elevated_until: None,
        revoked_at: None,
    };
    sessions::insert(&state.db.pool, &session, origin.address, origin.user_agent).await?;
    let claims =
        Claims { sub: account.id.clone(), sid: session.id.clone(), iat: now / 1000, exp: session.expires_at / 1000 };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&state.secrets.jwt_key),
    )
    .map_err(anyhow::Error::new)?;
    tracing::info!(account = %account.id, session = %session.id, "signed in");
    Ok(SessionCreated {
        token,
        expires_at: store::rfc3339(session.expires_at),
        idle_timeout_seconds: state.config.session_idle_timeout.as_secs(),
    })
}

/// Checks a bearer token against its session row and slides the idle window.
pub async fn authenticate(state: &AppState, bearer: Option<&str>) -> DomainResult<Caller> {
    let token = bearer.ok_or_else(|| DomainError::unauthorized("unauthenticated", "Sign in to continue."))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Claims>(token, &DecodingKey::from_secret(&state.secrets.jwt_key), &validation)
        .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                DomainError::unauthorized("session_expired", "Your session has ended; sign in again.")
            }
            _ => DomainError::unauthorized("token_invalid", "The access token is not valid; sign in again."),
        })?
        .claims;
    let invalid = || DomainError::unauthorized("token_invalid", "The access token is not valid; sign in again.");
    let (session, account) = sessions::with_account(&state.db.pool, &claims.sid).await?.ok_or_else(invalid)?;
    if session.account_id != claims.sub {
        return Err(invalid());
    }
    let now = now_ms();
    if session.revoked_at.is_some() {
        return Err(DomainError::unauthorized("session_revoked", "You signed out of this session; sign in again."));
    }
    if now >= session.expires_at {
        return Err(DomainError::unauthorized("session_expired", "Your session has ended; sign in again."));
    }
    if now - session.last_seen_at > idle_ms(state) {
        return Err(DomainError::unauthorized(
            "session_expired",
            format!(
                "Your session expired after {} minutes without activity; sign in again.",
                state.config.session_idle_timeout.as_secs().div_ceil(60)
            ),
        ));
    }
    let last_seen_at = if now - session.last_seen_at >= SLIDE_GRANULARITY_MS {
        sessions::touch(&state.db.pool, &session.id, now, None).await?;
        now
    } else {
        session.last_seen_at
    };
    Ok(Caller { account, session: SessionRow { last_seen_at, ..session } })
}

pub fn mfa_enrollment_required() -> DomainError {
    DomainError::denied(
        "mfa_enrollment_required",
        "An enterprise you administer requires two-step verification. Set it up under Account security, then open the console.",
    )
}

/// Console use keeps elevation alive; idle for the timeout and it lapses.
pub async fn slide_elevation(state: &AppState, caller: &Caller) -> DomainResult<()> {
    let now = now_ms();
    let until = now + idle_ms(state);
    if until - caller.session.elevated_until.unwrap_or(0) >= SLIDE_GRANULARITY_MS {
        sessions::touch(&state.db.pool, &caller.session.id, now, Some(until)).await?;
    }
    Ok(())
}

/// The console opens with the password, and the second factor when it is on;
/// an admin an enterprise's policy requires it of must enrol first.
pub async fn elevate(state: &AppState, caller: &Caller, req: ElevateRequest) -> DomainResult<SessionInfo> {
    if state.limits.login_per_account.check_key(&caller.account.email).is_err() {
        return Err(DomainError::RateLimited);
    }
    if !passwords::verify(state, &req.password, Some(&caller.account.password_hash)).await? {
        return Err(DomainError::field("wrong_password", "That password is not right."));
    }
    if caller.account.mfa_enabled != 0 {
        mfa::verify(state, &caller.account, req.code.as_deref(), None).await?;
    } else if crate::store::mfa::required_for(&state.db.pool, &caller.account.id).await? {
        return Err(mfa_enrollment_required());
    }
    slide_elevation(state, caller).await?;
    let mut info = caller.info(state);
    info.elevated = true;
    Ok(info)
}

pub async fn logout(state: &AppState, caller: &Caller) -> DomainResult<()> {
    sessions::revoke(&state.db.pool, &caller.session.id, now_ms()).await?;
    Ok(())
}

/// `GET /sessions`: the caller's sessions that still work.
pub async fn list(state: &AppState, caller: &Caller) -> DomainResult<SessionList> {
    let live = sessions::live_of(&state.db.pool, &caller.account.id, now_ms(), idle_ms(state)).await?;
    let items = live
        .into_iter()
        .map(|s| SessionView {
            current: s.id == caller.session.id,
            id: s.id,
            created_at: store::rfc3339(s.created_at),
            last_seen_at: store::rfc3339(s.last_seen_at),
            client_address: s.ip,
            user_agent: s.user_agent,
        })
        .collect();
    Ok(SessionList { items })
}

/// `DELETE /sessions/{id}`: ends one of the caller's own sessions (404 for anyone else's).
pub async fn end(state: &AppState, caller: &Caller, id: &str) -> DomainResult<()> {
    if sessions::revoke_own(&state.db.pool, &caller.account.id, id, now_ms()).await? {
        Ok(())
    } else {
        Err(DomainError::NotFound("session"))
    }
}

/// `DELETE /sessions`: "sign out everywhere else".
pub async fn end_others(state: &AppState, caller: &Caller) -> DomainResult<u64> {
    Ok(sessions::revoke_all(&state.db.pool, &caller.account.id, Some(&caller.session.id), now_ms()).await?)
}
