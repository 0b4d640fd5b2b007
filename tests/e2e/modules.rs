//! Apps as people write them: many modules, TypeScript and JSX, npm
//! packages (ES modules and CommonJS) from node_modules, built with no
//! other tool than nano; errors at the source line.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Writes `files` (path, text) under `dir`.
fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A copy of an example project (without its node_modules), its npm
/// dependencies installed from the registry into the copy.
fn example_with_dependencies(name: &str) -> PathBuf {
    let dir = scratch(&format!("example-{name}"));
    let source = repo_root().join("examples").join(name);
    for entry in walk(&source) {
        let relative = entry.strip_prefix(&source).unwrap();
        if relative.starts_with("node_modules") {
            continue;
        }
        let target = dir.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, &target).unwrap();
    }
    let out = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--no-package-lock"])
        .current_dir(&dir)
        .output()
        .expect("running npm (the test installs the example's dependencies from the npm registry)");
    assert!(out.status.success(), "npm install failed:\n{}{}", text(&out.stdout), text(&out.stderr));
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_typescript_hono_app_from_npm_builds_and_serves() {
    let dir = example_with_dependencies("ts-hono");
    // As the README says: the manifest names src/index.ts, nothing else is run.
    let server = Server::start(&dir.join("nano.toml"));

    let page = server.get("/");
    assert_eq!(page.status, 200, "{}", server.log());
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    let html = page.text();
    assert!(html.contains("<title>nano + Hono</title>") && html.contains("<h1>Hello from nano + Hono</h1>"), "{html}");
    assert!(html.contains("<li>TypeScript</li><li>JSX</li><li>npm</li>"), "{html}");
    // Middleware of the app's own module, on every response.
    assert_eq!(page.header("x-handled-by"), Some("nano"));
    assert!(page.header("server-timing").unwrap().starts_with("app;dur="));

    let list = server.request("GET", "/api/users", &[("origin", "https://example.com")], b"");
    assert_eq!(list.status, 200);
    assert_eq!(list.text(), r#"[{"id":1,"name":"Ada","roles":["admin"]},{"id":2,"name":"Grace","roles":["reader"]}]"#);
    assert_eq!(list.header("access-control-allow-origin"), Some("https://example.com"));
    assert_eq!(server.get("/api/users/2").text(), r#"{"id":2,"name":"Grace","roles":["reader"]}"#);
    let missing = server.get("/api/users/9");
    assert_eq!((missing.status, missing.text().as_str()), (404, r#"{"error":"no such user"}"#));
    let created = server.request("POST", "/api/users", &[("content-type", "application/json")], br#"{"name":"Linus"}"#);
    assert_eq!((created.status, created.text().as_str()), (201, r#"{"id":3,"name":"Linus","roles":["reader"]}"#));
    let bad = server.request("POST", "/api/users", &[("content-type", "application/json")], br#"{"name":7}"#);
    assert_eq!(bad.status, 400);

    let feed = server.get("/feed?n=5");
    assert_eq!(feed.status, 200);
    assert_eq!(feed.header("transfer-encoding"), Some("chunked"), "a streamed response has no length up front");
    assert_eq!(feed.text(), "event 1\nevent 2\nevent 3\nevent 4\nevent 5\n");

    let failed = server.get("/api/users/boom/now");
    assert_eq!((failed.status, failed.text().as_str()), (500, r#"{"error":"users route failed"}"#));
    let nowhere = server.get("/nope");
    assert_eq!((nowhere.status, nowhere.text().as_str()), (404, r#"{"error":"no route for /nope"}"#));

    // `run src/index.ts` and `build src/index.ts` take the entry itself.
    drop(server);
    let server = Server::start(&dir.join("src/index.ts"));
    assert_eq!(server.get("/api/users/1").text(), r#"{"id":1,"name":"Ada","roles":["admin"]}"#);
    let out = nano().arg("build").arg(dir.join("src/index.ts")).arg("-o").arg(dir.join("app.wasm")).output().unwrap();
    let said = text(&out.stderr);
    assert!(out.status.success(), "{said}");
    // What the build included: modules (Hono's from node_modules), source size.
    let summary = regex_lite(&said);
    assert!(summary.0 >= 20 && summary.1 >= 15, "{said}");
}

/// (modules, modules from node_modules) in `built … : N modules (M from node_modules)`.
fn regex_lite(said: &str) -> (usize, usize) {
    let at = said.find(" modules (").unwrap_or_else(|| panic!("no summary in {said}"));
    let modules: usize = said[..at].rsplit(' ').next().unwrap().parse().unwrap();
    let rest = &said[at + " modules (".len()..];
    let packages: usize = rest.split(' ').next().unwrap().parse().unwrap();
    (modules, packages)
}

/// A TypeScript app whose handler throws: the logged stack points at the
/// `.ts` line, not at the compiled JavaScript's.
const THROWING_APP: &str = r#"interface Options {
  readonly verbose: boolean;
  readonly depth: number;
}

type Answer =
  | { kind: 'ok'; value: number }
  | { kind: 'error'; message: string };

function compute(options: Options): Answer {
  if (options.depth > 2) {
    throw new Error(`too deep: ${options.depth}`);
  }
  return { kind: 'ok', value: options.depth };
}

export default {
  fetch(request: Request): Response {
    const depth = Number(new URL(request.url).searchParams.get('depth') ?? 0);
    const answer = compute({ verbose: false, depth } satisfies Options);
    return Response.json(answer);
  },
};
"#;

#[test]
fn stacks_and_build_errors_point_at_the_typescript_source() {
    let dir = scratch("ts-stacks");
    write_tree(&dir, &[("src/index.ts", THROWING_APP), ("package.json", r#"{"type":"module"}"#)]);
    let server = Server::start(&dir.join("src/index.ts"));
    assert_eq!(server.get("/?depth=1").text(), r#"{"kind":"ok","value":1}"#);
    assert_eq!(server.get("/?depth=5").status, 500);
    let log = server.wait_for_log("too deep: 5");
    // `throw` is on line 12 of the TypeScript file, column 11; `compute(...)` on line 20.
    assert!(log.contains("src/index.ts:12:"), "{log}");
    assert!(log.contains("src/index.ts:20:"), "{log}");
    drop(server);

    // A type-stripping error, and a syntax error, at their file:line:col.
    write_tree(&dir, &[("src/index.ts", "import { helper } from './helper.ts';\nexport default { fetch: helper };\n")]);
    write_tree(&dir, &[("src/helper.ts", "export function helper(): Response {\n  let x: number = ;\n}\n")]);
    let out = nano().arg("build").arg(dir.join("src/index.ts")).output().unwrap();
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("src/helper.ts:2:19:"), "{said}");

    // A top-level throw at build time, in a TypeScript module: its line.
    write_tree(&dir, &[("src/helper.ts", "type T = {\n  a: string;\n};\nexport const helper = (): never => {\n  throw new Error('x');\n};\nthrow new Error('at build time');\n")]);
    let out = nano().arg("build").arg(dir.join("src/index.ts")).output().unwrap();
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("src/helper.ts:7:") && said.contains("at build time"), "{said}");
}

#[test]
fn a_missing_module_is_a_build_error_at_the_import() {
    let dir = scratch("missing-module");
    write_tree(
        &dir,
        &[
            ("package.json", "{}"),
            ("app.js", "import { a } from './a.js';\nexport default { fetch: () => new Response(a) };\n"),
            ("a.js", "// the helper\nimport left from 'left-pad';\nexport const a = left;\n"),
        ],
    );
    let out = nano().arg("build").arg(dir.join("app.js")).output().unwrap();
    let said = text(&out.stderr);
    assert!(!out.status.success());
    assert!(said.contains("a.js:2:18: cannot find module 'left-pad'"), "{said}");
    assert!(said.contains("node_modules/left-pad"), "the places searched: {said}");
}

/// One module graph, run by Node and by nano: the same evaluation order,
/// CommonJS interop (default import = module.exports, named exports found
/// statically, require() of JSON and of a sibling, cycles), JSON modules
/// and import.meta.
const GRAPH: &[(&str, &str)] = &[
    ("package.json", r##"{ "name": "graph", "type": "module", "imports": { "#config": "./config.js" } }"##),
    (
        "main.js",
        r#"import { log } from './log.js';
import './first.js';
import def, { named, viaDefine, fromObject } from 'cjs-only';
import { conditional } from 'dual';
import data from './data.json' with { type: 'json' };
import config from '#config';
import { a } from './cycle-a.js';
log('main', JSON.stringify({ def: Object.keys(def).sort(), named, viaDefine, fromObject, conditional, data, config, a }));
const late = await import('./late.js');
log('late', late.value);
log('meta', new URL(import.meta.url).pathname.endsWith('main.js'));
"#,
    ),
    ("log.js", "export function log(...args) { console.log(args.join(' ')); }\n"),
    ("first.js", "import { log } from './log.js';\nlog('first');\n"),
    ("config.js", "import { log } from './log.js';\nlog('config');\nexport default { mode: 'test' };\n"),
    ("data.json", r#"{ "list": [1, 2, 3] }"#),
    (
        "cycle-a.js",
        "import { log } from './log.js';\nimport { b } from './cycle-b.js';\nlog('cycle-a', typeof b);\nexport const a = 'a' + b;\n",
    ),
    (
        "cycle-b.js",
        "import { log } from './log.js';\nimport * as A from './cycle-a.js';\nlog('cycle-b', Reflect.ownKeys(A).filter((k) => typeof k === 'string').join());\nexport const b = 'b';\n",
    ),
    ("late.js", "import { log } from './log.js';\nlog('late evaluated');\nexport const value = 42;\n"),
    ("node_modules/cjs-only/package.json", r#"{ "name": "cjs-only", "main": "lib/index.js" }"#),
    (
        "node_modules/cjs-only/lib/index.js",
        r#"console.log('cjs-only evaluated', typeof module, typeof require, __filename.endsWith('index.js'));
const helper = require('./helper');
const json = require('../data.json');
exports.named = helper.twice(21);
Object.defineProperty(exports, 'viaDefine', { enumerable: true, get: function () { return json.version; } });
module.exports.fromObject = require('./cycle').fromCycle();
try { require('optional-missing'); } catch (e) { console.log('optional', e.code); }
"#,
    ),
    ("node_modules/cjs-only/lib/helper.js", "console.log('helper evaluated');\nmodule.exports = { twice: (x) => x * 2 };\n"),
    (
        "node_modules/cjs-only/lib/cycle.js",
        "const parent = require('./index.js');\nconsole.log('cycle sees', Object.keys(parent).sort().join());\nexports.fromCycle = () => 'cycle';\n",
    ),
    ("node_modules/cjs-only/data.json", r#"{ "version": "1.2.3" }"#),
    (
        "node_modules/dual/package.json",
        r#"{ "name": "dual", "exports": { ".": { "worker": "./worker.mjs", "node": "./node.mjs", "default": "./node.mjs" } } }"#,
    ),
    ("node_modules/dual/worker.mjs", "export const conditional = 'worker';\n"),
    ("node_modules/dual/node.mjs", "export const conditional = 'node';\n"),
];

#[test]
fn evaluation_order_and_commonjs_interop_match_node() {
    let dir = scratch("graph-vs-node");
    write_tree(&dir, GRAPH);
    let nano_out = exec(&dir.join("main.js"), &[]);
    let nano_said = text(&nano_out.stdout);
    assert!(nano_out.status.success(), "{nano_said}{}", text(&nano_out.stderr));
    let node_out = Command::new("node").arg(dir.join("main.js")).output().expect("running node");
    let node_said = text(&node_out.stdout);
    assert!(node_out.status.success(), "{node_said}{}", text(&node_out.stderr));
    // The one documented difference: the `worker` condition, which Node
    // does not set and edge runtimes do.
    let expected = node_said.replace(r#""conditional":"node""#, r#""conditional":"worker""#);
    assert_eq!(nano_said, expected);
    assert!(nano_said.contains(r#""named":42,"viaDefine":"1.2.3","fromObject":"cycle""#), "{nano_said}");
}

#[test]
fn a_commonjs_script_runs_under_exec_with_require() {
    let dir = scratch("cjs-script");
    write_tree(
        &dir,
        &[
            ("tool.cjs", "const { twice } = require('./lib.cjs');\nconsole.log(twice(21), typeof module.exports);\n"),
            ("lib.cjs", "exports.twice = (x) => x * 2;\n"),
        ],
    );
    let out = exec(&dir.join("tool.cjs"), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "42 object\n");
}

#[test]
fn the_build_cache_follows_every_file_of_the_app() {
    let dir = scratch("cache-key");
    write_tree(
        &dir,
        &[
            ("app.js", "import { word } from './word.js';\nexport default { fetch: () => new Response(word) };\n"),
            ("word.js", "export const word = 'first';\n"),
        ],
    );
    let server = Server::start(&dir.join("app.js"));
    assert_eq!(server.get("/").text(), "first");
    drop(server);
    write_tree(&dir, &[("word.js", "export const word = 'second';\n")]);
    let server = Server::start(&dir.join("app.js"));
    assert_eq!(server.get("/").text(), "second");
}

#[test]
fn a_module_only_imported_by_a_request_loads_then_and_in_every_request() {
    let dir = scratch("request-time-import");
    write_tree(
        &dir,
        &[
            (
                "app.ts",
                "export default {\n  async fetch(request: Request): Promise<Response> {\n    const { value } = await import('./lazy.ts');\n    return new Response(value());\n  },\n};\n",
            ),
            ("lazy.ts", "let calls: number = 0;\nexport const value = (): string => `lazy ${++calls}`;\n"),
        ],
    );
    let server = Server::start(&dir.join("app.ts"));
    // A fresh instance each time: the module is loaded anew, its state too.
    for _ in 0..3 {
        let res = server.get("/");
        assert_eq!((res.status, res.text().as_str()), (200, "lazy 1"), "{}", server.log());
    }
}

#[test]
fn a_new_project_builds_serves_and_passes_its_own_test() {
    let parent = scratch("new-project");
    let dir = parent.join("hello-nano");
    let out = nano().arg("new").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let test = nano().arg("exec").arg("test/index.test.ts").current_dir(&dir).output().unwrap();
    let said = text(&test.stdout);
    assert!(test.status.success(), "{said}{}", text(&test.stderr));
    assert_eq!(said, "ok /\nok /json\nok /nowhere\n");
    let server = Server::start(&dir.join("nano.toml"));
    assert_eq!(server.get("/").text(), "Hello from hello-nano!\n");
    drop(server);
    let again = nano().arg("new").arg(&dir).output().unwrap();
    assert!(!again.status.success() && text(&again.stderr).contains("not empty"));

    let types = parent.join("types.d.ts");
    let out = nano().arg("types").arg("-o").arg(&types).output().unwrap();
    assert!(out.status.success());
    let written = std::fs::read_to_string(types).unwrap();
    assert!(written.contains("interface ExecutionContext") && written.contains("interface ExportedHandler"));
}
