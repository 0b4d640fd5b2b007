//! Native half of `console` (console.js): lines go to the host's log
//! (`nano:platform/log`), which bounds and sanitises them.

use crate::nano::platform::log;

pub fn write(level: u32, message: String) {
    let level = match level {
        0 => log::Level::Debug,
        1 => log::Level::Info,
        2 => log::Level::Warn,
        _ => log::Level::Error,
    };
    log::write(level, &message);
}
