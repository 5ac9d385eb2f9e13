//! A progress bar on stderr, shown only on a terminal and only when a scan takes a moment.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rampart_core::scan::Progress;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears.
const DELAY: Duration = Duration::from_millis(300);

/// The bar; hidden until `DELAY` has passed.
pub struct Bar {
    bar: ProgressBar,
    started: Instant,
    shown: AtomicBool,
    enabled: bool,
    files: AtomicU64,
    bytes: AtomicU64,
}

impl Bar {
    /// A bar that draws only if `enabled` (stderr is a terminal and not `--quiet`).
    pub fn new(enabled: bool) -> Bar {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} scanning: {msg} · {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        Bar {
            bar,
            started: Instant::now(),
            shown: AtomicBool::new(false),
            enabled,
            files: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Progress for Bar {
    fn file_done(&self, bytes: u64) {
        if !self.enabled {
            return;
        }
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        self.bar.inc(1);
        if files.is_multiple_of(64) {
            self.bar
                .set_message(format!("{files} files, {:.1} MB", total as f64 / 1e6));
        }
        if !self.shown.load(Ordering::Relaxed) && self.started.elapsed() > DELAY {
            self.shown.store(true, Ordering::Relaxed);
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(Duration::from_millis(120));
        }
    }

    fn set_total(&self, total: u64) {
        if self.enabled {
            self.bar.set_length(total);
            self.bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} · {elapsed} · eta {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
        }
    }
}
