//! The module graph: its types, and the walk from the entry (breadth
//! first, each file once).

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use oxc_resolver::{ModuleType, ResolveError};

use super::compile::{self, Compiled, FoundImport, Input, JsxSettings};
use super::location::{display_path, located, module_name};
pub use super::resolve::entry_of;
use super::resolve::{self, ImportKind, Resolvers};

/// How the guest must evaluate a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A classic (service-worker style) script: only ever the entry, when it
    /// is a `.js` file without `import`/`export` declarations.
    Script,
    /// An ECMAScript module.
    Esm,
    /// A CommonJS module (`module.exports`/`require`), wrapped by the guest.
    CommonJs,
    /// A JSON file; its default export is the parsed value.
    Json,
}

/// One import specifier of a module and what it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    /// The specifier exactly as written in the source (`"./x.js"`, `"hono"`).
    pub specifier: String,
    /// `Ok(module name)`, or `Err(message)` the guest throws when the module
    /// is actually imported/required at run time.
    pub resolved: Result<String, String>,
}

/// One module of the graph.
#[derive(Debug, Clone)]
pub struct Module {
    /// Path relative to [`Graph::root`], `/`-separated (`src/index.ts`,
    /// `node_modules/hono/dist/index.js`, `../shared/x.js` if outside root).
    pub name: String,
    pub kind: Kind,
    /// JavaScript to evaluate (TS/JSX compiled), or the JSON text.
    pub source: String,
    /// Every static import / export-from, literal `import()`, and — for
    /// CommonJS modules — every literal `require("x")`.
    pub imports: Vec<Import>,
    /// JSON source map, only for modules whose text was transformed.
    pub source_map: Option<String>,
    /// A CommonJS module's named exports, its re-exports' included: what an
    /// ES module may import from it by name.
    pub named_exports: Vec<String>,
}

/// The result of [`build`].
#[derive(Debug, Clone)]
pub struct Graph {
    /// Directory of the nearest `package.json` at or above the entry (else
    /// the entry's directory); module names are relative to it.
    pub root: PathBuf,
    /// Every module, the entry first.
    pub modules: Vec<Module>,
    /// Non-fatal problems (`file:line:col: message`), e.g. a `require()` of a
    /// module that cannot be found.
    pub warnings: Vec<String>,
    /// Total size of the source files read, in bytes.
    pub source_bytes: usize,
}

/// Knobs for [`build`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Overrides the JSX import source (else tsconfig.json's
    /// `compilerOptions.jsxImportSource`, else `"react"`).
    pub jsx_import_source: Option<String>,
    /// Most modules a graph may have.
    pub max_modules: usize,
    /// Most bytes of source all modules together may have.
    pub max_total_bytes: usize,
    /// Most bytes one source file may have.
    pub max_file_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self { jsx_import_source: None, max_modules: 10_000, max_total_bytes: 64 << 20, max_file_bytes: 16 << 20 }
    }
}

/// Extensions a module may have; anything else (`.wasm`, `.node`, `.css`)
/// cannot be imported.
const MODULE_EXTENSIONS: &[&str] = &["ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "json"];

/// Builds the module graph of the app whose entry file is `entry`.
///
/// Fails on the first syntax or TypeScript error, on a static import that
/// cannot be resolved (or names a Node built-in), and past the bounds in
/// `options`; errors read `file:line:col: message`. A `require()` or
/// `import()` that cannot be resolved only fails when it runs: its import
/// gets `Err(message)` and the graph a warning.
pub fn build(entry: &Path, options: &Options) -> Result<Graph, String> {
    let shown = entry.display();
    let entry = entry.canonicalize().map_err(|e| format!("{shown}: {e}"))?;
    if !entry.is_file() {
        return Err(format!("{shown}: not a file (a package's entry is found by entry_of)"));
    }
    let root = find_root(&entry);
    let resolvers = Resolvers::new(&root);
    let jsx = jsx_settings(&resolvers, options)?;
    let mut walker = Walker {
        root,
        resolvers,
        jsx,
        options,
        names: HashMap::new(),
        queue: VecDeque::new(),
        warnings: vec![],
        source_bytes: 0,
        reexports: HashMap::new(),
    };
    walker.enqueue(entry.clone())?;
    let mut modules = vec![];
    while let Some(path) = walker.queue.pop_front() {
        modules.push(walker.load(&path, path == entry)?);
    }
    let Walker { root, warnings, source_bytes, reexports, .. } = walker;
    add_reexported_names(&mut modules, &reexports);
    Ok(Graph { root, modules, warnings, source_bytes })
}

/// The directory of the nearest package.json at or above `entry`, else the
/// entry's directory.
fn find_root(entry: &Path) -> PathBuf {
    let dir = entry.parent().unwrap_or(Path::new("/"));
    dir.ancestors().find(|d| d.join("package.json").is_file()).unwrap_or(dir).to_path_buf()
}

/// JSX settings: the option, else tsconfig.json `compilerOptions`, else the
/// automatic runtime from `react`. `"jsx": "preserve"` still compiles JSX:
/// the guest cannot run it.
fn jsx_settings(resolvers: &Resolvers, options: &Options) -> Result<JsxSettings, String> {
    let tsconfig = resolvers.tsconfig()?;
    let compiler = tsconfig.as_ref().map(|t| &t.compiler_options);
    let classic = compiler.and_then(|c| c.jsx.as_deref()) == Some("react");
    let import_source = options
        .jsx_import_source
        .clone()
        .or_else(|| compiler.and_then(|c| c.jsx_import_source.clone()))
        .or_else(|| Some("react".to_string()));
    Ok(JsxSettings {
        classic,
        import_source,
        factory: compiler.and_then(|c| c.jsx_factory.clone()),
        fragment_factory: compiler.and_then(|c| c.jsx_fragment_factory.clone()),
    })
}

struct Walker<'o> {
    root: PathBuf,
    resolvers: Resolvers,
    jsx: JsxSettings,
    options: &'o Options,
    /// Every file seen (loaded or queued) and its module name.
    names: HashMap<PathBuf, String>,
    queue: VecDeque<PathBuf>,
    warnings: Vec<String>,
    source_bytes: usize,
    /// Each CommonJS module's re-exported specifiers (named_exports.rs).
    reexports: HashMap<String, Vec<String>>,
}

/// Gives each CommonJS module the names of the modules it re-exports
/// (`module.exports = require('./impl')`), through chains and cycles.
fn add_reexported_names(modules: &mut [Module], reexports: &HashMap<String, Vec<String>>) {
    let index: HashMap<String, usize> = modules.iter().enumerate().map(|(i, m)| (m.name.clone(), i)).collect();
    for i in 0..modules.len() {
        if modules[i].kind != Kind::CommonJs {
            continue;
        }
        let mut names = modules[i].named_exports.clone();
        let mut seen = std::collections::HashSet::from([i]);
        let mut pending = vec![i];
        while let Some(at) = pending.pop() {
            for specifier in reexports.get(&modules[at].name).into_iter().flatten() {
                let target = modules[at].imports.iter().find(|import| &import.specifier == specifier);
                let Some(&j) = target.and_then(|t| t.resolved.as_ref().ok()).and_then(|name| index.get(name)) else {
                    continue;
                };
                if modules[j].kind == Kind::CommonJs && seen.insert(j) {
                    names.extend(modules[j].named_exports.iter().cloned());
                    pending.push(j);
                }
            }
        }
        let mut unique = std::collections::HashSet::new();
        names.retain(|n| unique.insert(n.clone()));
        modules[i].named_exports = names;
    }
}

/// Where an import was written, for messages.
struct Site<'t> {
    file: &'t Path,
    shown: &'t str,
    name: &'t str,
    text: &'t str,
}

impl Walker<'_> {
    /// The module name of `path`, queueing it the first time it is seen.
    fn enqueue(&mut self, path: PathBuf) -> Result<String, String> {
        if let Some(name) = self.names.get(&path) {
            return Ok(name.clone());
        }
        let max = self.options.max_modules;
        if self.names.len() >= max {
            return Err(format!("too many modules: the app has more than {max} (max_modules)"));
        }
        let name = module_name(&self.root, &path);
        self.names.insert(path.clone(), name.clone());
        self.queue.push_back(path);
        Ok(name)
    }

    /// Reads, compiles and resolves the imports of one module.
    fn load(&mut self, path: &Path, is_entry: bool) -> Result<Module, String> {
        let name = self.names.get(path).cloned().unwrap_or_else(|| module_name(&self.root, path));
        let shown = display_path(path);
        let text = self.read(path, &shown)?;
        let kind_hint = kind_hint(path, self.resolvers.module_type(path));
        let input = Input { path, name: &name, text: &text, kind_hint, is_entry };
        let compiled =
            compile::compile(&input, &self.jsx).map_err(|e| format!("{shown}:{}:{}: {}", e.line, e.col, e.message))?;
        let site = Site { file: path, shown: &shown, name: &name, text: &text };
        let imports = self.resolve_imports(&site, &compiled)?;
        let Compiled { kind, source, source_map, named_exports, .. } = compiled;
        self.reexports.insert(name.clone(), named_exports.reexports);
        Ok(Module { name, kind, source, imports, source_map, named_exports: named_exports.names })
    }

    /// Reads a source file within the size bounds.
    fn read(&mut self, path: &Path, shown: &str) -> Result<String, String> {
        let size = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?.len();
        let max = self.options.max_file_bytes;
        if size > max as u64 {
            return Err(format!("{shown}: file is {size} bytes, more than max_file_bytes ({max})"));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{shown}: {e}"))?;
        self.source_bytes += text.len();
        let max = self.options.max_total_bytes;
        if self.source_bytes > max {
            return Err(format!("{shown}: the app's sources exceed max_total_bytes ({max}) in total"));
        }
        Ok(text)
    }

    /// Resolves every distinct specifier; static imports first, so a
    /// specifier both imported and `import()`ed must resolve at build time.
    fn resolve_imports(&mut self, site: &Site, compiled: &Compiled) -> Result<Vec<Import>, String> {
        let mut found: Vec<&FoundImport> = compiled.imports.iter().collect();
        found.sort_by_key(|f| f.kind != ImportKind::Static);
        let mut imports: Vec<Import> = vec![];
        for import in found {
            if imports.iter().any(|i| i.specifier == import.specifier) {
                continue;
            }
            let resolved = self.resolve_one(site, import)?;
            imports.push(Import { specifier: import.specifier.clone(), resolved });
        }
        Ok(imports)
    }

    /// `Ok(Ok(name))`, `Ok(Err(run-time message))` for a failed `require()`
    /// or `import()`, or `Err(build error)` for a failed static import.
    fn resolve_one(&mut self, site: &Site, import: &FoundImport) -> Result<Result<String, String>, String> {
        let dir = site.file.parent().unwrap_or(Path::new("/"));
        let resolver = self.resolvers.pick(import.kind, is_typescript(site.file));
        if let Some(scheme) = url_scheme(&import.specifier) {
            return self.report(site, import, dir, Failure::Scheme(scheme));
        }
        let failure = match resolver.resolve(dir, &import.specifier) {
            Ok(resolution) => {
                let target = resolution.into_path_buf();
                if !target.starts_with(&self.root) {
                    Failure::OutsideRoot(target)
                } else if has_module_extension(&target) {
                    return self.enqueue(target).map(Ok).map_err(|e| located(site.shown, site.text, import.offset, &e));
                } else {
                    Failure::Unsupported(target)
                }
            }
            Err(ResolveError::Builtin { resolved, .. }) => Failure::Builtin(resolved),
            Err(ResolveError::Ignored(_)) => Failure::Ignored,
            Err(error) => Failure::NotFound(error),
        };
        self.report(site, import, dir, failure)
    }

    /// Turns a failed resolution into a build error (static imports) or a
    /// run-time error plus a warning (`require()`, `import()`).
    fn report(
        &mut self,
        site: &Site,
        import: &FoundImport,
        dir: &Path,
        failure: Failure,
    ) -> Result<Result<String, String>, String> {
        let specifier = &import.specifier;
        let at = |message: &str| located(site.shown, site.text, import.offset, message);
        // A `browser: false` module is a run-time error even when imported
        // statically: esbuild would substitute an empty module, and failing
        // the build would reject apps that bundle fine elsewhere.
        let can_wait = import.kind != ImportKind::Static || matches!(failure, Failure::Ignored);
        let message = match failure {
            Failure::Builtin(name) => format!("Node's built-in module '{name}' is not available in nano"),
            Failure::OutsideRoot(path) => format!(
                "cannot import '{specifier}': {} is outside the app's folder {} (the folder of its package.json)",
                display_path(&path),
                display_path(&self.root)
            ),
            Failure::Scheme(scheme) if scheme == "nano" => {
                format!("cannot import '{specifier}': nano's own modules are internal to the engine")
            }
            Failure::Scheme(scheme) => format!(
                "cannot import '{specifier}': {scheme}: imports are not supported; install the package into node_modules"
            ),
            Failure::Unsupported(path) => {
                let ext = path.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_default();
                format!("cannot import '{specifier}': files of type '.{ext}' are not supported")
            }
            Failure::Ignored => {
                format!("module '{specifier}' is disabled by a package.json \"browser\" field (from {})", site.name)
            }
            Failure::NotFound(_) if import.kind != ImportKind::Static => {
                format!("cannot find module '{specifier}' from {}", site.name)
            }
            Failure::NotFound(error) => {
                let detail = self.not_found_detail(dir, specifier, &error);
                // Only the JSX transform adds imports at offset 0: a written
                // specifier always follows an `import`/`export` keyword.
                let here = if import.offset == 0 {
                    "imported by the compiled JSX; see jsxImportSource in tsconfig.json"
                } else {
                    "imported here"
                };
                return Err(at(&format!("cannot find module '{specifier}' ({here}); {detail}")));
            }
        };
        if !can_wait {
            return Err(at(&message));
        }
        self.warnings.push(at(&message));
        Ok(Err(message))
    }

    /// Where a static import was looked for, for its error message.
    fn not_found_detail(&self, dir: &Path, specifier: &str, error: &ResolveError) -> String {
        let not_found = matches!(error, ResolveError::NotFound(_) | ResolveError::ExtensionAlias(..));
        if not_found && resolve::is_path_specifier(specifier) {
            return format!("tried {}", resolve::probed_files(specifier).join(", "));
        }
        if not_found && !specifier.starts_with('#') {
            let candidates = resolve::node_modules_candidates(dir, specifier);
            if !candidates.iter().any(|c| c.exists()) {
                let shown: Vec<String> = candidates.iter().map(|c| module_name(&self.root, c)).collect();
                return format!("looked in: {}", shown.join(", "));
            }
        }
        error.to_string()
    }
}

/// Why an import did not resolve to a module.
enum Failure {
    Builtin(String),
    /// `nano:…`, `https://…`, `data:…`: not a file or a package.
    Scheme(String),
    /// A file outside the app's folder: a build reads only the app's own
    /// files, so one tenant's app cannot take in another's or the host's
    /// (a symbolic link out of it counts as outside).
    OutsideRoot(PathBuf),
    Unsupported(PathBuf),
    Ignored,
    NotFound(ResolveError),
}

/// The scheme of a specifier that is a URL (`nano:native`, `https://…`),
/// but not Node's `node:` prefix nor a Windows drive letter.
fn url_scheme(specifier: &str) -> Option<String> {
    let (scheme, _) = specifier.split_once(':')?;
    let valid = scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && scheme != "node").then(|| scheme.to_string())
}

/// The kind the extension (and for `.js`, package.json `"type"`) dictates;
/// `None` when the file's own syntax decides.
fn kind_hint(path: &Path, module_type: Option<ModuleType>) -> Option<Kind> {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "json" => Some(Kind::Json),
        "cjs" | "cts" => Some(Kind::CommonJs),
        "mjs" | "mts" | "ts" | "tsx" | "jsx" => Some(Kind::Esm),
        "js" => match module_type {
            Some(ModuleType::Module) => Some(Kind::Esm),
            Some(ModuleType::CommonJs) => Some(Kind::CommonJs),
            _ => None,
        },
        _ => None,
    }
}

fn is_typescript(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "ts" || e == "tsx" || e == "mts" || e == "cts")
}

fn has_module_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| MODULE_EXTENSIONS.contains(&e))
}
