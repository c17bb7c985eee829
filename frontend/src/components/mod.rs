//! Small building blocks shared by the pages.

pub mod field;
pub mod notice;

pub use field::{Field, PasswordField};
pub use notice::{CopyButton, ErrorBox, StatusBadge};
