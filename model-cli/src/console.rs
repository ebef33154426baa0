//! What the command line writes besides its answer: Alembic-style `INFO` and `WARNING` lines on
//! stderr (each printable: no text of the database or of a file moves the cursor or forges a
//! line), `-q`, and the process's manners (SIGPIPE, freeing behind the answer).

/// Frees `value` on a thread of its own, so that the command's answer does not wait for it:
/// the models of 10,000 tables take a tenth of a second to free, which a process about to exit
/// need not spend (the thread dies with it); a longer-lived caller still gets the memory back.
pub(crate) fn drop_behind<T: Send + 'static>(value: T) {
    // Without a thread to be had, the closure and the value are freed here, as they would be.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// `model-cli history | head` ends quietly when `head` stops reading, as Unix tools do, instead
/// of panicking on the failed write: Rust ignores SIGPIPE, so restore its default action.
pub(crate) fn quiet_on_closed_output() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to the default has no preconditions; it runs
    // before any thread of ours could be writing.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An Alembic-style warning on stderr: `WARNING [model.autogenerate] …`.
pub(crate) fn warning(component: &str, message: impl std::fmt::Display) {
    eprintln!(
        "WARNING [model.{component}] {}",
        model_core::sql::display(&message.to_string())
    );
}

/// `-q`: no INFO lines.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `-q` given or not, for the rest of the process.
pub(crate) fn set_quiet(quiet: bool) {
    QUIET.store(quiet, std::sync::atomic::Ordering::Relaxed);
}

/// Whether `-q` was given.
pub(crate) fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// An Alembic-style log line on stderr: `INFO  [model.migrate] Running upgrade …`.
pub(crate) fn info(component: &str, message: impl std::fmt::Display) {
    if QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        return;
    }
    // Messages carry names from the database and from scripts: never let one move the cursor,
    // recolour the terminal or forge a log line.
    eprintln!(
        "INFO  [model.{component}] {}",
        model_core::sql::display(&message.to_string())
    );
}
