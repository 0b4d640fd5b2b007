//! Maps positions in compiled modules back to their TypeScript/JSX sources.
//!
//! QuickJS-ng names a module by the name it was declared under, so error
//! text carries `NAME:LINE:COL`: stack lines (`    at fetch (src/index.ts:12:5)`,
//! `    at src/index.ts:3:1`) and error headers (`src/index.ts:12:5: Error: boom`).
//! [`SourceMaps::remap`] rewrites each such position of a module that has a
//! source map to the original one.
//!
//! Lines and columns are 1-based on both sides: QuickJS-ng (0.16, as
//! vendored by rquickjs-sys 0.14) prints `line:col` with a 1-based column
//! counted in bytes (`max_int(1, mark - eol)` in its tokenizer); source maps
//! count from 0. oxc's maps count generated columns in UTF-16 units, so on a
//! generated line with non-ASCII text before the position the column may be
//! off by a little; the line is always right.

use std::collections::HashMap;

use oxc_sourcemap::{SourceMap, Token};

/// The source maps of a graph, ready for lookups.
#[derive(Debug, Default)]
pub struct SourceMaps {
    maps: HashMap<String, ModuleMap>,
    /// Longest module name, to bound the backwards scan for a name.
    longest_name: usize,
}

/// One module's mappings, grouped by generated line.
///
/// Built from oxc_sourcemap's lookup table once; the table borrows the
/// `SourceMap`, so its rows are copied out (tokens are small `Copy` values)
/// to keep `SourceMaps` free of self-references.
#[derive(Debug)]
struct ModuleMap {
    lines: Vec<Vec<Token>>,
    sources: Vec<String>,
}

impl SourceMaps {
    /// Parses `(module name, JSON source map)` pairs.
    pub fn new(maps: impl IntoIterator<Item = (String, String)>) -> Result<Self, String> {
        let mut out = Self::default();
        for (name, json) in maps {
            let map = SourceMap::from_json_string(&json).map_err(|e| format!("source map of {name}: {e}"))?;
            let lines = map.generate_lookup_table().into_iter().map(<[Token]>::to_vec).collect();
            let sources = map.get_sources().map(str::to_string).collect();
            out.longest_name = out.longest_name.max(name.len());
            out.maps.insert(name, ModuleMap { lines, sources });
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.maps.is_empty()
    }

    /// Rewrites every `NAME:LINE:COL` of a mapped module in `text` to the
    /// original position; anything else is left as is.
    pub fn remap(&self, text: &str) -> String {
        if self.maps.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        let mut from = 0;
        while let Some(found) = text[from..].find(':') {
            let colon = from + found;
            match self.position_at(text, colon) {
                Some((start, end, original)) => {
                    out.push_str(&text[copied..start]);
                    out.push_str(&original);
                    copied = end;
                    from = end;
                }
                None => from = colon + 1,
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// If a mapped `NAME:LINE:COL` has its first colon at `colon`: its byte
    /// range and the original position as text.
    fn position_at(&self, text: &str, colon: usize) -> Option<(usize, usize, String)> {
        let start = name_start(text, colon, self.longest_name)?;
        let map = self.maps.get(&text[start..colon])?;
        let (line, after_line) = number_at(text, colon + 1)?;
        if text.as_bytes().get(after_line) != Some(&b':') {
            return None;
        }
        let (col, end) = number_at(text, after_line + 1)?;
        let (source, line, col) = map.original(line, col)?;
        let source = source.unwrap_or(&text[start..colon]);
        Some((start, end, format!("{source}:{line}:{col}")))
    }
}

impl ModuleMap {
    /// The original `(source, line, col)`, 1-based, of generated 1-based
    /// `line`/`col`. A column before the line's first mapping takes that
    /// first mapping (the indentation of a `throw` is not mapped).
    fn original(&self, line: u32, col: u32) -> Option<(Option<&str>, u32, u32)> {
        let tokens = self.lines.get(line.checked_sub(1)? as usize)?;
        let col = col.saturating_sub(1);
        let after = tokens.partition_point(|t| t.get_dst_col() <= col);
        let token = tokens.get(after.saturating_sub(1))?;
        let source = token.get_source_id().and_then(|id| self.sources.get(id as usize));
        Some((source.map(String::as_str), token.get_src_line() + 1, token.get_src_col() + 1))
    }
}

/// Where the name ending at `colon` starts: after the last whitespace,
/// bracket or quote. `None` if it is empty or longer than `longest` bytes
/// (then it is no module's name; this also bounds the scan).
fn name_start(text: &str, colon: usize, longest: usize) -> Option<usize> {
    let is_delimiter = |c: char| c.is_whitespace() || "()[]<>\"'`,;".contains(c);
    let mut start = colon;
    for (i, c) in text[..colon].char_indices().rev() {
        if is_delimiter(c) {
            break;
        }
        if colon - i > longest {
            return None;
        }
        start = i;
    }
    (start < colon).then_some(start)
}

/// The decimal number starting at byte `at`, and the byte after it.
fn number_at(text: &str, at: usize) -> Option<(u32, usize)> {
    let digits = text.get(at..)?.bytes().take_while(u8::is_ascii_digit).count();
    let number = text.get(at..at + digits)?.parse().ok()?;
    Some((number, at + digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_unmapped_text_alone() {
        let maps = SourceMaps::new(Vec::new()).unwrap();
        assert!(maps.is_empty());
        assert_eq!(maps.remap("x.ts:1:2"), "x.ts:1:2");
        let map = r#"{"version":3,"sources":["a.ts"],"names":[],"mappings":"AACA"}"#;
        let maps = SourceMaps::new([("a.ts".to_string(), map.to_string())]).unwrap();
        assert_eq!(maps.remap("at (b.ts:1:1) a.ts:9:9 a.ts:1 xa.ts:1:1"), "at (b.ts:1:1) a.ts:9:9 a.ts:1 xa.ts:1:1");
        assert_eq!(maps.remap("at (a.ts:1:1)"), "at (a.ts:2:1)");
        assert_eq!(maps.remap("a.ts:1:1: Error"), "a.ts:2:1: Error");
    }
}
