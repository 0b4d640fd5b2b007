//! An app's modules: found and compiled from its files at build time
//! (`graph.rs`: resolution with Node's rules, TypeScript and JSX through
//! oxc), handed to the engine through `nano:platform/modules`, and their
//! source maps kept in the built component (a custom section), so that
//! stacks logged at request time point at the original lines.

mod compile;
mod graph;
mod location;
mod named_exports;
mod resolve;
mod source_maps;

pub use graph::{build, entry_of, Graph, Import, Kind, Module, Options};
pub use source_maps::SourceMaps;

use crate::bindings::nano::platform::modules as wit;
use crate::state::State;

impl wit::Host for State {
    // The graph was made by the host from the operator's files (bounded by
    // graph::Options) and is handed over once: the copy lands in the
    // instance's memory, and a second call gets nothing.
    fn graph(&mut self) -> Vec<wit::Module> {
        std::mem::take(&mut self.modules)
    }

    // The operator's list (`BuildOptions::warm_up`, bounded there), once.
    fn warm_up(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warm_up)
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    wit::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

impl Graph {
    /// A graph of one file given as text (tests, fuzzing): a script, or an
    /// ES module that imports nothing.
    pub fn single(name: &str, source: &str, module: bool) -> Graph {
        let kind = if module { Kind::Esm } else { Kind::Script };
        let module = Module {
            name: name.to_string(),
            kind,
            source: source.to_string(),
            imports: Vec::new(),
            source_map: None,
            named_exports: Vec::new(),
        };
        Graph {
            root: std::path::PathBuf::from("."),
            source_bytes: source.len(),
            modules: vec![module],
            warnings: Vec::new(),
        }
    }

    /// The entry's name: the app's name in errors and logs.
    pub fn entry(&self) -> &str {
        &self.modules[0].name
    }

    /// What the engine is given.
    pub fn to_wit(&self) -> Vec<wit::Module> {
        self.modules
            .iter()
            .map(|m| wit::Module {
                name: m.name.clone(),
                kind: match m.kind {
                    Kind::Script => wit::ModuleKind::Script,
                    Kind::Esm => wit::ModuleKind::Esm,
                    Kind::CommonJs => wit::ModuleKind::Commonjs,
                    Kind::Json => wit::ModuleKind::Json,
                },
                source: m.source.clone(),
                imports: m
                    .imports
                    .iter()
                    .map(|i| wit::ModuleImport { specifier: i.specifier.clone(), resolved: i.resolved.clone() })
                    .collect(),
                named_exports: m.named_exports.clone(),
            })
            .collect()
    }

    /// Everything a build depends on, for the build cache's key: every
    /// module's name, kind, compiled text and resolved imports.
    pub fn digest_parts(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for m in &self.modules {
            for part in [m.name.as_bytes(), &[m.kind as u8], m.source.as_bytes()] {
                bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
                bytes.extend_from_slice(part);
            }
            for i in &m.imports {
                let resolved = match &i.resolved {
                    Ok(name) => format!("+{name}"),
                    Err(why) => format!("-{why}"),
                };
                for part in [i.specifier.as_bytes(), resolved.as_bytes()] {
                    bytes.extend_from_slice(&(part.len() as u64).to_le_bytes());
                    bytes.extend_from_slice(part);
                }
            }
            bytes.extend_from_slice(m.named_exports.join(",").as_bytes());
            bytes.extend_from_slice(m.source_map.as_deref().unwrap_or("").as_bytes());
        }
        bytes
    }

    /// `12 modules (9 from node_modules), 340 KiB of source`.
    pub fn summary(&self) -> String {
        let packages = self.modules.iter().filter(|m| m.name.contains("node_modules/")).count();
        let modules = self.modules.len();
        let kib = self.source_bytes.div_ceil(1024);
        let plural = if modules == 1 { "" } else { "s" };
        format!("{modules} module{plural} ({packages} from node_modules), {kib} KiB of source")
    }

    /// `text` with each `NAME:LINE` or `NAME: ` of one of the graph's modules written
    /// with the module's path as the user gave it (`examples/app/src/x.ts`
    /// for `src/x.ts` under the root `examples/app`): how build errors and
    /// a script's errors name files.
    pub fn display_paths(&self, text: &str) -> String {
        let root = self.root.strip_prefix(std::env::current_dir().unwrap_or_default()).unwrap_or(&self.root);
        if root.as_os_str().is_empty() || root == std::path::Path::new(".") {
            return text.to_string();
        }
        let names: std::collections::HashSet<&str> = self.modules.iter().map(|m| m.name.as_str()).collect();
        // `name:LINE:COL` in stacks, `name: message` in errors.
        let location = regex::Regex::new(r"(^|[\s(])([^\s():]+):(\d|\s)").expect("a valid pattern");
        location
            .replace_all(text, |c: &regex::Captures| match names.contains(&c[2]) {
                true => format!("{}{}:{}", &c[1], root.join(&c[2]).display(), &c[3]),
                false => c[0].to_string(),
            })
            .into_owned()
    }

    /// The compiled modules' source maps, ready for lookups, or None.
    pub fn source_map_index(&self) -> Result<Option<SourceMaps>, String> {
        self.source_maps().map(SourceMaps::new).transpose()
    }

    /// An error the engine reported, at the original lines (`maps`) and with
    /// the files named as the user gave them.
    pub fn locate(&self, maps: Option<&SourceMaps>, message: &str) -> String {
        match maps {
            Some(maps) => self.display_paths(&maps.remap(message)),
            None => self.display_paths(message),
        }
    }

    /// The source maps of the modules that were compiled, or None.
    pub fn source_maps(&self) -> Option<Vec<(String, String)>> {
        let maps: Vec<(String, String)> =
            self.modules.iter().filter_map(|m| Some((m.name.clone(), m.source_map.clone()?))).collect();
        (!maps.is_empty()).then_some(maps)
    }
}

/// The custom section of a built component that holds its source maps.
const SECTION: &str = "nano:source-maps";

/// Appends the graph's source maps to a built component, as a custom
/// section (wasmtime does not read it; `source_maps_of` does).
pub fn append_source_maps(wasm: &mut Vec<u8>, graph: &Graph) -> Result<(), String> {
    let Some(maps) = graph.source_maps() else { return Ok(()) };
    let payload = postcard::to_stdvec(&maps).map_err(|e| format!("encoding the source maps: {e}"))?;
    let section = wasm_encoder::CustomSection { name: SECTION.into(), data: payload.into() };
    wasm_encoder::Encode::encode(&wasm_encoder::ComponentSectionId::CoreCustom, wasm);
    let mut body = Vec::new();
    wasm_encoder::Encode::encode(&section, &mut body);
    // `CustomSection::encode` writes the section's size and content; the id
    // byte came first.
    wasm.extend_from_slice(&body);
    Ok(())
}

/// The source maps a built component carries, if any. Bounded by the
/// component's size, which the operator chose.
pub fn source_maps_of(wasm: &[u8]) -> Result<Option<SourceMaps>, String> {
    // wasmtime also takes the text format, which nano never writes.
    if !wasm.starts_with(b"\0asm") {
        return Ok(None);
    }
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| format!("reading the component: {e}"))?;
        if let wasmparser::Payload::CustomSection(reader) = payload {
            if reader.name() == SECTION {
                let maps: Vec<(String, String)> =
                    postcard::from_bytes(reader.data()).map_err(|e| format!("reading its source maps: {e}"))?;
                return SourceMaps::new(maps).map(Some);
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
