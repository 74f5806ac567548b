//! The progress line `eval --input` shows on a terminal.

/// A progress line on standard error, for a file read while standard error
/// is a terminal; at most ten updates a second.
pub struct Progress {
    total: Option<u64>,
    started: std::time::Instant,
    shown: Option<std::time::Instant>,
}

impl Progress {
    pub fn new(total: Option<u64>) -> Progress {
        Progress {
            total,
            started: std::time::Instant::now(),
            shown: None,
        }
    }

    pub fn show(&mut self, read: u64, lines: u64) {
        let Some(total) = self.total else { return };
        let now = std::time::Instant::now();
        if self
            .shown
            .is_some_and(|t| now.duration_since(t).as_millis() < 100)
        {
            return;
        }
        self.shown = Some(now);
        let share = if total == 0 {
            1.0
        } else {
            read as f64 / total as f64
        };
        let width = 30;
        let done = ((share * width as f64) as usize).min(width);
        let rate = lines as f64 / self.started.elapsed().as_secs_f64().max(1e-9);
        eprint!(
            "\r[{}{}] {:>3.0}%  {lines} queries  {rate:.0}/s ",
            "=".repeat(done),
            " ".repeat(width - done),
            share * 100.0
        );
    }

    pub fn clear(&self) {
        if self.shown.is_some() {
            eprint!("\r\x1b[K");
        }
    }
}
