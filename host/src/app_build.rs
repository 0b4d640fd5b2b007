//! `nano-host build`: the engine component pre-initialised with an app by a
//! wizer snapshot, so a request never parses the app again.

use crate::engine::{cache_dir, hex_digest, write_atomic, Runtime};
use crate::state::{LogSink, State};
use std::path::Path;
use wasmtime::component::Val;
use wasmtime_wasi::p2::pipe::MemoryInputPipe;
use wasmtime_wizer::Wizer;

/// Why a build failed: the app's own error (`file:line:col: message`) or a
/// failure of the toolchain.
#[derive(Debug)]
pub enum BuildError {
    App(String),
    Internal(wasmtime::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::App(message) => f.write_str(message),
            BuildError::Internal(e) => write!(f, "{e:?}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<wasmtime::Error> for BuildError {
    fn from(e: wasmtime::Error) -> Self {
        BuildError::Internal(e)
    }
}

/// Whether a file runs as an ES module: `.mjs`, or a top-level `import` /
/// `export` statement (as browsers and Node decide); anything else is a
/// classic script.
pub fn is_module(path: &Path, source: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("mjs") => return true,
        Some("cjs") => return false,
        _ => {}
    }
    source.lines().any(|line| {
        let line = line.trim_start();
        let statement = |kw: &str| {
            line.strip_prefix(kw)
                .is_some_and(|rest| rest.starts_with([' ', '{', '*', '"', '\'', '\t']) || rest.is_empty())
        };
        statement("export") || (statement("import") && !line.starts_with("import("))
    })
}

/// Builds an app from its source into a snapshotted component.
pub async fn build(runtime: &Runtime, source: &str, filename: &str, module: bool) -> Result<Vec<u8>, BuildError> {
    let wasi = State::wasi(&runtime.limits)
        .stdin(MemoryInputPipe::new(source.as_bytes().to_vec()))
        .env("NANO_APP_FILENAME", filename)
        .env("NANO_APP_MODULE", if module { "1" } else { "0" })
        .build();
    let state = State::new(wasi, LogSink::Build { app: filename.to_string() }, &runtime.limits);
    let mut store = runtime.new_store(state);
    let linker = &runtime.linker;
    let mut wizer = Wizer::new();
    wizer.init_func("wizer-initialize()").keep_init_func(true);
    let (snapshot, results) = wizer
        .run_component(&mut store, crate::ENGINE_WASM, async |store, component| {
            linker.instantiate_async(store, component).await
        })
        .await
        .map_err(|e| BuildError::App(format!("{filename}: the app could not be initialised: {e:?}")))?;
    match results.first() {
        Some(Val::Result(Ok(_))) => Ok(snapshot),
        Some(Val::Result(Err(Some(message)))) => match message.as_ref() {
            Val::String(s) => Err(BuildError::App(s.clone())),
            other => Err(BuildError::App(format!("{other:?}"))),
        },
        other => Err(BuildError::Internal(wasmtime::format_err!("unexpected result of wizer-initialize: {other:?}"))),
    }
}

/// Builds `path` unless the same source was built by this binary before.
pub async fn build_cached(runtime: &Runtime, path: &Path) -> Result<Vec<u8>, BuildError> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| BuildError::App(format!("{}: cannot read: {e}", path.display())))?;
    let filename = display_name(path);
    let module = is_module(path, &source);
    let cached = cache_dir().map(|dir| {
        dir.join("apps").join(format!(
            "{}.wasm",
            hex_digest(&[crate::ENGINE_WASM, filename.as_bytes(), &[module as u8], source.as_bytes()])
        ))
    });
    if let Some(Ok(bytes)) = cached.as_ref().map(std::fs::read) {
        return Ok(bytes);
    }
    let wasm = build(runtime, &source, &filename, module).await?;
    if let Some(path) = cached {
        if let Err(e) = write_atomic(&path, &wasm) {
            tracing::warn!("could not cache the built app at {}: {e}", path.display());
        }
    }
    Ok(wasm)
}

/// The name errors and stacks use for the app: its file name as given.
pub fn display_name(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
