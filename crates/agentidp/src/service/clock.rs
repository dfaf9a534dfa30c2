//! The clock metering and plans read: the system time, which tests (and simulations) may move
//! forward to cross a UTC midnight or a month without waiting for one.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::domain::time::Timestamp;

/// The system clock plus an offset that only ever grows.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
}

impl Clock {
    /// The current time as metering sees it.
    pub fn now(&self) -> Timestamp {
        Timestamp::now().plus_seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock `secs` seconds ahead of the system clock's course (negative values
    /// are ignored: metering windows never go back).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs.max(0), Ordering::Relaxed);
    }
}
