//! One module: parse, compile TypeScript/JSX, and find its imports.
//!
//! TypeScript, TSX and JSX files go through `oxc_transformer` (types and
//! type-only imports stripped, enums and namespaces compiled, JSX compiled;
//! no syntax lowering — QuickJS-ng runs ES2023) and `oxc_codegen` with a
//! source map. Plain `.js`/`.mjs`/`.cjs` files are only parsed, to find their
//! imports and kind; their text is passed through untouched so stack traces
//! keep the original line numbers. JSON is validated and passed through.

use std::path::{Path, PathBuf};

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    CallExpression, ExportAllDeclaration, ExportFromDeclaration, Expression, ImportDeclaration, ImportExpression,
    Program, StringLiteral,
};
use oxc_ast_visit::{walk, Visit};
use oxc_codegen::{Codegen, CodegenOptions};
use oxc_parser::{ParseOptions, Parser};
use oxc_semantic::{Scoping, SemanticBuilder};
use oxc_span::SourceType;
use oxc_transformer::{JsxOptions, JsxRuntime, TransformOptions, Transformer};

use super::graph::Kind;
use super::location::line_col;
use super::named_exports::{self, NamedExports};
use super::resolve::ImportKind;

/// An import specifier found in a module, with where it was written.
#[derive(Debug, Clone)]
pub(crate) struct FoundImport {
    pub specifier: String,
    /// Byte offset of the specifier's string literal in the original text
    /// (0 for imports the JSX transform adds).
    pub offset: u32,
    pub kind: ImportKind,
}

/// The output for one module.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub kind: Kind,
    pub source: String,
    pub source_map: Option<String>,
    pub imports: Vec<FoundImport>,
    /// A CommonJS module's statically found exports (named_exports.rs).
    pub named_exports: NamedExports,
}

/// A located compile error: 1-based line and column in the original text.
#[derive(Debug)]
pub(crate) struct CompileError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl CompileError {
    fn at(text: &str, offset: u32, message: impl Into<String>) -> Self {
        let (line, col) = line_col(text, offset);
        Self { line, col, message: message.into() }
    }
}

/// How JSX compiles, from [`super::Options`] and tsconfig.json.
#[derive(Debug, Clone, Default)]
pub(crate) struct JsxSettings {
    /// tsconfig `"jsx": "react"`: `React.createElement`-style calls.
    pub classic: bool,
    /// Automatic runtime: imports `<source>/jsx-runtime` (default `react`).
    pub import_source: Option<String>,
    /// Classic runtime: `jsxFactory` / `jsxFragmentFactory`.
    pub factory: Option<String>,
    pub fragment_factory: Option<String>,
}

/// What to compile.
pub(crate) struct Input<'s> {
    pub path: &'s Path,
    /// Module name; the source map's `sources` entry.
    pub name: &'s str,
    pub text: &'s str,
    /// The kind the extension and package.json `"type"` dictate; `None` for
    /// a `.js` file without `"type"` (decided by its syntax).
    pub kind_hint: Option<Kind>,
    pub is_entry: bool,
}

/// Compiles (or just scans) one module.
///
/// A panic inside oxc (an internal bug on odd input) becomes an error for
/// this file instead of taking the host down.
pub(crate) fn compile(input: &Input, jsx: &JsxSettings) -> Result<Compiled, CompileError> {
    let run = || match extension(input.path) {
        "json" => json(input.text),
        "ts" | "tsx" | "mts" | "cts" | "jsx" => transform(input, jsx),
        _ => pass_through(input),
    };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).unwrap_or_else(|panic| {
        let detail = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("unknown panic");
        Err(CompileError::at(input.text, 0, format!("internal compiler error: {detail}")))
    })
}

fn extension(path: &Path) -> &str {
    path.extension().and_then(|e| e.to_str()).unwrap_or("")
}

/// JSON modules: validated here so a broken file fails the build, not the app.
fn json(text: &str) -> Result<Compiled, CompileError> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        let message = format!("invalid JSON: {e}");
        return Err(CompileError { line: e.line(), col: e.column(), message });
    }
    Ok(Compiled {
        kind: Kind::Json,
        source: text.to_string(),
        source_map: None,
        imports: vec![],
        named_exports: NamedExports::default(),
    })
}

/// Parses `text`, turning the first parser error into a located error.
///
/// Top-level `return` is allowed: CommonJS modules are function bodies.
fn parse<'a>(
    allocator: &'a Allocator,
    text: &'a str,
    source_type: SourceType,
) -> Result<(Program<'a>, bool), CompileError> {
    let options = ParseOptions { allow_return_outside_function: true, ..ParseOptions::default() };
    let ret = Parser::new(allocator, text, source_type).with_options(options).parse();
    if let Some(error) = ret.diagnostics.errors().next() {
        // Named as a JS engine names it.
        let mut error = diagnostic_error(text, error);
        error.message = format!("SyntaxError: {}", error.message);
        return Err(error);
    }
    if ret.panicked {
        return Err(CompileError::at(text, 0, "the parser gave up on this file"));
    }
    Ok((ret.program, ret.module_record.has_module_syntax))
}

/// An oxc diagnostic as a located error: its first label's span.
fn diagnostic_error(text: &str, error: &oxc_diagnostics::OxcDiagnostic) -> CompileError {
    let offset = error.labels.first().map_or(0, |label| label.offset());
    let mut message = error.message.to_string();
    if let Some(help) = &error.help {
        message.push_str(&format!(" (help: {help})"));
    }
    CompileError::at(text, offset, message)
}

/// Plain JavaScript: parse to learn the kind and imports, keep the text.
fn pass_through(input: &Input) -> Result<Compiled, CompileError> {
    let allocator = Allocator::default();
    // A `.cjs` entry is CommonJS like any `.cjs` file: it may `require()`.
    let script_candidate = input.is_entry && extension(input.path) == "js";
    let source_type = match input.kind_hint {
        _ if script_candidate => SourceType::unambiguous(),
        Some(Kind::Esm) => SourceType::mjs(),
        Some(Kind::CommonJs) => SourceType::cjs(),
        _ => SourceType::unambiguous(),
    };
    let (program, has_module_syntax) = parse(&allocator, input.text, source_type)?;
    let kind = if has_module_syntax {
        input.kind_hint.unwrap_or(Kind::Esm)
    } else if script_candidate {
        Kind::Script
    } else {
        input.kind_hint.unwrap_or(Kind::CommonJs)
    };
    let imports = match kind {
        Kind::Script | Kind::Json => vec![],
        Kind::CommonJs => {
            let scoping = SemanticBuilder::new().build(&program).semantic.into_scoping();
            collect_imports(&program, Some(&scoping))
        }
        Kind::Esm => collect_imports(&program, None),
    };
    let named_exports = if kind == Kind::CommonJs { named_exports::find(&program) } else { NamedExports::default() };
    Ok(Compiled { kind, source: input.text.to_string(), source_map: None, imports, named_exports })
}

/// TypeScript / JSX: strip types, compile JSX, print with a source map.
fn transform(input: &Input, jsx: &JsxSettings) -> Result<Compiled, CompileError> {
    let kind = if extension(input.path) == "cts" { Kind::CommonJs } else { Kind::Esm };
    let source_type = SourceType::from_path(input.path).map_err(|e| CompileError::at(input.text, 0, e.to_string()))?;
    let source_type = match kind {
        Kind::CommonJs => source_type.with_commonjs(true),
        _ => source_type.with_module(true),
    };
    let allocator = Allocator::default();
    let (mut program, _) = parse(&allocator, input.text, source_type)?;

    // The enum transform needs the constant values semantic analysis
    // computes only on request (it panics otherwise).
    let semantic = SemanticBuilder::new().with_check_syntax_error(true).with_enum_eval(true).build(&program);
    if let Some(error) = semantic.diagnostics.errors().next() {
        return Err(diagnostic_error(input.text, error));
    }
    let scoping = semantic.semantic.into_scoping();
    let options = transform_options(jsx);
    let ret = Transformer::new(&allocator, input.path, &options).build_with_scoping(scoping, &mut program);
    if let Some(error) = ret.diagnostics.errors().next() {
        return Err(diagnostic_error(input.text, error));
    }
    let imports = collect_imports(&program, (kind == Kind::CommonJs).then_some(&ret.scoping));
    let named_exports = if kind == Kind::CommonJs { named_exports::find(&program) } else { NamedExports::default() };

    let codegen_options =
        CodegenOptions { source_map_path: Some(PathBuf::from(input.name)), ..CodegenOptions::default() };
    let output = Codegen::new().with_options(codegen_options).build(&program);
    let source_map = output.map.map(|map| map.to_json_string());
    Ok(Compiled { kind, source: output.code, source_map, imports, named_exports })
}

/// Transformer options: TypeScript + JSX only, no downleveling.
///
/// `only_remove_type_imports: false` is tsc's/esbuild's default: an import
/// whose bindings are only used as types is dropped even without `type`.
fn transform_options(jsx: &JsxSettings) -> TransformOptions {
    let mut options = TransformOptions::default();
    options.typescript.only_remove_type_imports = false;
    let mut jsx_options = JsxOptions { import_source: jsx.import_source.clone(), ..JsxOptions::default() };
    if jsx.classic {
        jsx_options.runtime = JsxRuntime::Classic;
        jsx_options.pragma = jsx.factory.clone();
        jsx_options.pragma_frag = jsx.fragment_factory.clone();
        // The TypeScript pass must know the factory is a value use, or it
        // would drop `import React from "react"` as type-only.
        if let Some(factory) = &jsx.factory {
            options.typescript.jsx_pragma = factory.clone().into();
        }
        if let Some(fragment) = &jsx.fragment_factory {
            options.typescript.jsx_pragma_frag = fragment.clone().into();
        }
    }
    options.jsx = jsx_options;
    options
}

/// Finds the imports of `program`; `require("x")` calls only when `scoping`
/// is given (CommonJS modules), and only of the global `require`.
fn collect_imports(program: &Program, scoping: Option<&Scoping>) -> Vec<FoundImport> {
    let mut collector = ImportCollector { scoping, found: vec![] };
    collector.visit_program(program);
    collector.found
}

struct ImportCollector<'s> {
    scoping: Option<&'s Scoping>,
    found: Vec<FoundImport>,
}

impl ImportCollector<'_> {
    fn push(&mut self, literal: &StringLiteral, kind: ImportKind) {
        self.found.push(FoundImport { specifier: literal.value.to_string(), offset: literal.span.start, kind });
    }

    /// `require` as a free variable (not a parameter or local binding).
    fn is_global_require(&self, callee: &Expression) -> bool {
        let (Some(scoping), Expression::Identifier(id)) = (self.scoping, callee) else {
            return false;
        };
        id.name == "require" && id.reference_id.get().is_none_or(|r| scoping.get_reference(r).symbol_id().is_none())
    }
}

/// A string literal or an expression-free template literal.
fn literal_text(expression: &Expression) -> Option<(String, u32)> {
    match expression {
        Expression::StringLiteral(s) => Some((s.value.to_string(), s.span.start)),
        Expression::TemplateLiteral(t) if t.expressions.is_empty() && t.quasis.len() == 1 => {
            let cooked = t.quasis[0].value.cooked.as_ref()?;
            Some((cooked.to_string(), t.span.start))
        }
        _ => None,
    }
}

impl<'a> Visit<'a> for ImportCollector<'_> {
    fn visit_import_declaration(&mut self, it: &ImportDeclaration<'a>) {
        self.push(&it.source, ImportKind::Static);
        walk::walk_import_declaration(self, it);
    }

    fn visit_export_from_declaration(&mut self, it: &ExportFromDeclaration<'a>) {
        self.push(&it.source, ImportKind::Static);
        walk::walk_export_from_declaration(self, it);
    }

    fn visit_export_all_declaration(&mut self, it: &ExportAllDeclaration<'a>) {
        self.push(&it.source, ImportKind::Static);
        walk::walk_export_all_declaration(self, it);
    }

    fn visit_import_expression(&mut self, it: &ImportExpression<'a>) {
        if let Some((specifier, offset)) = literal_text(&it.source) {
            self.found.push(FoundImport { specifier, offset, kind: ImportKind::Dynamic });
        }
        walk::walk_import_expression(self, it);
    }

    fn visit_call_expression(&mut self, it: &CallExpression<'a>) {
        if it.arguments.len() == 1 && self.is_global_require(&it.callee) {
            let literal = it.arguments[0].as_expression().and_then(literal_text);
            if let Some((specifier, offset)) = literal {
                self.found.push(FoundImport { specifier, offset, kind: ImportKind::Require });
            }
        }
        walk::walk_call_expression(self, it);
    }
}
