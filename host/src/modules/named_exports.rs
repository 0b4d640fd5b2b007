//! A CommonJS module's named exports, found in its syntax as Node finds
//! them (cjs-module-lexer's forms), so `import { x } from 'a-cjs-package'`
//! works: `exports.x =`, `module.exports.x =`, `Object.defineProperty(exports,
//! 'x', …)`, `module.exports = { x, y: … }`, and re-exports
//! (`module.exports = require('./y')`, TypeScript's and Babel's
//! `__exportStar(require('./y'), exports)`), followed by the graph.

use oxc_ast::ast::{
    Argument, AssignmentExpression, AssignmentTarget, CallExpression, Expression, ObjectPropertyKind, PropertyKey,
};
use oxc_ast_visit::{walk, Visit};

/// What a CommonJS module exports by name, and the modules it re-exports.
#[derive(Debug, Default, PartialEq)]
pub struct NamedExports {
    pub names: Vec<String>,
    /// Specifiers of `require()`d modules whose exports are this one's too.
    pub reexports: Vec<String>,
}

/// Walks a CommonJS module's program.
pub fn find(program: &oxc_ast::ast::Program<'_>) -> NamedExports {
    let mut finder = Finder::default();
    finder.visit_program(program);
    let mut found = finder.found;
    let mut seen = std::collections::HashSet::new();
    found.names.retain(|n| seen.insert(n.clone()));
    found
}

#[derive(Default)]
struct Finder {
    found: NamedExports,
}

/// `exports` or `module.exports`.
fn is_exports(expression: &Expression<'_>) -> bool {
    match expression.without_parentheses() {
        Expression::Identifier(id) => id.name == "exports",
        Expression::StaticMemberExpression(member) => is_module(&member.object) && member.property.name == "exports",
        _ => false,
    }
}

fn is_module(expression: &Expression<'_>) -> bool {
    matches!(expression.without_parentheses(), Expression::Identifier(id) if id.name == "module")
}

/// The helpers TypeScript, tslib and Babel compile `export * from` to.
fn is_export_star(callee: &Expression<'_>) -> bool {
    let name = match callee {
        Expression::Identifier(id) => id.name.as_str(),
        Expression::StaticMemberExpression(member) => member.property.name.as_str(),
        _ => return false,
    };
    name.ends_with("exportStar") || name == "__export"
}

/// The literal argument of `require('x')`.
fn required(expression: &Expression<'_>) -> Option<String> {
    let Expression::CallExpression(call) = expression.without_parentheses() else { return None };
    let Expression::Identifier(callee) = &call.callee else { return None };
    if callee.name != "require" || call.arguments.len() != 1 {
        return None;
    }
    match &call.arguments[0] {
        Argument::StringLiteral(s) => Some(s.value.to_string()),
        _ => None,
    }
}

impl<'a> Visit<'a> for Finder {
    fn visit_assignment_expression(&mut self, assignment: &AssignmentExpression<'a>) {
        match &assignment.left {
            // exports.x = … / module.exports.x = …
            AssignmentTarget::StaticMemberExpression(member) if is_exports(&member.object) => {
                self.found.names.push(member.property.name.to_string());
            }
            // exports['x'] = …
            AssignmentTarget::ComputedMemberExpression(member) if is_exports(&member.object) => {
                if let Expression::StringLiteral(s) = &member.expression {
                    self.found.names.push(s.value.to_string());
                }
            }
            // module.exports = …
            AssignmentTarget::StaticMemberExpression(member)
                if is_module(&member.object) && member.property.name == "exports" =>
            {
                self.module_exports(&assignment.right);
            }
            _ => {}
        }
        walk::walk_assignment_expression(self, assignment);
    }

    fn visit_call_expression(&mut self, call: &CallExpression<'a>) {
        match &call.callee {
            // Object.defineProperty(exports, 'x', …)
            Expression::StaticMemberExpression(member)
                if member.property.name == "defineProperty"
                    && matches!(&member.object, Expression::Identifier(id) if id.name == "Object") =>
            {
                if let [Argument::StringLiteral(name), ..] = call.arguments.get(1..).unwrap_or_default() {
                    if call.arguments.first().and_then(Argument::as_expression).is_some_and(is_exports) {
                        self.found.names.push(name.value.to_string());
                    }
                }
            }
            // __exportStar(require('./y'), exports), tslib.__exportStar(…),
            // __export(require('./y'))
            callee if is_export_star(callee) => {
                if let Some(specifier) = call.arguments.first().and_then(Argument::as_expression).and_then(required) {
                    self.found.reexports.push(specifier);
                }
            }
            _ => {}
        }
        walk::walk_call_expression(self, call);
    }
}

impl Finder {
    /// `module.exports = { a, b: 1 }` names a and b; `= require('y')` re-exports y.
    fn module_exports(&mut self, value: &Expression<'_>) {
        match value.without_parentheses() {
            Expression::ObjectExpression(object) => {
                for property in &object.properties {
                    let ObjectPropertyKind::ObjectProperty(property) = property else { continue };
                    match &property.key {
                        PropertyKey::StaticIdentifier(id) if !property.computed => {
                            self.found.names.push(id.name.to_string())
                        }
                        PropertyKey::StringLiteral(s) => self.found.names.push(s.value.to_string()),
                        _ => {}
                    }
                }
            }
            other => {
                if let Some(specifier) = required(other) {
                    self.found.reexports.push(specifier);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(source: &str) -> NamedExports {
        let allocator = oxc_allocator::Allocator::default();
        let parsed = oxc_parser::Parser::new(&allocator, source, oxc_span::SourceType::cjs()).parse();
        assert!(parsed.diagnostics.errors().next().is_none(), "{:?}", parsed.diagnostics);
        find(&parsed.program)
    }

    #[test]
    fn the_forms_node_detects() {
        let found = names(
            "exports.a = 1; module.exports.b = 2; exports['c'] = 3;\n\
             Object.defineProperty(exports, 'd', { enumerable: true, get() { return 4; } });\n\
             Object.defineProperty(exports, '__esModule', { value: true });\n\
             if (x) { exports.a = 5; }\n\
             function f() { other.e = 6; exports2.f = 7; }",
        );
        assert_eq!(found.names, ["a", "b", "c", "d", "__esModule"]);
        assert!(found.reexports.is_empty());
    }

    #[test]
    fn object_literals_and_reexports() {
        let found = names("module.exports = { x, y: 1, 'z': 2, [computed]: 3, ...rest, m() {} };");
        assert_eq!(found.names, ["x", "y", "z", "m"]);
        let found = names("module.exports = require('./impl.js');");
        assert_eq!(found.reexports, ["./impl.js"]);
        let found = names("__exportStar(require('./a'), exports); tslib.__exportStar(require('./b'), exports);");
        assert_eq!(found.reexports, ["./a", "./b"]);
    }
}
