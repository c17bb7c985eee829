//! The only modules that talk to the outside world: DNS, the web (meta-tag
//! fetch) and mail.

pub mod dns;
pub mod mailer;
pub mod web;
