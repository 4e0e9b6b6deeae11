//! Every log line the test process writes, kept in memory so that tests can
//! search it (request ids, and that no secret or personal datum is ever logged).
//! Set `TEST_LOG=1` to also see the lines on standard error.

use std::io::Write;
use std::sync::{Mutex, Once};

use huzhu::settings::LogFormat;
use tracing_subscriber::fmt::MakeWriter;

static LINES: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static INIT: Once = Once::new();

#[derive(Clone, Copy)]
struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            std::io::stderr().write_all(buf)?;
        }
        LINES
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        *self
    }
}

/// Installs the capturing subscriber once per test process, as JSON lines at
/// debug level so that tests see everything the service could log.
pub fn init() {
    INIT.call_once(|| {
        let filter = tracing_subscriber::EnvFilter::new(
            "debug,sqlx=warn,sea_orm=warn,h2=info,hyper=info,reqwest=info",
        );
        let subscriber = huzhu::telemetry::subscriber(LogFormat::Json, filter, Capture);
        let _ = tracing::subscriber::set_global_default(subscriber);
    });
}

/// All log output so far, from every test in this process.
pub fn captured() -> String {
    String::from_utf8_lossy(&LINES.lock().expect("log buffer")).into_owned()
}
