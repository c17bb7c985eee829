//! Two-step verification (TOTP and recovery codes), the second step of a log
//! in, and the cell phone number (DESIGN §2a).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /me/mfa/totp`: while two-step verification is off the body may be
/// empty; while it is on, replacing the secret needs the password and a code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpEnrolRequest {
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
}

/// A new TOTP secret, not active until confirmed with a code from it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpEnrolment {
    /// Base32, for typing into an authenticator app.
    pub secret: String,
    /// `otpauth://totp/…` (SHA-1, 6 digits, 30 s), what the QR code holds.
    pub otpauth_url: String,
    /// The `otpauth_url` as a QR code, an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpConfirmRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
}

/// Ten single-use codes for when the authenticator app is lost; shown once.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// `DELETE /me/mfa/totp`: the password and a current code (or a recovery code).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TotpDisableRequest {
    pub password: String,
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: String,
}

/// A log in that needs its second step: `POST /sessions/mfa` with this token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MfaChallenge {
    pub mfa_required: bool,
    /// Opaque, single use, 5 minutes; dead after 5 wrong codes.
    pub mfa_token: String,
    /// RFC 3339
    pub expires_at: String,
}

/// The second step of a log in: a code from the authenticator app, or a recovery code.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MfaLoginRequest {
    pub mfa_token: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub code: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub recovery_code: Option<String>,
}

/// `GET /me/mfa`: what protects this account's sign-in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MfaStatus {
    pub totp_enabled: bool,
    /// RFC 3339, when two-step verification was turned on.
    pub enabled_at: Option<String>,
    pub recovery_codes_remaining: u32,
    /// The verified cell phone number (E.164).
    pub phone: Option<String>,
    /// A number waiting for its SMS code.
    pub phone_pending: Option<String>,
    /// An enterprise this account administers requires two-step verification.
    pub required_by_policy: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhoneRequest {
    /// International form, e.g. `+1 415 555 0100`; stored as E.164.
    #[cfg_attr(feature = "openapi", schema(max_length = 40))]
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PhoneVerifyRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 16))]
    pub code: String,
}

/// A one-time code as typed: digits kept, spaces and dashes dropped.
pub fn normalize_code(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect()
}

/// What the sign-in field holds: an email address, or else a phone number.
pub fn looks_like_email(input: &str) -> bool {
    input.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(normalize_code(" 123 456 "), "123456");
        assert_eq!(normalize_code("abcde-fghij"), "abcdefghij");
        assert!(looks_like_email("ada@example.com"));
        assert!(!looks_like_email("+1 415 555 0100"));
    }
}
