//! ECMA-402's formatToParts from ICU4X's `Writeable` parts.

use crate::bindings::nano::platform::intl::Part;
use std::fmt;
use writeable::{PartsWrite, Writeable};

/// Collects a `Writeable`'s output as ECMA-402 parts: text inside an ICU4X
/// part takes that part's name; text outside any is `outside` (the style's
/// own symbol: `percentSign`, `currency`, `compact`) or, if only spaces
/// and marks, `literal`.
struct PartsSink {
    parts: Vec<Part>,
    current: Option<&'static str>,
}

impl fmt::Write for PartsSink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let kind = self.current.unwrap_or("");
        match self.parts.last_mut() {
            Some(last) if last.kind == kind => last.value.push_str(s),
            _ => self.parts.push(Part { kind: kind.to_string(), value: s.to_string() }),
        }
        Ok(())
    }
}

impl PartsWrite for PartsSink {
    type SubPartsWrite = Self;

    fn with_part(&mut self, part: writeable::Part, mut f: impl FnMut(&mut Self) -> fmt::Result) -> fmt::Result {
        // A date's day is `day`, not its digits' `integer` (a number's
        // `group` within its `integer` is kept).
        if self.current.is_some() && part.value == "integer" {
            return f(self);
        }
        let outer = self.current.replace(part.value);
        let result = f(self);
        self.current = outer;
        result
    }
}

pub(super) fn parts_of(value: &impl Writeable, outside: &str) -> Vec<Part> {
    let mut sink = PartsSink { parts: Vec::new(), current: None };
    // Writing to a String-backed sink cannot fail.
    let _ = value.write_to_parts(&mut sink);
    let mut parts = Vec::new();
    for mut part in sink.parts.into_iter().filter(|p| !p.value.is_empty()) {
        // ECMA-402 keeps the bidi marks around a sign as literals of their own.
        let marks = part.value.len() - part.value.trim_start_matches(is_mark).len();
        if marks > 0 && marks < part.value.len() {
            parts.push(Part { kind: "literal".into(), value: part.value[..marks].to_string() });
            part.value.drain(..marks);
        }
        if part.kind.is_empty() {
            let blank = part.value.chars().all(|c| c.is_whitespace() || is_mark(c));
            part.kind = if blank { "literal" } else { outside }.to_string();
        }
        parts.push(part);
    }
    parts
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// The parts of a percent: ICU4X marks none, so the number's own parts
/// (`number`, formatted alone) are found in the whole and the rest split
/// into signs, literals and the percent sign (`sign`: its part's type,
/// `percentSign`, or `unit` for the unit style's percent).
pub(super) fn percent_parts(whole: &str, number: Vec<Part>, sign: &str) -> Vec<Part> {
    let digits: String = number.iter().map(|p| p.value.as_str()).collect();
    let Some(at) = whole.find(&digits) else {
        return vec![Part { kind: "literal".into(), value: whole.to_string() }];
    };
    let mut parts = affix_parts(&whole[..at], sign);
    parts.extend(number);
    parts.extend(affix_parts(&whole[at + digits.len()..], sign));
    parts
}

/// Text around a percent's number: runs of spaces and marks (literal),
/// signs, and the rest (the percent sign).
fn affix_parts(text: &str, sign: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for c in text.chars() {
        let kind = match c {
            '-' | '\u{2212}' => "minusSign",
            '+' => "plusSign",
            c if c.is_whitespace() || is_mark(c) => "literal",
            _ => sign,
        };
        match parts.last_mut() {
            Some(last) if last.kind == kind && kind != "minusSign" => last.value.push(c),
            _ => parts.push(Part { kind: kind.to_string(), value: c.to_string() }),
        }
    }
    parts
}
