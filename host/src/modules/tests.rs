//! The graph on real files: fixtures written into unique temp directories.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{build, entry_of, Graph, Kind, Module, Options, SourceMaps};

struct Fixture {
    dir: PathBuf,
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let unique = format!("scratch-graph-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
        let dir = std::env::temp_dir().join(unique);
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Self { dir: dir.canonicalize().unwrap() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn build(&self, entry: &str) -> Result<Graph, String> {
        build(&self.path(entry), &Options::default())
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn module<'g>(graph: &'g Graph, name: &str) -> &'g Module {
    let names: Vec<&str> = graph.modules.iter().map(|m| m.name.as_str()).collect();
    graph.modules.iter().find(|m| m.name == name).unwrap_or_else(|| panic!("no {name} in {names:?}"))
}

fn resolved<'m>(module: &'m Module, specifier: &str) -> &'m Result<String, String> {
    let import = module.imports.iter().find(|i| i.specifier == specifier);
    &import.unwrap_or_else(|| panic!("{specifier} not in {:?}", module.imports)).resolved
}

fn ok(name: &str) -> Result<String, String> {
    Ok(name.to_string())
}

const ROOT_PKG: (&str, &str) = ("package.json", r#"{"name":"app","private":true}"#);

#[test]
fn package_exports_pick_workerd_nested_and_subpaths() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        (
            "src/index.ts",
            "import a from 'pkg';\nimport b from 'pkg/sub';\nimport c from 'pkg/deep';\nexport default [a, b, c];\n",
        ),
        (
            "node_modules/pkg/package.json",
            r#"{"name":"pkg","exports":{
                ".":{"node":"./node.js","workerd":"./workerd.js","default":"./default.js"},
                "./sub":{"require":"./sub.cjs","import":{"browser":"./sub-browser.js","default":"./sub.js"}},
                "./deep":{"node":"./deep-node.js","default":"./deep.js"}}}"#,
        ),
        ("node_modules/pkg/node.js", "export default 'node';\n"),
        ("node_modules/pkg/workerd.js", "export default 'workerd';\n"),
        ("node_modules/pkg/default.js", "export default 'default';\n"),
        ("node_modules/pkg/sub-browser.js", "export default 'sub-browser';\n"),
        ("node_modules/pkg/sub.js", "export default 'sub';\n"),
        ("node_modules/pkg/sub.cjs", "module.exports = 'sub';\n"),
        ("node_modules/pkg/deep.js", "export default 'deep';\n"),
    ]);
    let graph = fx.build("src/index.ts").unwrap();
    assert_eq!(graph.root, fx.dir);
    let entry = &graph.modules[0];
    assert_eq!(entry.name, "src/index.ts");
    assert_eq!(resolved(entry, "pkg"), &ok("node_modules/pkg/workerd.js"));
    assert_eq!(resolved(entry, "pkg/sub"), &ok("node_modules/pkg/sub-browser.js"));
    assert_eq!(resolved(entry, "pkg/deep"), &ok("node_modules/pkg/deep.js"));
    assert_eq!(module(&graph, "node_modules/pkg/workerd.js").kind, Kind::Esm);
    assert_eq!(graph.modules.len(), 4);
}

#[test]
fn package_imports_index_probing_ts_js_and_json() {
    let fx = Fixture::new(&[
        ("package.json", r##"{"name":"app","type":"module","imports":{"#internal":"./src/internal.ts"}}"##),
        (
            "src/index.ts",
            "import i from '#internal';\nimport d from './dir';\nimport u from './util';\nimport x from './x.js';\nimport data from './data.json';\nexport default [i, d, u, x, data];\n",
        ),
        ("src/internal.ts", "export default 1;\n"),
        ("src/dir/index.ts", "export default 2;\n"),
        ("src/util.mjs", "export default 3;\n"),
        ("src/x.ts", "export default 4;\n"),
        ("src/data.json", "{\"a\": [1, 2]}\n"),
    ]);
    let graph = fx.build("src/index.ts").unwrap();
    let entry = &graph.modules[0];
    assert_eq!(resolved(entry, "#internal"), &ok("src/internal.ts"));
    assert_eq!(resolved(entry, "./dir"), &ok("src/dir/index.ts"));
    assert_eq!(resolved(entry, "./util"), &ok("src/util.mjs"));
    assert_eq!(resolved(entry, "./x.js"), &ok("src/x.ts"));
    assert_eq!(resolved(entry, "./data.json"), &ok("src/data.json"));
    let json = module(&graph, "src/data.json");
    assert_eq!(json.kind, Kind::Json);
    assert_eq!(json.source, "{\"a\": [1, 2]}\n");
    assert!(json.source_map.is_none());
    let util = module(&graph, "src/util.mjs");
    assert_eq!(util.source, "export default 3;\n", "plain JS passes through");
    assert!(util.source_map.is_none());
}

#[test]
fn commonjs_package_and_its_requires() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("src/index.ts", "import lib from 'cjs-lib';\nexport default lib;\n"),
        ("node_modules/cjs-lib/package.json", r#"{"name":"cjs-lib","main":"index.js"}"#),
        (
            "node_modules/cjs-lib/index.js",
            "const sibling = require('./sibling');\nconst lazy = () => require(`./lazy.js`);\nmodule.exports = { sibling, lazy };\n",
        ),
        (
            "node_modules/cjs-lib/sibling.js",
            "function load(require) { return require('not-collected'); }\nmodule.exports = load;\n",
        ),
        ("node_modules/cjs-lib/lazy.js", "if (typeof x === 'undefined') return;\nexports.lazy = true;\n"),
    ]);
    let graph = fx.build("src/index.ts").unwrap();
    let index = module(&graph, "node_modules/cjs-lib/index.js");
    assert_eq!(index.kind, Kind::CommonJs);
    assert_eq!(resolved(index, "./sibling"), &ok("node_modules/cjs-lib/sibling.js"));
    assert_eq!(resolved(index, "./lazy.js"), &ok("node_modules/cjs-lib/lazy.js"));
    let sibling = module(&graph, "node_modules/cjs-lib/sibling.js");
    assert_eq!(sibling.kind, Kind::CommonJs);
    assert!(sibling.imports.is_empty(), "a local `require` is not an import: {:?}", sibling.imports);
    assert_eq!(module(&graph, "node_modules/cjs-lib/lazy.js").kind, Kind::CommonJs);
    assert!(graph.warnings.is_empty(), "{:?}", graph.warnings);
    // Named exports, as Node finds them: the object literal's keys.
    assert_eq!(index.named_exports, ["sibling", "lazy"]);
    assert_eq!(module(&graph, "node_modules/cjs-lib/lazy.js").named_exports, ["lazy"]);
}

#[test]
fn reexported_names_follow_require_chains_and_cycles() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("index.js", "import { a, b, c } from 're';\nexport default { a, b, c };\n"),
        ("node_modules/re/package.json", r#"{"name":"re","main":"index.js"}"#),
        ("node_modules/re/index.js", "module.exports = require('./impl.js');\n"),
        ("node_modules/re/impl.js", "exports.a = 1;\n__exportStar(require('./more.js'), exports);\n"),
        ("node_modules/re/more.js", "exports.b = 2;\nexports.c = 3;\nmodule.exports = require('./index.js');\n"),
    ]);
    let graph = fx.build("index.js").unwrap();
    let names = |name: &str| {
        let mut names = module(&graph, name).named_exports.clone();
        names.sort();
        names
    };
    assert_eq!(names("node_modules/re/index.js"), ["a", "b", "c"]);
    assert_eq!(names("node_modules/re/more.js"), ["a", "b", "c"]);
    assert!(module(&graph, "index.js").named_exports.is_empty(), "only CommonJS modules have them");
}

#[test]
fn circular_imports_visit_each_file_once() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("a.ts", "import { b } from './b';\nexport const a = () => b;\n"),
        ("b.ts", "import { a } from './a';\nexport const b = () => a;\n"),
    ]);
    let graph = fx.build("a.ts").unwrap();
    assert_eq!(graph.modules.len(), 2);
    assert_eq!(resolved(&graph.modules[0], "./b"), &ok("b.ts"));
    assert_eq!(resolved(&graph.modules[1], "./a"), &ok("a.ts"));
}

#[test]
fn missing_relative_module_lists_the_files_tried() {
    let fx = Fixture::new(&[ROOT_PKG, ("src/index.ts", "// comment\n\nimport x from './nope';\nexport default x;\n")]);
    let error = fx.build("src/index.ts").unwrap_err();
    assert!(
        error.ends_with(
            "src/index.ts:3:15: cannot find module './nope' (imported here); tried ./nope, ./nope.ts, ./nope.tsx, ./nope.mts, ./nope.mjs, ./nope.js, ./nope.cjs, ./nope.jsx, ./nope.json, ./nope/index.ts, ./nope/index.tsx, ./nope/index.mts, ./nope/index.mjs, ./nope/index.js, ./nope/index.cjs, ./nope/index.jsx, ./nope/index.json"
        ),
        "{error}"
    );
}

#[test]
fn missing_package_lists_node_modules_dirs() {
    let fx = Fixture::new(&[ROOT_PKG, ("src/index.ts", "export * from 'foo/bar';\n")]);
    let error = fx.build("src/index.ts").unwrap_err();
    assert!(
        error.contains(
            "src/index.ts:1:15: cannot find module 'foo/bar' (imported here); looked in: src/node_modules/foo, node_modules/foo, ../node_modules/foo, "
        ),
        "{error}"
    );
}

#[test]
fn static_import_of_node_builtin_is_a_build_error() {
    let fx = Fixture::new(&[ROOT_PKG, ("index.mjs", "import fs from 'fs';\nexport default fs;\n")]);
    let error = fx.build("index.mjs").unwrap_err();
    assert!(error.ends_with("index.mjs:1:16: Node's built-in module 'node:fs' is not available in nano"), "{error}");
}

#[test]
fn require_or_import_of_missing_or_builtin_fails_at_run_time() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        (
            "index.mjs",
            "import lib from './lib.cjs';\nexport const later = () => import('gone');\nexport default lib;\n",
        ),
        (
            "lib.cjs",
            "let fs;\ntry { fs = require('node:fs'); } catch {}\ntry { require('missing'); } catch {}\nmodule.exports = fs;\n",
        ),
    ]);
    let graph = fx.build("index.mjs").unwrap();
    let lib = module(&graph, "lib.cjs");
    assert_eq!(lib.kind, Kind::CommonJs);
    assert_eq!(resolved(lib, "node:fs"), &Err("Node's built-in module 'node:fs' is not available in nano".to_string()));
    assert_eq!(resolved(lib, "missing"), &Err("cannot find module 'missing' from lib.cjs".to_string()));
    assert_eq!(resolved(&graph.modules[0], "gone"), &Err("cannot find module 'gone' from index.mjs".to_string()));
    assert_eq!(graph.warnings.len(), 3, "{:?}", graph.warnings);
    assert!(graph.warnings.iter().any(|w| w.ends_with("lib.cjs:3:15: cannot find module 'missing' from lib.cjs")));
    assert!(graph.warnings.iter().any(|w| w.ends_with("index.mjs:2:35: cannot find module 'gone' from index.mjs")));
}

#[test]
fn typescript_enums_type_imports_and_jsx_import_source_from_tsconfig() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("tsconfig.json", r#"{"compilerOptions":{"jsx":"react-jsx","jsxImportSource":"hono/jsx"}}"#),
        (
            "src/index.tsx",
            "import { Props } from './types';\nimport type { Other } from './other';\nenum Color { Red, Green = 'g' }\nconst View = (p: Props): unknown => <div class=\"x\">{p.name}</div>;\nexport default { Color, View };\n",
        ),
        ("src/types.ts", "export interface Props { name: string }\n"),
        (
            "node_modules/hono/package.json",
            r#"{"name":"hono","type":"module","exports":{"./jsx/jsx-runtime":"./dist/jsx-runtime.js"}}"#,
        ),
        ("node_modules/hono/dist/jsx-runtime.js", "export const jsx = () => null;\n"),
    ]);
    let graph = fx.build("src/index.tsx").unwrap();
    let entry = &graph.modules[0];
    assert_eq!(entry.kind, Kind::Esm);
    let specifiers: Vec<&str> = entry.imports.iter().map(|i| i.specifier.as_str()).collect();
    assert_eq!(specifiers, ["hono/jsx/jsx-runtime"], "type-only imports are gone");
    assert_eq!(resolved(entry, "hono/jsx/jsx-runtime"), &ok("node_modules/hono/dist/jsx-runtime.js"));
    assert!(!entry.source.contains("./types") && !entry.source.contains(": Props"), "{}", entry.source);
    assert!(entry.source.contains("Color[Color[\"Red\"] = 0] = \"Red\""), "{}", entry.source);
    let map: serde_json::Value = serde_json::from_str(entry.source_map.as_deref().unwrap()).unwrap();
    assert_eq!(map["sources"][0], "src/index.tsx");
    assert!(map["sourcesContent"][0].as_str().unwrap().contains("enum Color"));
    assert_eq!(graph.modules.len(), 2);
}

#[test]
fn jsx_import_source_option_overrides_tsconfig() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("tsconfig.json", r#"{"compilerOptions":{"jsxImportSource":"hono/jsx"}}"#),
        ("index.jsx", "export default <p />;\n"),
        ("node_modules/preact/package.json", r#"{"name":"preact","exports":{"./jsx-runtime":"./jsx.mjs"}}"#),
        ("node_modules/preact/jsx.mjs", "export const jsx = 1;\n"),
    ]);
    let options = Options { jsx_import_source: Some("preact".into()), ..Options::default() };
    let graph = build(&fx.path("index.jsx"), &options).unwrap();
    assert_eq!(resolved(&graph.modules[0], "preact/jsx-runtime"), &ok("node_modules/preact/jsx.mjs"));
}

#[test]
fn syntax_error_in_typescript_is_located() {
    let fx = Fixture::new(&[ROOT_PKG, ("src/index.ts", "const a: number = 1;\nconst b = (a +;\n")]);
    let error = fx.build("src/index.ts").unwrap_err();
    assert!(error.contains("src/index.ts:2:15: "), "{error}");
}

#[test]
fn remaps_stack_lines_to_the_original_typescript() {
    let source = "interface Options {\n  name: string;\n  retries: number;\n}\n\nexport function fail(\n  options: Options,\n  extra: Record<string, unknown> = {},\n): never {\n  const message: string = `boom ${options.name}`;\n  throw new Error(message);\n}\n";
    let fx = Fixture::new(&[ROOT_PKG, ("src/index.ts", source)]);
    let graph = fx.build("src/index.ts").unwrap();
    let entry = &graph.modules[0];
    let (line, text) = entry.source.lines().enumerate().find(|(_, l)| l.contains("throw")).unwrap();
    let col = text.find("throw").unwrap() + 1;
    assert_ne!(line + 1, 11, "types must have moved the throw: {}", entry.source);
    let maps =
        SourceMaps::new(graph.modules.iter().filter_map(|m| Some((m.name.clone(), m.source_map.clone()?)))).unwrap();
    assert!(!maps.is_empty());
    let stack = format!(
        "src/index.ts:{l}:{col}: Error: boom\n    at fail (src/index.ts:{l}:{col})\n    at src/index.ts:{l}:1\n    at other (lib.js:1:1)\n",
        l = line + 1
    );
    assert_eq!(
        maps.remap(&stack),
        "src/index.ts:11:3: Error: boom\n    at fail (src/index.ts:11:3)\n    at src/index.ts:11:3\n    at other (lib.js:1:1)\n"
    );
}

#[test]
fn entry_of_directories_and_package_json() {
    let fx = Fixture::new(&[
        ("main/package.json", r#"{"name":"m","main":"lib/start.js"}"#),
        ("main/lib/start.js", "addEventListener('fetch', () => {});\n"),
        (
            "exp/package.json",
            r#"{"name":"e","main":"wrong.js","module":"wrong.mjs","exports":{".":{"workerd":"./src/worker.ts","default":"./src/node.ts"}}}"#,
        ),
        ("exp/src/worker.ts", "export default {};\n"),
        ("idx/index.ts", "export default {};\n"),
        ("none/package.json", r#"{"name":"none"}"#),
    ]);
    assert_eq!(entry_of(&fx.path("main")).unwrap(), fx.path("main/lib/start.js"));
    assert_eq!(entry_of(&fx.path("exp/package.json")).unwrap(), fx.path("exp/src/worker.ts"));
    assert_eq!(entry_of(&fx.path("idx")).unwrap(), fx.path("idx/index.ts"));
    assert_eq!(entry_of(&fx.path("idx/index.ts")).unwrap(), fx.path("idx/index.ts"));
    assert!(entry_of(&fx.path("none")).is_err());

    let graph = build(&entry_of(&fx.path("main")).unwrap(), &Options::default()).unwrap();
    assert_eq!(graph.root, fx.path("main"));
    assert_eq!(graph.modules[0].name, "lib/start.js");
    assert_eq!(graph.modules[0].kind, Kind::Script, "a .js entry without import/export is a classic script");
}

#[test]
fn module_limit_is_enforced() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("a.js", "import './b.js';\nexport {};\n"),
        ("b.js", "import './c.js';\n"),
        ("c.js", "export {};\n"),
    ]);
    assert_eq!(fx.build("a.js").unwrap().modules.len(), 3);
    let options = Options { max_modules: 2, ..Options::default() };
    let error = build(&fx.path("a.js"), &options).unwrap_err();
    assert!(error.ends_with("b.js:1:8: too many modules: the app has more than 2 (max_modules)"), "{error}");
    let options = Options { max_file_bytes: 5, ..Options::default() };
    assert!(build(&fx.path("a.js"), &options).unwrap_err().contains("max_file_bytes"));
}

#[test]
fn js_kind_follows_package_type_then_syntax() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("index.js", "import a from 'typed-cjs';\nimport b from 'untyped';\nexport default [a, b];\n"),
        ("node_modules/typed-cjs/package.json", r#"{"name":"typed-cjs","type":"commonjs","main":"i.js"}"#),
        ("node_modules/typed-cjs/i.js", "module.exports = 1;\n"),
        ("node_modules/untyped/package.json", r#"{"name":"untyped","module":"esm.js","main":"cjs.js"}"#),
        ("node_modules/untyped/esm.js", "export default 2;\n"),
    ]);
    let graph = fx.build("index.js").unwrap();
    assert_eq!(graph.modules[0].kind, Kind::Esm);
    assert_eq!(module(&graph, "node_modules/typed-cjs/i.js").kind, Kind::CommonJs);
    assert_eq!(module(&graph, "node_modules/untyped/esm.js").kind, Kind::Esm);
    assert!(graph.source_bytes > 0);
}

#[test]
fn module_names_never_start_with_nano() {
    let fx =
        Fixture::new(&[ROOT_PKG, ("index.js", "import './nano:x.js';\nexport {};\n"), ("nano:x.js", "export {};\n")]);
    let graph = fx.build("index.js").unwrap();
    assert_eq!(resolved(&graph.modules[0], "./nano:x.js"), &ok("./nano:x.js"));
}

#[test]
fn browser_field_and_tsconfig_paths() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("tsconfig.json", r#"{"compilerOptions":{"baseUrl":".","paths":{"@lib/*":["src/lib/*"]}}}"#),
        ("src/index.ts", "import a from '@lib/a';\nimport b from 'dual';\nexport default [a, b];\n"),
        ("src/lib/a.ts", "export default 1;\n"),
        (
            "node_modules/dual/package.json",
            r#"{"name":"dual","main":"node.js","browser":{"./node.js":"./browser.js","./fs-helper.js":false}}"#,
        ),
        ("node_modules/dual/browser.js", "const h = require('./fs-helper.js');\nmodule.exports = h;\n"),
        ("node_modules/dual/node.js", "module.exports = 'node';\n"),
        ("node_modules/dual/fs-helper.js", "module.exports = require('fs');\n"),
    ]);
    let graph = fx.build("src/index.ts").unwrap();
    let entry = &graph.modules[0];
    assert_eq!(resolved(entry, "@lib/a"), &ok("src/lib/a.ts"));
    assert_eq!(resolved(entry, "dual"), &ok("node_modules/dual/browser.js"));
    let browser = module(&graph, "node_modules/dual/browser.js");
    assert!(resolved(browser, "./fs-helper.js").as_ref().unwrap_err().contains("\"browser\" field"));
    assert_eq!(graph.warnings.len(), 1, "{:?}", graph.warnings);
}

#[test]
fn invalid_json_is_located() {
    let fx = Fixture::new(&[
        ROOT_PKG,
        ("index.mjs", "import d from './d.json';\nexport default d;\n"),
        ("d.json", "{\n  \"a\": 1,\n}\n"),
    ]);
    let error = fx.build("index.mjs").unwrap_err();
    assert!(error.contains("d.json:3:1: invalid JSON"), "{error}");
}

#[test]
fn files_outside_the_app_folder_are_not_read() {
    let fx = Fixture::new(&[
        ("app/package.json", "{}"),
        ("app/index.js", "import secret from '../secret.json';\nexport default secret;\n"),
        ("secret.json", r#"{"token":"x"}"#),
    ]);
    let err = fx.build("app/index.js").unwrap_err();
    assert!(err.contains("index.js:1:20: cannot import '../secret.json'"), "{err}");
    assert!(err.contains("outside the app's folder"), "{err}");
    // Not through a symbolic link either.
    std::os::unix::fs::symlink(fx.path("secret.json"), fx.path("app/linked.json")).unwrap();
    std::fs::write(fx.path("app/index.js"), "import secret from './linked.json';\nexport default secret;\n").unwrap();
    let err = fx.build("app/index.js").unwrap_err();
    assert!(err.contains("outside the app's folder"), "{err}");
}
