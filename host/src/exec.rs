//! `nano-host exec`: one script in a fresh instance of the engine.

use crate::app::AppConfig;
use crate::deadline::{CpuTimed, LimitExceeded};
use crate::engine::Runtime;
use crate::state::{LogSink, State};
use std::path::Path;
use std::sync::Arc;
use wasmtime::error::Context as _;
use wasmtime::Result;

/// Runs the script; Ok(false) when it threw, rejected or trapped (the error
/// has been printed to stderr).
pub async fn exec(runtime: &Runtime, app: &Arc<AppConfig>, path: &Path, args: &[String]) -> Result<bool> {
    let source = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let filename = crate::app_build::display_name(path);
    let module = crate::app_build::is_module(path, &source);
    let mut argv = vec![filename.clone()];
    argv.extend_from_slice(args);
    let mut store = runtime.new_store(app, LogSink::Stdio, State::wasi().args(&argv).build());
    let cpu = store.data().cpu.clone();
    let component = runtime.load_component(crate::ENGINE_WASM)?;
    let pre = runtime.instantiate_pre(&component)?;
    let instance = pre.instantiate_async(&mut store).await?;
    let iface = instance
        .get_export_index(&mut store, None, "nano:platform/exec@0.2.0")
        .context("the engine exports no nano:platform/exec")?;
    let run = instance.get_export_index(&mut store, Some(&iface), "run").context("the engine exports no exec.run")?;
    let run = instance.get_typed_func::<(&str, &str, bool), (Result<(), String>,)>(&mut store, run)?;
    let result = CpuTimed::new(run.call_async(&mut store, (&source, &filename, module)), cpu).await;
    tracing::debug!(target: "nano::instance", script = %filename, peak_memory_kib = store.data().limits.peak >> 10, "instance finished");
    match result {
        Ok((Ok(()),)) => Ok(true),
        Ok((Err(message),)) => {
            eprintln!("{message}");
            Ok(false)
        }
        Err(trap) => {
            let why = match LimitExceeded::of(&trap) {
                Some(limit) => limit.describe("the script"),
                None => crate::server::describe_trap(&trap),
            };
            eprintln!("{filename}: the script was stopped: {why}");
            Ok(false)
        }
    }
}
