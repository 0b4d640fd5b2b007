//! Native half of `console` (console.js): lines go to the host's log
//! (`nano:platform/console`), which bounds and sanitises them.

use crate::nano::platform::console;

pub fn write(level: u32, message: String) {
    let level = match level {
        0 => console::Level::Debug,
        1 => console::Level::Info,
        2 => console::Level::Warn,
        _ => console::Level::Error,
    };
    console::write(level, &message);
}
