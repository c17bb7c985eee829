//! One module per page (or console module).

pub mod accept;
pub mod account_mfa;
pub mod account_security;
pub mod activate;
pub mod analytics;
pub mod audit;
pub mod billing;
pub mod bulk_invite;
pub mod claim;
pub mod console;
pub mod dashboard;
pub mod directory_sync;
pub mod domain;
pub mod enterprises;
pub mod import;
pub mod integrations;
pub mod invite;
pub mod password_reset;
pub mod scim;
pub mod sign_in;
pub mod sign_up;
pub mod users;
pub mod webhooks;
