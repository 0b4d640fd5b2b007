//! Intl.NumberFormat's unit style: ECMA-402's sanctioned units placed in
//! CLDR's patterns (`unit_patterns.rs`, generated from CLDR 48 by
//! scripts/gen_unit_patterns.mjs), since ICU4X 2.4's unit formatter has
//! data for only a few units. The number itself is NumberFormat's decimal
//! (its rounding, grouping and sign), its plural category picks the pattern.
//!
//! A locale's patterns are looked up along its CLDR parent chain (ICU4X's
//! LocaleFallbacker: en-AU, en-001, en, und), as ICU inherits them. A
//! compound `X-per-Y` is CLDR's own unit when it has one (km/h), else X's
//! pattern in Y's "{0} per Y" pattern, else in the locale's "{0}/{1}" with
//! Y's singular name (UTS #35, "Compound Units"), as ICU composes them.

use super::range;
use super::unit_patterns::UNIT_PATTERNS;
use crate::bindings::nano::platform::intl::{IntlError, Part, UnitDisplay};
use icu::locale::fallback::LocaleFallbacker;
use icu::locale::Locale;
use icu::plurals::PluralCategory;
use icu_provider::DataLocale;

/// ECMA-402's sanctioned simple units (IsSanctionedSingleUnitIdentifier).
#[rustfmt::skip]
const SANCTIONED: [&str; 45] = [
    "acre", "bit", "byte", "celsius", "centimeter", "day", "degree", "fahrenheit", "fluid-ounce", "foot", "gallon",
    "gigabit", "gigabyte", "gram", "hectare", "hour", "inch", "kilobit", "kilobyte", "kilogram", "kilometer", "liter",
    "megabit", "megabyte", "meter", "microsecond", "mile", "mile-scandinavian", "milliliter", "millimeter",
    "millisecond", "minute", "month", "nanosecond", "ounce", "percent", "petabyte", "pound", "second", "stone",
    "terabit", "terabyte", "week", "yard", "year",
];

/// ECMA-402's IsWellFormedUnitIdentifier: a sanctioned unit or `X-per-Y` of two.
pub fn well_formed(unit: &str) -> bool {
    let sanctioned = |u: &str| SANCTIONED.contains(&u);
    sanctioned(unit) || unit.split_once("-per-").is_some_and(|(x, y)| sanctioned(x) && sanctioned(y))
}

/// A unit's fields in one locale and width: (name, pattern).
type Fields = &'static [(&'static str, &'static str)];
/// One row of the generated table: (locale, unit, width, fields).
pub(super) type Row = (&'static str, &'static str, &'static str, Fields);

/// One unit's patterns in one locale and width: per plural category (in
/// `PluralCategory`'s order), "{0}" where the number goes.
pub struct UnitPatterns {
    patterns: [String; 6],
}

fn index(category: PluralCategory) -> usize {
    match category {
        PluralCategory::Zero => 0,
        PluralCategory::One => 1,
        PluralCategory::Two => 2,
        PluralCategory::Few => 3,
        PluralCategory::Many => 4,
        PluralCategory::Other => 5,
    }
}

const CATEGORIES: [&str; 6] = ["zero", "one", "two", "few", "many", "other"];

fn field(fields: Fields, name: &str) -> Option<&'static str> {
    fields.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
}

/// A category's pattern, else `other`'s (as ICU falls back).
fn plural(fields: Fields, category: &str) -> Option<&'static str> {
    field(fields, category).or_else(|| field(fields, "other"))
}

impl UnitPatterns {
    pub fn new(locale: &Locale, unit: &str, display: UnitDisplay) -> Result<UnitPatterns, IntlError> {
        if !well_formed(unit) {
            return Err(range(format!("Invalid unit argument for Intl.NumberFormat() '{unit}'")));
        }
        let width = match display {
            UnitDisplay::Short => "short",
            UnitDisplay::Long => "long",
            UnitDisplay::Narrow => "narrow",
        };
        let chain = parent_chain(locale);
        let entry = |unit: &str| {
            chain.iter().find_map(|l| {
                let key = (l.as_str(), unit, width);
                UNIT_PATTERNS.binary_search_by(|(a, b, c, _)| (*a, *b, *c).cmp(&key)).ok().map(|i| UNIT_PATTERNS[i].3)
            })
        };
        let missing = |what: &str| range(format!("no CLDR {width} pattern for {what} in {locale}"));
        let mut patterns: [String; 6] = Default::default();
        if let Some(fields) = entry(unit) {
            for (pattern, category) in patterns.iter_mut().zip(CATEGORIES) {
                *pattern = plural(fields, category).ok_or_else(|| missing(unit))?.to_string();
            }
        } else {
            // Only a compound lacks an entry of its own (every sanctioned unit
            // has one in `und`).
            let (x, y) = unit.split_once("-per-").ok_or_else(|| missing(unit))?;
            let numerator = entry(x).ok_or_else(|| missing(x))?;
            let denominator = entry(y).ok_or_else(|| missing(y))?;
            // "{0} per Y", or the compound pattern with Y's singular name.
            let per = match field(denominator, "per") {
                Some(per) => per.to_string(),
                None => {
                    let compound = entry("per").and_then(|f| field(f, "compound")).ok_or_else(|| missing("per"))?;
                    let name = plural(denominator, "one").ok_or_else(|| missing(y))?.replace("{0}", "");
                    compound.replacen("{1}", name.trim(), 1)
                }
            };
            for (pattern, category) in patterns.iter_mut().zip(CATEGORIES) {
                let x_pattern = plural(numerator, category).ok_or_else(|| missing(x))?;
                *pattern = per.replacen("{0}", x_pattern, 1);
            }
        }
        Ok(UnitPatterns { patterns })
    }

    /// The number's parts in the pattern of its plural category: the text
    /// around them is the `unit`, the spaces (and bidi marks) at its ends
    /// `literal`s, as ICU gives them.
    pub fn parts(&self, category: PluralCategory, number: Vec<Part>) -> Vec<Part> {
        let pattern = &self.patterns[index(category)];
        // Some patterns have no number (ar's singular "لتر"), as in ICU.
        let Some((before, after)) = pattern.split_once("{0}") else {
            return affix_parts(pattern);
        };
        let mut parts = affix_parts(before);
        parts.extend(number);
        parts.extend(affix_parts(after));
        parts
    }
}

/// The locale and its CLDR parents, ending at `und`.
fn parent_chain(locale: &Locale) -> Vec<String> {
    let mut chain = Vec::new();
    let mut fallback = LocaleFallbacker::new().for_config(Default::default()).fallback_for(DataLocale::from(locale));
    loop {
        chain.push(fallback.get().to_string());
        if fallback.get().is_unknown() {
            return chain;
        }
        fallback.step();
    }
}

fn affix_parts(text: &str) -> Vec<Part> {
    let blank = |c: char| c.is_whitespace() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{61c}');
    let core = text.trim_matches(blank);
    let mut parts = Vec::new();
    let mut push = |kind: &str, value: &str| {
        if !value.is_empty() {
            parts.push(Part { kind: kind.into(), value: value.into() });
        }
    };
    if core.is_empty() {
        push("literal", text);
        return parts;
    }
    let start = text.len() - text.trim_start_matches(blank).len();
    push("literal", &text[..start]);
    push("unit", core);
    push("literal", &text[start + core.len()..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(patterns: &UnitPatterns, category: PluralCategory, number: &str) -> String {
        let number = vec![Part { kind: "integer".into(), value: number.into() }];
        patterns.parts(category, number).iter().map(|p| p.value.as_str()).collect()
    }

    fn patterns(locale: &str, unit: &str, display: UnitDisplay) -> UnitPatterns {
        UnitPatterns::new(&locale.parse().unwrap(), unit, display).unwrap()
    }

    #[test]
    fn units_take_their_plural_pattern_and_compounds_compose() {
        let km = patterns("en", "kilometer", UnitDisplay::Long);
        assert_eq!(text(&km, PluralCategory::One, "1"), "1 kilometer");
        assert_eq!(text(&km, PluralCategory::Other, "2"), "2 kilometers");
        // CLDR's own compound, then one made from "{0} per second".
        assert_eq!(
            text(&patterns("en", "kilometer-per-hour", UnitDisplay::Short), PluralCategory::Other, "5"),
            "5 km/h"
        );
        let mbps = patterns("de", "megabyte-per-second", UnitDisplay::Long);
        assert_eq!(text(&mbps, PluralCategory::Other, "5"), "5 Megabyte pro Sekunde");
        // Regions inherit from their CLDR parents; a language without data, from `und`.
        assert_eq!(text(&patterns("en-AU", "liter", UnitDisplay::Long), PluralCategory::Other, "2"), "2 litres");
        assert_eq!(text(&patterns("it", "kilometer", UnitDisplay::Short), PluralCategory::Other, "2"), "2 km");
        let parts = km.parts(PluralCategory::Other, vec![Part { kind: "integer".into(), value: "2".into() }]);
        let kinds: Vec<&str> = parts.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["integer", "literal", "unit"]);
    }

    #[test]
    fn only_sanctioned_units_are_well_formed() {
        assert!(well_formed("mile-scandinavian") && well_formed("gigabyte-per-hour"));
        assert!(
            !well_formed("furlong") && !well_formed("meter-per-furlong") && !well_formed("meter-per-second-per-hour")
        );
        let bad = UnitPatterns::new(&"en".parse().unwrap(), "furlong", UnitDisplay::Short);
        assert!(matches!(bad, Err(IntlError::Range(_))));
    }
}
