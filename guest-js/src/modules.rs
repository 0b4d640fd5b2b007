//! The app's own modules (`nano:platform/modules`): each declared under its
//! name, each of its imports resolved as the host resolved it at build time.
//! Nothing is searched for here: a module the host did not find does not
//! exist. A CommonJS or JSON module is seen from ES modules through a small
//! wrapper module whose default export is its `module.exports` (commonjs.rs).

use crate::nano::platform::modules::{self as wit, ModuleKind};
use rquickjs::module::Declared;
use rquickjs::{Ctx, Function, Module};
use std::cell::RefCell;
use std::collections::HashMap;

pub struct AppModule {
    pub kind: ModuleKind,
    /// Until the module is declared (or, for CommonJS and JSON, run): then
    /// only its compiled form is kept, in the JS heap.
    pub source: Option<String>,
    imports: HashMap<String, Result<String, String>>,
    named_exports: Vec<String>,
}

thread_local! {
    /// Kept for the instance's life (so in the snapshot): a module loaded
    /// only by a dynamic `import()` or a late `require()` is declared at
    /// request time from here.
    static APP: RefCell<HashMap<String, AppModule>> = RefCell::new(HashMap::new());
}

/// The entry of the app or script the host gave (`modules.graph`).
pub struct Entry {
    pub name: String,
    pub kind: ModuleKind,
}

/// Takes the host's module graph into the instance; None when there is none.
pub fn take_graph() -> Option<Entry> {
    let graph = wit::graph();
    let entry = graph.first().map(|m| Entry { name: m.name.clone(), kind: m.kind })?;
    APP.with(|app| {
        let mut app = app.borrow_mut();
        for module in graph {
            let imports = module.imports.into_iter().map(|i| (i.specifier, i.resolved)).collect();
            let entry = AppModule {
                kind: module.kind,
                source: Some(module.source),
                imports,
                named_exports: module.named_exports,
            };
            app.insert(module.name, entry);
        }
    });
    Some(entry)
}

pub fn is_app_module(name: &str) -> bool {
    APP.with(|app| app.borrow().contains_key(name))
}

/// What `specifier` names when `base` imports it: None when `base` is not
/// one of the app's modules; Err with the reason when it names nothing.
pub fn resolve(base: &str, specifier: &str) -> Option<Result<String, String>> {
    APP.with(|app| {
        let app = app.borrow();
        let module = app.get(base)?;
        Some(match module.imports.get(specifier) {
            Some(resolved) => resolved.clone(),
            None => Err(format!(
                "cannot find module '{specifier}' imported by {base}: only specifiers written as string literals are resolved at build time"
            )),
        })
    })
}

/// Runs `f` on the app's module `name`.
pub fn with_module<R>(name: &str, f: impl FnOnce(&mut AppModule) -> R) -> Option<R> {
    APP.with(|app| app.borrow_mut().get_mut(name).map(f))
}

/// The source of a script entry (a classic script is evaluated, not declared).
pub fn take_source(name: &str) -> Option<String> {
    with_module(name, |m| m.source.take()).flatten()
}

/// Declares the app's module `name` (the loader's half for app modules).
pub fn declare<'js>(ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Module<'js, Declared>> {
    let missing = || rquickjs::Error::new_loading_message(name, "not one of the app's modules");
    let (kind, named_exports) = with_module(name, |m| (m.kind, m.named_exports.clone())).ok_or_else(missing)?;
    let module = match kind {
        ModuleKind::Esm | ModuleKind::Script => {
            let source = take_source(name)
                .ok_or_else(|| rquickjs::Error::new_loading_message(name, "the module was declared before"))?;
            Module::declare(ctx.clone(), name, source)?
        }
        ModuleKind::Commonjs | ModuleKind::Json => {
            let module = Module::declare(ctx.clone(), name, wrapper_source(&named_exports))?;
            // Only this wrapper's own `import.meta` holds the way in.
            let owner = name.to_string();
            let exports = Function::new(ctx.clone(), move |ctx: Ctx<'js>| crate::commonjs::load(&ctx, &owner))?;
            module.meta()?.set("nanoCommonJsExports", exports)?;
            module
        }
    };
    module.meta()?.set("url", url_of(name))?;
    Ok(module)
}

/// `import.meta.url`: the module's path under the app's root as a file URL,
/// as Deno Deploy shows it (the host's own paths are not the app's business).
fn url_of(name: &str) -> String {
    format!("file:///{}", name.trim_start_matches("./"))
}

/// The ES module an import of a CommonJS (or JSON) module sees: its
/// `module.exports` as the default export, as Node does, and each named
/// export the host found in it statically. The module runs when the wrapper
/// is evaluated, so at its place in the ES module evaluation order.
fn wrapper_source(named_exports: &[String]) -> String {
    let mut source = String::from("const m = import.meta.nanoCommonJsExports();\nexport default m;\n");
    let names: Vec<&String> =
        named_exports.iter().filter(|n| n.as_str() != "default" && is_identifier_name(n)).collect();
    if !names.is_empty() {
        let bindings: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("\"{n}\": e{i}")).collect();
        let exports: Vec<String> = names.iter().enumerate().map(|(i, n)| format!("e{i} as {n}")).collect();
        source.push_str(&format!(
            "const {{ {} }} = m ?? {{}};\nexport {{ {} }};\n",
            bindings.join(", "),
            exports.join(", ")
        ));
    }
    source
}

/// An ASCII IdentifierName: what can follow `as` in an export clause.
fn is_identifier_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrappers_export_only_names_an_export_clause_can_hold() {
        let names = ["a", "default", "b-c", "$x", "delete", "9z"].map(String::from);
        let source = wrapper_source(&names);
        assert!(source.contains("\"a\": e0, \"$x\": e1, \"delete\": e2"), "{source}");
        assert!(source.contains("export { e0 as a, e1 as $x, e2 as delete }"), "{source}");
        assert_eq!(wrapper_source(&[]), "const m = import.meta.nanoCommonJsExports();\nexport default m;\n");
    }

    #[test]
    fn urls_name_the_path_under_the_root() {
        assert_eq!(url_of("src/index.ts"), "file:///src/index.ts");
        assert_eq!(url_of("./nano:x.js"), "file:///nano:x.js");
    }
}
