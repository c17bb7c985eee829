use anyhow::Context;
use clap::Parser;
use muster_api::{
    cli::{AccountCommand, Cli, Command, EnterpriseCommand},
    config::Config,
    jobs, openapi, services,
    startup::{build_state, Application},
    store::Db,
    telemetry,
};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::ExportOpenapi { output }) = &cli.command {
        let json = openapi::json();
        return match output {
            Some(path) => std::fs::write(path, json).with_context(|| format!("while writing {}", path.display())),
            None => {
                print!("{json}");
                Ok(())
            }
        };
    }
    let config = Config::load()?;
    telemetry::init(&config.log, &config.log_format);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => Application::build(config).await?.run_until_stopped().await?,
        Command::Migrate => {
            let db = Db::connect(&config.database_url).await?;
            db.migrate().await?;
            println!("migrations applied");
        }
        Command::Enterprise { command: EnterpriseCommand::Create { domain, admin, plan, seats } } => {
            let state = build_state(config).await?;
            let (id, link) = services::enterprises::create_contract(&state, &domain, &admin, plan, seats)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // Deliver the invitation now when a mail server is reachable; otherwise it waits in the outbox.
            if let Err(e) = jobs::outbox::deliver_due(&state).await {
                eprintln!("the invitation mail is queued and will be sent by the server: {e:#}");
            }
            println!("enterprise {id} created for {domain}; {admin} was invited");
            println!("invitation link: {link}");
        }
        Command::Account { command: AccountCommand::ResetMfa { email } } => {
            let state = build_state(config).await?;
            services::mfa::operator_reset(&state, &email).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Err(e) = jobs::outbox::deliver_due(&state).await {
                eprintln!("the notice to {email} is queued and will be sent by the server: {e:#}");
            }
            println!("two-step verification is off for {email}; every session of the account ended");
        }
        Command::ExportOpenapi { .. } => unreachable!("handled above"),
    }
    Ok(())
}
