//! Logging to stderr through a buffer that a background thread flushes every 50 ms (and that
//! is flushed when full): the access log writes one line per request, and one `write` system
//! call per line cost measurable throughput. At most 50 ms of log lines can be lost if the
//! process is killed; no data is.

use std::io::{self, BufWriter, Stderr, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A `MakeWriter` for tracing-subscriber.
#[derive(Clone)]
pub struct BufferedStderr(Arc<Mutex<BufWriter<Stderr>>>);

impl BufferedStderr {
    /// Create it and start its flusher thread.
    pub fn new() -> Self {
        let inner = Arc::new(Mutex::new(BufWriter::with_capacity(
            64 * 1024,
            io::stderr(),
        )));
        let weak = Arc::downgrade(&inner);
        let _ = std::thread::Builder::new()
            .name("openwks-log-flush".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_millis(50));
                let Some(shared) = weak.upgrade() else { return };
                let flushed = shared.lock().map(|mut w| w.flush());
                drop(flushed);
            });
        Self(inner)
    }
}

/// One log line's writer.
pub struct Guard<'a>(std::sync::MutexGuard<'a, BufWriter<Stderr>>);

impl Write for Guard<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Either the buffer or, if its lock is poisoned, plain stderr.
pub enum LineWriter<'a> {
    /// The shared buffer.
    Buffered(Guard<'a>),
    /// Fallback.
    Direct(Stderr),
}

impl Write for LineWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Buffered(g) => g.write(buf),
            Self::Direct(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Buffered(g) => g.flush(),
            Self::Direct(s) => s.flush(),
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BufferedStderr {
    type Writer = LineWriter<'a>;
    fn make_writer(&'a self) -> Self::Writer {
        match self.0.lock() {
            Ok(g) => LineWriter::Buffered(Guard(g)),
            Err(_) => LineWriter::Direct(io::stderr()),
        }
    }
}

impl BufferedStderr {
    /// Flush now (at shutdown).
    pub fn flush(&self) {
        if let Ok(mut w) = self.0.lock() {
            let _ = w.flush();
        }
    }
}
