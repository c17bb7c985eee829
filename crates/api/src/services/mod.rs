//! Domain logic. Handlers call these; these call the store and integrations.

pub mod access;
pub mod accounts;
pub mod admins;
pub mod analytics;
pub mod api_tokens;
pub mod audit;
pub mod billing;
pub mod bulk_invite;
pub mod crypto;
pub mod csv_import;
pub mod directory;
pub mod domain_status;
pub mod enrollment;
pub mod enterprises;
pub mod error;
pub mod import;
pub mod invitations;
pub mod jobs;
pub mod mail;
pub mod members;
pub mod passwords;
pub mod sessions;
pub mod staged_invitations;
pub mod upload;
pub mod verification;
pub mod webhooks;
