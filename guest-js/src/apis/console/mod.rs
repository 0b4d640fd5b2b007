//! Native half of `console` (console.js): lines go to the host's log
//! (`nano:platform/log`), which bounds and sanitises them.

use crate::nano::platform::log;

/// `level` is the WIT log.level case name (console.js).
pub fn write(level: log::Level, message: String) {
    log::write(level, &message);
}
