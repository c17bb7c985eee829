//! RFC 6238 with the parameters every authenticator app expects (SHA-1, 6
//! digits, 30-second steps, one step of drift either way), computed by
//! `totp-rs`; which step a code belongs to is ours to know, so that a code is
//! accepted once.

use rand::RngCore;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

pub const STEP_SECS: u64 = 30;
const DIGITS: usize = 6;
/// What the app shows as the account's issuer.
pub const ISSUER: &str = "Muster";

/// 160 random bits, RFC 4226's recommended length.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], account: &str, digits: usize) -> TOTP {
    // An issuer or account name with ':' breaks the otpauth label.
    TOTP::new_unchecked(
        Algorithm::SHA1,
        digits,
        1,
        STEP_SECS,
        secret.to_vec(),
        Some(ISSUER.into()),
        account.replace(':', " "),
    )
}

pub fn step_of(unix_secs: u64) -> u64 {
    unix_secs / STEP_SECS
}

/// The code of `step` (tests and the SPA's own check compute the same).
pub fn code_at(secret: &[u8], step: u64) -> String {
    totp(secret, "", DIGITS).generate(step * STEP_SECS)
}

/// The step (within one of now) whose code `code` is, compared in constant time.
pub fn matching_step(secret: &[u8], code: &str, unix_secs: u64) -> Option<u64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_of(unix_secs);
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        if bool::from(code_at(secret, step).as_bytes().ct_eq(code.as_bytes())) {
            found = Some(step);
        }
    }
    found
}

pub fn base32(secret: &[u8]) -> String {
    totp(secret, "", DIGITS).get_secret_base32()
}

/// `otpauth://totp/Muster:<account>?secret=…&issuer=Muster` (SHA-1, 6 digits and 30 s are the defaults apps assume).
pub fn otpauth_url(secret: &[u8], account: &str) -> String {
    totp(secret, account, DIGITS).get_url()
}

/// The URL as a QR code, an SVG document an `<img>` or the page can show.
pub fn qr_svg(url: &str) -> anyhow::Result<String> {
    use qrcode::{render::svg, EcLevel, QrCode};
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)?;
    Ok(code.render::<svg::Color>().min_dimensions(200, 200).quiet_zone(true).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 (its 8-digit values; the 6-digit codes are their last six digits).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, code) in [
            (59u64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(totp(secret, "", 8).generate(time), code, "T = {time}");
            assert_eq!(code_at(secret, step_of(time)), code[2..], "T = {time}");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let secret = new_secret();
        let now = 1_800_000_000;
        let step = step_of(now);
        assert_eq!(matching_step(&secret, &code_at(&secret, step), now), Some(step));
        assert_eq!(matching_step(&secret, &code_at(&secret, step - 1), now), Some(step - 1));
        assert_eq!(matching_step(&secret, &code_at(&secret, step + 1), now), Some(step + 1));
        assert_eq!(matching_step(&secret, &code_at(&secret, step + 2), now), None);
        assert_eq!(matching_step(&secret, &code_at(&secret, step - 2), now), None);
        assert_eq!(matching_step(&secret, "12345", now), None);
        assert_eq!(matching_step(&secret, "abcdef", now), None);
    }

    #[test]
    fn the_url_and_qr_code_carry_the_secret() {
        let secret = b"12345678901234567890";
        assert_eq!(base32(secret), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        let url = otpauth_url(secret, "ada@example.com");
        assert!(
            url.starts_with("otpauth://totp/Muster:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{url}"
        );
        assert!(url.contains("issuer=Muster"), "{url}");
        let svg = qr_svg(&url).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
    }
}
