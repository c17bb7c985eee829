//! The cell phone number as a sign-in identifier (DESIGN §2a): parsed and
//! normalised to E.164 by `phonenumber`, verified by a 6-digit SMS code (10
//! minutes, 5 tries), unique across accounts (checked at verify, so adding a
//! number reveals nothing about who else has it). Every send passes the
//! toll-fraud caps, counted in the database so every replica agrees.

use muster_model::normalize_code;
use phonenumber::{metadata::DATABASE, Mode, Type};
use rand::Rng;

use crate::{
    services::error::{DomainError, DomainResult},
    services::{crypto, mfa::tell_owner, sessions::Caller},
    state::AppState,
    store::{self, accounts, phones, sms_outbox},
};

const CODE_TTL_MS: i64 = 10 * 60 * 1000;
const MAX_TRIES: i64 = 5;
const PER_ACCOUNT_PER_DAY: i64 = 5;
const RESEND_AFTER_MS: i64 = 60 * 1000;
/// An office behind one NAT shares an address: several people's worth.
const PER_ADDRESS_PER_DAY: i64 = 20;
/// Whoever types someone else's number cannot flood that phone either.
const PER_NUMBER_PER_DAY: i64 = 5;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// A parsed number: E.164 and its ISO country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub e164: String,
    pub country: Option<String>,
}

/// Parses what a person typed. Only numbers that can take an SMS: premium,
/// shared-cost and toll-free numbers are refused (toll fraud goes there).
pub fn parse(input: &str) -> DomainResult<Phone> {
    let input = input.trim();
    if input.len() > 40 {
        return Err(DomainError::field("invalid_phone", "That is too long for a phone number."));
    }
    if !input.starts_with('+') && !input.starts_with("00") {
        return Err(DomainError::field(
            "invalid_phone",
            "Enter the number in international form: + and the country code first, e.g. +1 201 555 0123.",
        ));
    }
    // 00 is the international prefix most of the world dials.
    let international = match input.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => input.to_string(),
    };
    let number = phonenumber::parse(None, &international).map_err(|_| {
        DomainError::field("invalid_phone", format!("{input:?} is not a phone number Muster can read."))
    })?;
    if !number.is_valid() {
        return Err(DomainError::field(
            "invalid_phone",
            format!("{input} is not a valid number for its country code (+{}).", number.code().value()),
        ));
    }
    match number.number_type(&DATABASE) {
        // Personal numbers (UK 070) are premium-rate in all but name.
        Type::Mobile | Type::FixedLineOrMobile | Type::Voip => {}
        _ => {
            return Err(DomainError::field(
                "phone_not_mobile",
                format!("{input} is not a cell phone number; text messages cannot reach it."),
            ))
        }
    }
    Ok(Phone {
        e164: number.format().mode(Mode::E164).to_string(),
        country: number.country().id().map(|id| id.as_ref().to_string()),
    })
}

/// A login identifier: the E.164 form of a valid number, or None.
pub fn normalize_login(input: &str) -> Option<String> {
    parse(input).ok().map(|p| p.e164)
}

fn code_hash(account_id: &str, phone: &str, code: &str) -> String {
    crypto::hash_token(&format!("{account_id}:{phone}:{code}"))
}

/// `PUT /me/phone`: sends a code to the number (202 whatever the number,
/// unless a cap or the country allowlist says no).
pub async fn start(state: &AppState, caller: &Caller, input: &str, address: &str) -> DomainResult<()> {
    let phone = parse(input)?;
    if let Some(allowed) = &state.config.sms_allowed_countries {
        if !phone.country.as_ref().is_some_and(|c| allowed.contains(c)) {
            return Err(DomainError::field(
                "phone_country_not_allowed",
                format!("Muster here sends text messages only to numbers of {}.", allowed.join(", ")),
            ));
        }
    }
    let account = &caller.account;
    let now = state.clock.now_ms();
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let too_soon =
        || DomainError::quota("sms_resend_too_soon", "A code was just sent. Wait a minute before asking for another.");
    // The caps are read and the message queued in one serialized step: a
    // burst of parallel requests cannot all read "none sent yet".
    let mut tx = state.db.pool.begin().await?;
    sms_outbox::serialize_sends(&mut tx, state.db.backend).await?;
    let hash = code_hash(&account.id, &phone.e164, &code);
    if !phones::start(&mut *tx, &account.id, &phone.e164, &hash, now + CODE_TTL_MS, now, now - RESEND_AFTER_MS).await? {
        return Err(too_soon());
    }
    let counts = sms_outbox::counts(&mut *tx, &account.id, address, &phone.e164, now - DAY_MS).await?;
    if counts.account_latest.is_some_and(|at| now - at < RESEND_AFTER_MS) {
        return Err(too_soon());
    }
    if counts.account >= PER_ACCOUNT_PER_DAY {
        return Err(DomainError::quota(
            "sms_limit_reached",
            format!("This account asked for {PER_ACCOUNT_PER_DAY} codes today, the most it may; try again tomorrow."),
        ));
    }
    if counts.number >= PER_NUMBER_PER_DAY {
        return Err(DomainError::quota(
            "sms_limit_reached",
            "This number was sent as many codes today as Muster sends one number; try again tomorrow.",
        ));
    }
    if counts.address >= PER_ADDRESS_PER_DAY || counts.total >= state.config.sms_daily_limit as i64 {
        tracing::warn!(account = %account.id, address, "an SMS cap was reached");
        return Err(DomainError::quota(
            "sms_limit_reached",
            "Muster has sent as many text messages today as its operator allows; try again tomorrow.",
        ));
    }
    let sms = sms_outbox::NewSms {
        account_id: &account.id,
        to: &phone.e164,
        body: format!("{code} is your Muster verification code. It expires in 10 minutes. Do not share it."),
        kind: "phone_verification",
        client_address: address,
        expires_at: now + CODE_TTL_MS,
    };
    sms_outbox::enqueue(&mut *tx, &sms, now).await?;
    tx.commit().await?;
    state.wake_sms();
    tracing::info!(account = %account.id, "phone verification code queued");
    Ok(())
}

/// `POST /me/phone/verify`: the code makes the number this account's sign-in identifier.
pub async fn verify(state: &AppState, caller: &Caller, code: &str) -> DomainResult<String> {
    let account = &caller.account;
    let now = state.clock.now_ms();
    // The try is taken before the code is compared: parallel guesses all count.
    let Some(pending) = phones::take_try(&state.db.pool, &account.id, MAX_TRIES, now).await? else {
        return Err(match phones::pending(&state.db.pool, &account.id).await? {
            None => DomainError::conflict("no_phone_pending", "No number is waiting for a code; add the number first."),
            Some(p) if p.expires_at <= now => {
                DomainError::gone("code_expired", "That code has expired. Ask for a new one.")
            }
            Some(_) => DomainError::gone("code_expired", "Too many wrong codes for this number. Ask for a new one."),
        });
    };
    let code = normalize_code(code);
    let hash = code_hash(&account.id, &pending.phone, &code);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(hash.as_bytes(), pending.code_hash.as_bytes())) {
        let left = (MAX_TRIES - pending.attempts).max(0);
        return Err(DomainError::field(
            "wrong_code",
            if left == 0 {
                "That code is not right, and that was the last try. Ask for a new code.".to_string()
            } else {
                format!("That code is not right; {left} tries left.")
            },
        ));
    }
    let taken = || {
        DomainError::conflict("phone_taken", "Another account already signs in with this number; use a different one.")
    };
    if accounts::by_phone(&state.db.pool, &pending.phone).await?.is_some_and(|a| a.id != account.id) {
        return Err(taken());
    }
    let mut tx = state.db.pool.begin().await?;
    if !phones::finish(&mut *tx, &account.id, &pending.code_hash).await? {
        return Err(DomainError::gone("code_expired", "That code was used already. Ask for a new one."));
    }
    if let Err(e) = accounts::set_phone(&mut *tx, &account.id, Some(&pending.phone), now).await {
        return Err(if store::is_unique_violation(&e) { taken() } else { e.into() });
    }
    tell_owner(&mut *tx, state, account, &format!("{} can now be used to sign in", pending.phone)).await?;
    tx.commit().await?;
    state.wake_outbox();
    tracing::info!(account = %account.id, "phone number verified");
    Ok(pending.phone)
}

/// `DELETE /me/phone`: the number stops being a sign-in identifier.
pub async fn remove(state: &AppState, caller: &Caller) -> DomainResult<()> {
    let now = state.clock.now_ms();
    let mut tx = state.db.pool.begin().await?;
    phones::cancel(&mut *tx, &caller.account.id).await?;
    accounts::set_phone(&mut *tx, &caller.account.id, None, now).await?;
    if let Some(old) = &caller.account.phone {
        tell_owner(&mut *tx, state, &caller.account, &format!("{old} no longer signs in")).await?;
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_normalised_to_e164() {
        let p = parse("+1 (201) 555-0123").unwrap();
        assert_eq!(p.e164, "+12015550123");
        assert_eq!(p.country.as_deref(), Some("US"));
        assert_eq!(parse("+44 7400 123456").unwrap().e164, "+447400123456");
        assert_eq!(parse("0044 7400 123456").unwrap().e164, "+447400123456");
        assert_eq!(normalize_login("+1 201 555 0123").as_deref(), Some("+12015550123"));
    }

    #[test]
    fn malformed_and_unreachable_numbers_are_refused_with_a_code() {
        let code = |s: &str| parse(s).unwrap_err().code();
        assert_eq!(code("201 555 0123"), "invalid_phone");
        assert_eq!(code("+1 hello"), "invalid_phone");
        assert_eq!(code("+1 123"), "invalid_phone");
        assert_eq!(code(&format!("+1{}", "9".repeat(50))), "invalid_phone");
        // A UK premium-rate number: toll fraud's favourite target.
        assert_eq!(code("+44 909 8790879"), "phone_not_mobile");
        // A UK landline.
        assert_eq!(code("+44 20 7946 0958"), "phone_not_mobile");
    }
}
