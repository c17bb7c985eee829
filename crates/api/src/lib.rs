//! Muster's server: REST API, background workers and the CLI's commands.

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
