//! `nano:platform/log`: the app's console, into the host's log.

use crate::state::{LogSink, State};
use std::io::Write;

pub use crate::bindings::nano::platform::log::Level;

impl crate::bindings::nano::platform::log::Host for State {
    fn write(&mut self, level: Level, message: String) {
        match &self.log {
            LogSink::Request { request_id, app } => match level {
                Level::Debug => tracing::debug!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                Level::Info => tracing::info!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                Level::Warn => tracing::warn!(target: "nano::app", %app, request_id = %request_id, "{message}"),
                Level::Error => tracing::error!(target: "nano::app", %app, request_id = %request_id, "{message}"),
            },
            LogSink::Build { app } => match level {
                Level::Warn | Level::Error => tracing::warn!(target: "nano::app", %app, phase = "build", "{message}"),
                _ => tracing::info!(target: "nano::app", %app, phase = "build", "{message}"),
            },
            LogSink::Stdio => {
                let line = format!("{message}\n");
                let _ = match level {
                    Level::Debug | Level::Info => std::io::stdout().lock().write_all(line.as_bytes()),
                    Level::Warn | Level::Error => std::io::stderr().lock().write_all(line.as_bytes()),
                };
            }
        }
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::log::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}
