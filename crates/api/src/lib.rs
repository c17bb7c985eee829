//! Muster's server: REST API, background workers and the CLI's commands.
//!
//! Who owns what, and which way the arrows go (a module only calls the ones below it):
//! - `routes/` parse a request, call one service, shape the answer; `auth` extracts the
//!   caller and client address; `openapi` gathers the routes' docs.
//! - `services/` hold the rules: `access` decides who may use which console module,
//!   the rest do one capability each (accounts, claims via `enterprises` and
//!   `domain_status`, enrollment, directory sync, …). They call the store and integrations.
//! - `jobs/` are the background workers (outbox, domain checks, the job runner); they call services.
//! - `store/` is the only place with SQL, one submodule per kind of record.
//! - `integrations/` talk to the outside world (DNS, web, mail, LDAP) behind `netguard`.
//! - `config`, `secrets`, `state`, `startup` build the application once; `error` maps to problem+json.

pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod integrations;
pub mod jobs;
pub mod openapi;
pub mod routes;
pub mod secrets;
pub mod services;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
