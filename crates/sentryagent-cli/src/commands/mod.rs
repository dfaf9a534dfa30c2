//! One module per group of commands; `run` dispatches.

mod agents;
mod audit;
mod configure;
mod credentials;
mod keys;
mod tokens;

use std::path::PathBuf;

use clap::CommandFactory;
use sentryagent_sdk::Client;

use crate::cli::{Cli, Command, Output};
use crate::config::Config;
use crate::error::CliError;

/// What every command needs: the output format and where the configuration is.
pub struct Ctx {
    /// Table or JSON.
    pub output: Output,
    config_path: Option<PathBuf>,
}

impl Ctx {
    /// The configuration file's path.
    fn config_path(&self) -> Result<PathBuf, CliError> {
        Config::path(self.config_path.as_deref())
    }

    /// The configuration (file plus environment), or "Not configured".
    fn config(&self) -> Result<Config, CliError> {
        Config::load(&self.config_path()?)
    }

    /// An API client authenticated with the configured admin credentials.
    fn client(&self) -> Result<Client, CliError> {
        let config = self.config()?;
        Ok(client_for(&config.api_url)?
            .client_credentials(config.client_id, config.client_secret)
            .build()?)
    }
}

fn client_for(api_url: &str) -> Result<sentryagent_sdk::ClientBuilder, CliError> {
    Ok(Client::builder(api_url).user_agent(concat!("sentryagent-cli/", env!("CARGO_PKG_VERSION"))))
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Ctx {
        output: cli.output,
        config_path: cli.config,
    };
    match cli.command {
        Command::Configure(args) => configure::run(&ctx, args).await,
        Command::RegisterAgent(args) => agents::register(&ctx, args).await,
        Command::ListAgents(args) => agents::list_agents(&ctx, args).await,
        Command::GetAgent(args) => agents::get(&ctx, args).await,
        Command::UpdateAgent(args) => agents::update(&ctx, args).await,
        Command::DecommissionAgent(args) => agents::decommission(&ctx, args).await,
        Command::ListCredentials(args) => credentials::list(&ctx, args).await,
        Command::CreateCredential(args) => credentials::create(&ctx, args).await,
        Command::RotateCredentials(args) => credentials::rotate(&ctx, args).await,
        Command::RevokeCredential(args) => credentials::revoke(&ctx, args).await,
        Command::IssueToken(args) => tokens::issue(&ctx, args).await,
        Command::GenerateKey(args) => keys::generate(&ctx, args),
        Command::IntrospectToken(args) => tokens::introspect(&ctx, args).await,
        Command::RevokeToken(args) => tokens::revoke(&ctx, args).await,
        Command::TailAuditLog(args) => audit::tail(&ctx, args).await,
        Command::Completion { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "sentryagent",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}
