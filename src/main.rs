use clap::Parser;

fn main() -> std::process::ExitCode {
    // The reader child parses one untrusted workbook and exits: no runtime, no
    // configuration, no logging set-up (see `intake::sandbox`).
    // args_os: a file name that is not UTF-8 must reach the CLI, not panic here.
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() == Some(hakusho::intake::sandbox::CHILD_ARGUMENT.as_ref()) {
        let wanted: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
        return hakusho::intake::sandbox::child_main(&wanted);
    }
    return_large_buffers();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("hakusho: 実行環境を用意できません: {error}");
            return std::process::ExitCode::from(hakusho::cli::EXIT_FAILED);
        }
    };
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
    let cli = hakusho::cli::Cli::parse();
    hakusho::cli::init_logging(cli.log_format);
    let result = hakusho::cli::run(cli).await;
    if let Err(error) = &result {
        eprintln!("hakusho: {}", hakusho::logging::error_text(error));
    }
    std::process::ExitCode::from(hakusho::cli::exit_status(&result))
}

/// Buffers of 1 MB and more (a workbook's bytes, up to 20 MB each) are mapped on
/// their own and given back to the system when freed. glibc's default raises that
/// threshold after the first such buffer, and then each thread's arena keeps what its
/// uploads used: serve's peak memory grew with every blocking thread that had taken in
/// an upload, not with the uploads in flight.
fn return_large_buffers() {
    // SAFETY: mallopt only sets the allocator's parameters; called before any thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}
