//! `nano-host exec`: one script in a fresh instance of the engine.

use crate::app::AppConfig;
use crate::deadline::{CpuTimed, LimitExceeded};
use crate::engine::Runtime;
use crate::limits::AppLimits;
use crate::state::{LogSink, State};
use std::path::Path;
use std::sync::Arc;
use wasmtime::error::Context as _;
use wasmtime::Result;

/// Runs the script; Ok(false) when it threw, rejected or trapped (the error
/// has been printed to stderr).
pub async fn exec(runtime: &Runtime, limits: AppLimits, path: &Path, args: &[String]) -> Result<bool> {
    let graph = match crate::app_build::compile(path) {
        Ok(graph) => graph,
        Err(crate::app_build::BuildError::App(message)) => {
            eprintln!("{message}");
            return Ok(false);
        }
        Err(crate::app_build::BuildError::Internal(e)) => return Err(e),
    };
    let filename = path.to_string_lossy().into_owned();
    let source_maps = graph.source_map_index().map_err(wasmtime::Error::msg)?.map(Arc::new);
    let app = &AppConfig::with_source_maps(filename.clone(), limits, source_maps.clone());
    let mut argv = vec![filename.clone()];
    argv.extend_from_slice(args);
    let mut store = runtime.new_store(app, LogSink::Stdio, State::wasi().args(&argv).build());
    store.data_mut().modules = graph.to_wit();
    let cpu = store.data().cpu.clone();
    let component = runtime.load_component(crate::ENGINE_WASM)?;
    let pre = runtime.instantiate_pre(&component)?;
    let instance = pre.instantiate_async(&mut store).await?;
    let iface = instance
        .get_export_index(&mut store, None, "nano:platform/exec@0.2.0")
        .context("the engine exports no nano:platform/exec")?;
    let run = instance.get_export_index(&mut store, Some(&iface), "run").context("the engine exports no exec.run")?;
    let run = instance.get_typed_func::<(), (Result<(), String>,)>(&mut store, run)?;
    let result = CpuTimed::new(run.call_async(&mut store, ()), cpu).await;
    tracing::debug!(target: "nano::instance", script = %filename, peak_memory_kib = store.data().limits.peak >> 10, "instance finished");
    match result {
        Ok((Ok(()),)) => Ok(true),
        Ok((Err(message),)) => {
            eprintln!("{}", graph.locate(source_maps.as_deref(), &message));
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
