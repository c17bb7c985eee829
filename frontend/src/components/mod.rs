//! Small building blocks shared by the pages.

pub mod field;
pub mod job;
pub mod notice;
pub mod paged;
pub mod poll;
pub mod resend;
pub mod submit;

pub use field::{Field, PasswordField};
pub use job::JobView;
pub use notice::{CopyButton, ErrorBox, LoadError, StatusBadge};
pub use paged::{LoadMore, Paged};
pub use poll::poll_until_done;
pub use resend::ResendActivation;
pub use submit::{entered, toggle, Submission};
