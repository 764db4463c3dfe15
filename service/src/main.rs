//! `qrseal-service`: the issuer service binary. See the `qrseal_service` crate docs.

use clap::Parser as _;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = qrseal_service::Config::parse();
    match qrseal_service::run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("qrseal-service: {e}");
            std::process::ExitCode::from(2)
        }
    }
}
