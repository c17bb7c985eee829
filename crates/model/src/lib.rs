//! Types that cross the wire between the API, the SPA and integrators, plus the
//! validation rules both sides share (so the SPA validates as you type with the
//! exact rules the server enforces). No I/O: this crate builds for wasm32.

/// Generates `as_str`/`parse`/`Display` for a snake_case wire enum, so the
/// database, the API and the SPA all spell a value the same way.
macro_rules! wire_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
        /// For decoding a database column: an unknown value is an error, never a silent default.
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s).ok_or_else(|| format!("{s:?} is not a {}", stringify!($name)))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub mod account;
pub mod api_token;
pub mod audit;
pub mod bulk;
pub mod directory;
pub mod directory_checks;
pub mod display;
pub mod dn;
pub mod enrollment;
pub mod enterprise;
pub mod invitation;
pub mod job;
pub mod mfa;
pub mod problem;
pub mod profile;
pub mod scim;
pub mod scim_filter;
pub mod sync;
pub mod validate;
pub mod webhook;

pub use account::*;
pub use api_token::*;
pub use audit::*;
pub use directory::*;
pub use directory_checks::*;
pub use dn::*;
pub use enrollment::*;
pub use enterprise::*;
pub use invitation::*;
pub use job::*;
pub use mfa::*;
pub use problem::Problem;
pub use profile::*;
pub use scim::*;
pub use sync::*;
pub use webhook::*;
