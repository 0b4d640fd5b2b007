//! Native half of `console` (console.js): lines go to the host's log
//! (`nano:platform/console`), which bounds and sanitises them.

use crate::nano::platform::console;

/// `level` is the WIT console.level case name (console.js).
pub fn write(level: console::Level, message: String) {
    console::write(level, &message);
}
