//! Input rules shared by the server and the SPA. Each function returns the
//! normalised value or a sentence a person can act on.

use std::str::FromStr;

pub const MIN_PASSWORD_LEN: usize = 12;
pub const MAX_PASSWORD_LEN: usize = 256;
pub const MAX_NAME_LEN: usize = 100;

/// A lower-cased, syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self, String> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err("Enter an email address.".into());
        }
        if trimmed.len() > 254 {
            return Err("That email address is too long.".into());
        }
        let parsed = email_address::EmailAddress::from_str(trimmed)
            .map_err(|_| format!("“{trimmed}” is not a valid email address."))?;
        let domain = parsed.domain();
        // A bare host (`a@localhost`) cannot be an enterprise domain.
        if !domain.contains('.') || domain.starts_with('[') {
            return Err(format!("“{trimmed}” is not a valid email address."));
        }
        Ok(Self(trimmed.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Passwords people commonly choose that pass the length rule anyway.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "password1234",
    "password12345",
    "password123456",
    "passwordpassword",
    "qwertyuiop12",
    "qwertyuiopasdf",
    "qwerty123456",
    "123456123456",
    "111111111111",
    "000000000000",
    "iloveyou1234",
    "letmein12345",
    "welcome12345",
    "welcome123456",
    "administrator",
    "admin1234567",
    "adminadmin12",
    "changeme1234",
    "trustno11234",
    "football1234",
    "baseball1234",
    "superman1234",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "abcdefghijkl",
    "abc123abc123",
    "passw0rd1234",
    "p@ssw0rd1234",
    "p@ssword1234",
    "monkey123456",
    "dragon123456",
    "sunshine1234",
    "princess1234",
    "starwars1234",
    "whatever1234",
    "asdfghjkl123",
    "correcthorsebatterystaple",
    "qwertyqwerty",
    "masterpassword",
    "secretpassword",
];

/// Checks a new password; `email` is refused as (part of) the password.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_LEN {
        return Some(format!("Use at least {MIN_PASSWORD_LEN} characters ({chars} so far)."));
    }
    if chars > MAX_PASSWORD_LEN {
        return Some(format!("Use at most {MAX_PASSWORD_LEN} characters."));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some("That password is on the list of commonly used passwords; choose another.".into());
    }
    if lower.chars().all(|c| c == lower.chars().next().unwrap_or(' ')) {
        return Some("A password of one repeated character is too easy to guess.".into());
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.len() >= 4 && lower.contains(&local) {
        return Some("Don't use your email address in your password.".into());
    }
    None
}

/// Free and public mail providers: their users cannot claim the domain.
const PUBLIC_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.co.uk",
    "live.com",
    "msn.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.co.jp",
    "ymail.com",
    "aol.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.com",
    "mail.ru",
    "yandex.com",
    "yandex.ru",
    "zoho.com",
    "qq.com",
    "163.com",
    "126.com",
    "fastmail.com",
    "tutanota.com",
    "hey.com",
    "comcast.net",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "libero.it",
    "t-online.de",
    "naver.com",
];

pub fn is_public_mail_domain(domain: &str) -> bool {
    PUBLIC_MAIL_DOMAINS.contains(&domain.to_ascii_lowercase().as_str())
}

/// Optional display name: trimmed, empty becomes `None`.
pub fn name(input: Option<&str>, field: &str) -> Result<Option<String>, String> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > MAX_NAME_LEN => {
            Err(format!("{field} must be at most {MAX_NAME_LEN} characters."))
        }
        Some(s) if s.chars().any(char::is_control) => Err(format!("{field} contains control characters.")),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// An optional count that JSON may spell `4514` or `4514.0` (JSON has one
/// number type; a whole number is a whole number however it is written).
pub fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    let Some(n) = <Option<serde_json::Number> as serde::Deserialize>::deserialize(d)? else {
        return Ok(None);
    };
    let whole = n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64));
    whole
        .and_then(|w| u32::try_from(w).ok())
        .map(Some)
        .ok_or_else(|| D::Error::custom(format!("expected a whole number from 0 to {}, got {n}", u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_lowercased_and_trimmed() {
        let e = Email::parse("  Ada@Acme.TEST ").unwrap();
        assert_eq!(e.as_str(), "ada@acme.test");
        assert_eq!(e.domain(), "acme.test");
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in ["", "ada", "ada@", "@acme.test", "ada@localhost", "a b@acme.test", "ada@@acme.test"] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn whole_numbers_may_be_written_as_floats() {
        #[derive(serde::Deserialize)]
        struct T {
            #[serde(default, deserialize_with = "whole_number")]
            n: Option<u32>,
        }
        let n = |json: &str| serde_json::from_str::<T>(json).map(|t| t.n);
        assert_eq!(n(r#"{"n": 4514}"#).unwrap(), Some(4514));
        assert_eq!(n(r#"{"n": 4514.0}"#).unwrap(), Some(4514));
        assert_eq!(n(r#"{"n": null}"#).unwrap(), None);
        assert_eq!(n("{}").unwrap(), None);
        assert!(n(r#"{"n": 1.5}"#).is_err());
        assert!(n(r#"{"n": -1}"#).is_err());
        assert!(n(r#"{"n": 5000000000}"#).is_err());
    }

    #[test]
    fn password_rules() {
        assert!(password_problem("short", "a@b.c").unwrap().contains("12"));
        assert!(password_problem("Password1234", "a@b.c").unwrap().contains("commonly"));
        assert!(password_problem("aaaaaaaaaaaaaa", "a@b.c").is_some());
        assert!(password_problem("xx-adalovelace-99", "adalovelace@acme.test").is_some());
        assert!(password_problem("correct horse battery", "ada@acme.test").is_none());
    }

    #[test]
    fn public_domains() {
        assert!(is_public_mail_domain("Gmail.com"));
        assert!(!is_public_mail_domain("acme.test"));
    }

    #[test]
    fn names() {
        assert_eq!(name(Some("  "), "First name"), Ok(None));
        assert_eq!(name(Some(" Ada "), "First name"), Ok(Some("Ada".into())));
        assert!(name(Some(&"x".repeat(101)), "First name").is_err());
    }
}
