//! Small building blocks shared by the pages.

pub mod field;
pub mod job;
pub mod notice;
pub mod resend;

pub use field::{Field, PasswordField};
pub use job::JobView;
pub use notice::{CopyButton, ErrorBox, StatusBadge};
pub use resend::ResendActivation;
