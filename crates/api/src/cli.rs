//! The `muster` command line: serve, migrate, enterprise create, account reset-mfa, export-openapi.

use clap::{Parser, Subcommand};
use muster_model::Plan;

#[derive(Parser, Debug)]
#[command(name = "muster", version, about = "Muster: self-hosted Enterprise Admin Console")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the API, the SPA and the background workers (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Operator commands for enterprises.
    Enterprise {
        #[command(subcommand)]
        command: EnterpriseCommand,
    },
    /// Operator commands for accounts.
    Account {
        #[command(subcommand)]
        command: AccountCommand,
    },
    /// Print the OpenAPI document (or write it to a file).
    ExportOpenapi {
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum EnterpriseCommand {
    /// Create a contract enterprise: domain assigned without verification, managed seats capped,
    /// and the admin emailed an invitation link that sets the password.
    Create {
        #[arg(long)]
        domain: String,
        /// Email of the enterprise's Primary Master Admin.
        #[arg(long)]
        admin: String,
        #[arg(long, value_parser = parse_plan, default_value = "premium")]
        plan: Plan,
        /// Managed-seat cap of the contract.
        #[arg(long)]
        seats: i64,
    },
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Turn two-step verification off for a person who lost both the authenticator app and the
    /// recovery codes (after checking who they are out of band): every session ends, the owner is mailed.
    ResetMfa {
        #[arg(long)]
        email: String,
    },
}

fn parse_plan(s: &str) -> Result<Plan, String> {
    Plan::parse(s).ok_or_else(|| format!("plan must be free or premium, not {s:?}"))
}
