//! Generates, from wit/nano.wit, how the cases of its enums and variants
//! cross between JS and the engine: by their WIT case names (and a record
//! of strings, url-parts, by its field names). src/wit_names.rs includes the
//! output, with `platform` naming the bindings' `nano::platform` module and
//! a `for_each_wit_enum!` macro called with every type that implements
//! `WitEnum`.
//!
//! A hand-kept table that numbered the cases in WIT order would still compile
//! after a case is reordered and then silently mean another case; a name
//! table generated from the WIT cannot drift, and an unknown name is `None`.

use heck::{ToSnakeCase, ToUpperCamelCase};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use wit_parser::{Resolve, Type, TypeDefKind};

fn main() {
    let wit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit");
    println!("cargo:rerun-if-changed={}", wit.display());
    let code = generate(&wit).unwrap_or_else(|e| panic!("generating the WIT name tables: {e}"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("wit_names.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

/// Rust source for the `nano:platform` package in `wit_dir`.
fn generate(wit_dir: &Path) -> Result<String, String> {
    let mut resolve = Resolve::default();
    let (package, _) = resolve.push_dir(wit_dir).map_err(|e| format!("parsing {}: {e:?}", wit_dir.display()))?;
    let mut out = String::from(HEADER);
    let mut all = Vec::new();
    for (interface_name, &interface) in &resolve.packages[package].interfaces {
        let module = interface_name.replace('-', "_");
        let mut body = String::new();
        for (type_name, &id) in &resolve.interfaces[interface].types {
            let wit_type = format!("{interface_name}.{type_name}");
            // Type and case names as wit-bindgen spells them (heck's
            // UpperCamelCase; it remaps only `guest`, unused here).
            let rust_type = type_name.to_upper_camel_case();
            match &resolve.types[id].kind {
                TypeDefKind::Enum(e) => {
                    let cases: Vec<&str> = e.cases.iter().map(|c| c.name.as_str()).collect();
                    let path = format!("platform::{module}::{rust_type}");
                    write_wit_enum(&mut body, &format!("super::{path}"), &wit_type, &cases);
                    all.push(path);
                }
                TypeDefKind::Variant(v) => {
                    // Payloads cannot be named by a string: the cases alone
                    // become an enum of their own, and `case()` maps a value
                    // to it. Code building a value matches on that enum, so
                    // the compiler checks that every case is handled.
                    let cases: Vec<&str> = v.cases.iter().map(|c| c.name.as_str()).collect();
                    let case_type = format!("{rust_type}Case");
                    writeln!(body, "/// The cases of WIT variant `{wit_type}`, without their payloads.").unwrap();
                    writeln!(body, "#[derive(Clone, Copy, PartialEq, Eq, Debug)]").unwrap();
                    writeln!(body, "pub enum {case_type} {{").unwrap();
                    for case in &cases {
                        writeln!(body, "    {},", case.to_upper_camel_case()).unwrap();
                    }
                    writeln!(body, "}}").unwrap();
                    write_wit_enum(&mut body, &case_type, &wit_type, &cases);
                    writeln!(body, "impl super::platform::{module}::{rust_type} {{").unwrap();
                    writeln!(body, "    /// Which case this is.").unwrap();
                    writeln!(body, "    pub fn case(&self) -> {case_type} {{").unwrap();
                    writeln!(body, "        match self {{").unwrap();
                    for case in &v.cases {
                        let camel = case.name.to_upper_camel_case();
                        let pattern =
                            if case.ty.is_some() { format!("Self::{camel}(..)") } else { format!("Self::{camel}") };
                        writeln!(body, "            {pattern} => {case_type}::{camel},").unwrap();
                    }
                    writeln!(body, "        }}\n    }}\n}}").unwrap();
                    all.push(format!("{module}::{case_type}"));
                }
                // A record of strings (url-parts) crosses as a list of its
                // values in WIT field order, read by the field names.
                TypeDefKind::Record(r) if r.fields.iter().all(|f| f.ty == Type::String) => {
                    let n = r.fields.len();
                    let names: Vec<String> = r.fields.iter().map(|f| format!("{:?}", f.name)).collect();
                    let values: Vec<String> =
                        r.fields.iter().map(|f| format!("self.{}", f.name.to_snake_case())).collect();
                    writeln!(body, "impl super::platform::{module}::{rust_type} {{").unwrap();
                    writeln!(body, "    /// The field names of WIT record `{wit_type}`, in WIT order.").unwrap();
                    writeln!(body, "    pub const WIT_FIELDS: [&'static str; {n}] = [{}];", names.join(", ")).unwrap();
                    writeln!(body, "    /// The field values, in the order of `WIT_FIELDS`.").unwrap();
                    writeln!(
                        body,
                        "    pub fn into_wit_values(self) -> [String; {n}] {{\n        [{}]\n    }}\n}}",
                        values.join(", ")
                    )
                    .unwrap();
                }
                _ => {}
            }
        }
        if !body.is_empty() {
            writeln!(out, "pub mod {module} {{\n    #[allow(unused_imports)]\n    use super::WitEnum;\n{body}}}")
                .unwrap();
        }
    }
    writeln!(out, "for_each_wit_enum!({});", all.join(", ")).unwrap();
    Ok(out)
}

const HEADER: &str = "// Generated from wit/nano.wit by guest-js/build.rs: do not edit.

/// A WIT enum, or the cases of a WIT variant, crossing into JS by case name
/// (or by index into the list of names `ALL` gives, where JS has that list).
pub trait WitEnum: Sized + Copy + PartialEq + core::fmt::Debug + 'static {
    /// The WIT type, as `interface.type`, for error messages.
    const WIT_TYPE: &'static str;
    /// Every case, in WIT order.
    const ALL: &'static [Self];
    /// The case named `name` exactly as in the WIT (kebab-case); none for
    /// any other string.
    fn from_wit_name(name: &str) -> Option<Self>;
    /// This case's name in the WIT.
    fn wit_name(self) -> &'static str;
    /// This case's position in the WIT (and in `ALL`).
    fn wit_index(self) -> u32;
    /// The case at `index` in the WIT; none past the last.
    fn from_wit_index(index: u32) -> Option<Self> {
        Self::ALL.get(index as usize).copied()
    }
}

";

fn write_wit_enum(out: &mut String, rust_type: &str, wit_type: &str, cases: &[&str]) {
    let camel: Vec<String> = cases.iter().map(|c| c.to_upper_camel_case()).collect();
    writeln!(out, "impl WitEnum for {rust_type} {{").unwrap();
    writeln!(out, "    const WIT_TYPE: &'static str = {wit_type:?};").unwrap();
    let all: Vec<String> = camel.iter().map(|c| format!("Self::{c}")).collect();
    writeln!(out, "    const ALL: &'static [Self] = &[{}];", all.join(", ")).unwrap();
    writeln!(out, "    fn from_wit_name(name: &str) -> Option<Self> {{\n        match name {{").unwrap();
    for (case, camel) in cases.iter().zip(&camel) {
        writeln!(out, "            {case:?} => Some(Self::{camel}),").unwrap();
    }
    writeln!(out, "            _ => None,\n        }}\n    }}").unwrap();
    writeln!(out, "    fn wit_name(self) -> &'static str {{\n        match self {{").unwrap();
    for (case, camel) in cases.iter().zip(&camel) {
        writeln!(out, "            Self::{camel} => {case:?},").unwrap();
    }
    writeln!(out, "        }}\n    }}").unwrap();
    writeln!(out, "    fn wit_index(self) -> u32 {{\n        match self {{").unwrap();
    for (index, camel) in camel.iter().enumerate() {
        writeln!(out, "            Self::{camel} => {index},").unwrap();
    }
    writeln!(out, "        }}\n    }}\n}}").unwrap();
}
