//! Module resolution: `oxc_resolver` configured like the edge bundlers.
//!
//! Wrangler bundles Workers with esbuild, `platform: "browser"` and the
//! conditions `workerd`, `worker`, `browser`; nano follows that so packages
//! pick the same builds they pick on Cloudflare:
//!
//! * `import` / `import()` conditions:
//!   `["workerd", "worker", "browser", "import", "module", "default"]`.
//! * `require()` conditions: `["workerd", "worker", "browser", "require",
//!   "default"]`. Unlike esbuild we leave out `module`: esbuild can inline an
//!   ES module into a `require()` because it bundles, but nano keeps every
//!   module separate and `require()` is synchronous, so a `require()` should
//!   land on the CommonJS build the package author meant for it.
//! * main fields: `["browser", "module", "main"]` for imports (esbuild's
//!   browser default) and `["browser", "main"]` for `require()`, for the same
//!   reason as above. The object form of `browser` is an alias field.
//! * extensions: `.ts .tsx .mts .mjs .js .cjs .jsx .json`; in TypeScript
//!   files `./x.js` also finds `./x.ts` (TypeScript's own rule), but not in
//!   JavaScript files, where `./x.js` means exactly that file.
//! * `package.json` `exports` / `imports` (`#internal`), and tsconfig.json
//!   `paths`/`baseUrl` at the root.
//! * Node built-ins are reported as such (`ResolveError::Builtin`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxc_resolver::{
    ModuleType, ResolveOptions, Resolver, TsConfig, TsconfigDiscovery, TsconfigOptions, TsconfigReferences,
};

/// Conditions for `import` declarations and `import()`.
pub(crate) const IMPORT_CONDITIONS: &[&str] = &["workerd", "worker", "browser", "import", "module", "default"];
/// Conditions for `require()`.
pub(crate) const REQUIRE_CONDITIONS: &[&str] = &["workerd", "worker", "browser", "require", "default"];
/// Extensions probed, in order, for extension-less specifiers.
pub(crate) const EXTENSIONS: &[&str] = &[".ts", ".tsx", ".mts", ".mjs", ".js", ".cjs", ".jsx", ".json"];

/// How a specifier is used; decides conditions and main fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImportKind {
    /// `import … from`, `export … from`: must resolve at build time.
    Static,
    /// `import("literal")`: may fail at run time instead.
    Dynamic,
    /// `require("literal")` in a CommonJS module: may fail at run time.
    Require,
}

/// The resolvers of one build; they share one file-system cache.
pub(crate) struct Resolvers {
    import: Resolver,
    require: Resolver,
    import_ts: Resolver,
    require_ts: Resolver,
    tsconfig: Option<PathBuf>,
}

impl Resolvers {
    pub(crate) fn new(root: &Path) -> Self {
        let tsconfig = Some(root.join("tsconfig.json")).filter(|p| p.is_file());
        let import = Resolver::new(base_options(tsconfig.as_deref(), ImportKind::Static, false));
        let clone = |kind, ts| import.clone_with_options(base_options(tsconfig.as_deref(), kind, ts));
        let require = clone(ImportKind::Require, false);
        let import_ts = clone(ImportKind::Static, true);
        let require_ts = clone(ImportKind::Require, true);
        Self { import, require, import_ts, require_ts, tsconfig }
    }

    /// The resolver for `kind` imports written in a TypeScript file or not.
    pub(crate) fn pick(&self, kind: ImportKind, from_typescript: bool) -> &Resolver {
        match (kind, from_typescript) {
            (ImportKind::Require, false) => &self.require,
            (ImportKind::Require, true) => &self.require_ts,
            (_, false) => &self.import,
            (_, true) => &self.import_ts,
        }
    }

    /// Node's module type of `path` (by extension and the nearest
    /// package.json `"type"`); `None` for a `.js` file without a `"type"`.
    pub(crate) fn module_type(&self, path: &Path) -> Option<ModuleType> {
        let dir = path.parent()?;
        let resolved = self.import.resolve(dir, path.to_str()?).ok()?;
        resolved.module_type()
    }

    /// The root's tsconfig.json (with `extends` applied), if there is one.
    pub(crate) fn tsconfig(&self) -> Result<Option<Arc<TsConfig>>, String> {
        let Some(path) = &self.tsconfig else { return Ok(None) };
        self.import
            .resolve_tsconfig(path)
            .map(Some)
            .map_err(|e| format!("{}: {e}", super::location::display_path(path)))
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// Options shared by every resolver; see the module docs for the choices.
fn base_options(tsconfig: Option<&Path>, kind: ImportKind, from_typescript: bool) -> ResolveOptions {
    let require = kind == ImportKind::Require;
    ResolveOptions {
        tsconfig: tsconfig.map(|config_file| {
            TsconfigDiscovery::Manual(TsconfigOptions {
                config_file: config_file.to_path_buf(),
                references: TsconfigReferences::Disabled,
            })
        }),
        alias_fields: vec![vec!["browser".into()]],
        condition_names: strings(if require { REQUIRE_CONDITIONS } else { IMPORT_CONDITIONS }),
        extensions: strings(EXTENSIONS),
        extension_alias: if from_typescript { typescript_extension_alias() } else { vec![] },
        main_fields: strings(if require { &["browser", "main"] } else { &["browser", "module", "main"] }),
        main_files: vec!["index".into()],
        builtin_modules: true,
        module_type: true,
        node_path: false,
        ..ResolveOptions::default()
    }
}

/// TypeScript's rule: `./x.js` written in a `.ts` file means `./x.ts`.
fn typescript_extension_alias() -> Vec<(String, Vec<String>)> {
    let alias = |from: &str, to: &[&str]| (from.to_string(), strings(to));
    vec![
        alias(".js", &[".ts", ".tsx", ".js"]),
        alias(".jsx", &[".tsx", ".jsx"]),
        alias(".mjs", &[".mts", ".mjs"]),
        alias(".cjs", &[".cts", ".cjs"]),
    ]
}

/// The entry file of `path`: a file is its own entry; a directory or a
/// `package.json` names a package whose entry is its `exports["."]` (with the
/// import conditions), else `module`, else `main`, else `index.*`.
pub fn entry_of(path: &Path) -> Result<PathBuf, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("{shown}: {e}"))?;
    let dir = if meta.is_dir() {
        path.to_path_buf()
    } else if path.file_name().is_some_and(|n| n == "package.json") {
        path.parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        return Ok(path.to_path_buf());
    };
    let dir = dir.canonicalize().map_err(|e| format!("{shown}: {e}"))?;
    let has_exports = package_has_exports(&dir)?;
    let resolver = Resolver::new(ResolveOptions {
        condition_names: strings(IMPORT_CONDITIONS),
        extensions: strings(EXTENSIONS),
        // `exports` wins over the main fields, but oxc_resolver only consults
        // `exports` for a directory after the main fields, so leave them out
        // when there is an `exports`.
        main_fields: if has_exports { vec![] } else { strings(&["module", "main"]) },
        main_files: vec!["index".into()],
        allow_package_exports_in_directory_resolve: true,
        node_path: false,
        ..ResolveOptions::default()
    });
    match resolver.resolve(&dir, "./") {
        Ok(resolution) => Ok(resolution.into_path_buf()),
        Err(e) => Err(format!("{shown}: no entry point found (exports, module, main, index.*): {e}")),
    }
}

/// Whether `dir/package.json` exists and has an `exports` field.
fn package_has_exports(dir: &Path) -> Result<bool, String> {
    let file = dir.join("package.json");
    let Ok(text) = std::fs::read_to_string(&file) else { return Ok(false) };
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: invalid package.json: {e}", super::location::display_path(&file)))?;
    Ok(json.get("exports").is_some_and(|e| !e.is_null()))
}

/// The `node_modules/<package>` directories Node would look in for the bare
/// specifier `specifier` imported from a file in `dir`, nearest first.
pub(crate) fn node_modules_candidates(dir: &Path, specifier: &str) -> Vec<PathBuf> {
    let package = package_name(specifier);
    dir.ancestors()
        .filter(|d| d.file_name().is_none_or(|n| n != "node_modules"))
        .map(|d| d.join("node_modules").join(package))
        .collect()
}

/// `@scope/name/sub` → `@scope/name`; `name/sub` → `name`.
fn package_name(specifier: &str) -> &str {
    let mut slashes = specifier.match_indices('/');
    let end = if specifier.starts_with('@') { slashes.nth(1) } else { slashes.next() };
    end.map_or(specifier, |(i, _)| &specifier[..i])
}

/// Whether `specifier` is a path (`./x`, `../x`, `/x`) rather than a package.
pub(crate) fn is_path_specifier(specifier: &str) -> bool {
    specifier == "."
        || specifier == ".."
        || specifier.starts_with("./")
        || specifier.starts_with("../")
        || specifier.starts_with('/')
}

/// The files a relative specifier may name, in probing order, for messages.
pub(crate) fn probed_files(specifier: &str) -> Vec<String> {
    let base = specifier.trim_end_matches('/');
    let mut tried = vec![specifier.to_string()];
    tried.extend(EXTENSIONS.iter().map(|ext| format!("{base}{ext}")));
    tried.extend(EXTENSIONS.iter().map(|ext| format!("{base}/index{ext}")));
    tried
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names() {
        assert_eq!(package_name("hono"), "hono");
        assert_eq!(package_name("hono/jsx/jsx-runtime"), "hono");
        assert_eq!(package_name("@scope/pkg/sub"), "@scope/pkg");
        assert_eq!(package_name("@scope/pkg"), "@scope/pkg");
    }
}
