//! The only modules that talk to the outside world: DNS, the web (meta-tag
//! fetch), mail, SMS and LDAP directories.

pub mod dns;
pub mod ldap;
pub mod mailer;
pub mod netguard;
pub mod sms;
pub mod web;
pub mod webhook_post;
