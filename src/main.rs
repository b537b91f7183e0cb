use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = hakusho::cli::Cli::parse();
    hakusho::cli::init_logging(cli.log_format);
    match hakusho::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("hakusho: {}", hakusho::logging::error_text(&error));
            std::process::ExitCode::FAILURE
        }
    }
}
