//! API integration tests: one binary, every test against the real app on a
//! random port with its own database, SMTP sink and DNS server.

mod accounts;
mod active_directory;
mod admins;
mod analytics;
mod authorization;
mod contract;
mod crash;
mod directory;
mod enrollment;
mod enterprises;
mod exhaustion;
mod fairness;
mod hardening;
mod helpers;
mod import;
mod jobs;
mod mail;
mod mfa;
mod offboarding;
mod phone;
mod platform;
mod reach;
mod recovery;
mod scim;
mod sessions;
mod squatting;
mod takeover;
mod tokens;
mod users;
mod verification;
mod webhooks;
