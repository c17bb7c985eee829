//! Muster's server: REST API, background workers and the CLI's commands.
//!
//! Who owns what, and which way the arrows go (a module only calls the ones below it):
//! - `routes/` speak HTTP: parse a request (`auth` reads the token and client address,
//!   `routes::caller` turns the token into a session, `routes::json` takes only objects),
//!   call one service, shape the answer. `openapi/` gathers their docs and adds the answers
//!   every route gives; its `methods` answers 405 from the document itself.
//! - `services/` hold the rules and know nothing of HTTP: they return `DomainError`, which
//!   `error.rs` maps to problem+json with one `From`. `access` decides who may use which
//!   console module, for requests and background runs alike.
//! - `jobs/` are the background workers (outbox, domain checks, the job runner with its
//!   lease heartbeat); they call services.
//! - `store/` is the only place with SQL, one module per kind of record; rows decode into
//!   `muster_model`'s enums, lists page through `Page<T>`.
//! - `integrations/` talk to the outside world (DNS, web, mail, LDAP) behind `netguard`.
//! - `config`, `secrets`, `state`, `startup` build the application once.
//!
//! Words: the API says "users", the code says "members" (a person's place in one
//! enterprise; an account is how they sign in).

pub mod auth;
pub mod cli;
pub mod clock;
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
