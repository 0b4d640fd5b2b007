//! `nano:platform/intl`: ECMA-402's `Intl` on ICU4X (`icu`, compiled data).
//!
//! Why in the host: CLDR's data for every locale is several MB, which every
//! instance's snapshot would otherwise carry; here it is in the binary once
//! and shared. The guest (intl.js) reads the options as ECMA-402 says and
//! sends them typed; this module resolves locales and formats.
//!
//! Locales: a locale is supported when ICU4X has number data for its
//! language (and script) without falling back to the root; the lookup rule
//! removes subtags from the end until one is, else the default, `en-US`.
//! Unicode extensions (`-u-nu-…`) are dropped from resolved locales.
//!
//! Bounds: tags are at most `MAX_TAG` bytes, lists of them at most
//! `MAX_TAGS`, strings to compare or segment at most `MAX_TEXT` bytes, lists
//! to format at most `MAX_ITEMS` items (`MAX_TEXT` bytes in all), so one
//! call's CPU is small. Formatters are resources charged to the instance's
//! host budget (`FOOTPRINT` each) and at most `MAX_LIVE` are alive at once.

use crate::bindings::nano::platform::intl::{
    CollatorStrength, CurrencyDisplay, DateFields, DateLength, Granularity, Host, HostCollator, HostDateTimeFormat,
    HostListFormat, HostNumberFormat, HostPluralRules, IntlError, ListStyle, ListType, LocaleChange, LocaleParts,
    Notation, NumberStyle, Part, SegmentStart, TimePrecision,
};
use crate::state::State;
use fixed_decimal::{Decimal, FloatPrecision, SignedRoundingMode, UnsignedRoundingMode};
use icu::calendar::{Date, Gregorian};
use icu::collator::options::{AlternateHandling, CaseLevel, CollatorOptions, Strength};
use icu::collator::preferences::CollationNumericOrdering;
use icu::collator::{CollatorBorrowed, CollatorPreferences};
use icu::datetime::fieldsets::builder::{self, FieldSetBuilder};
use icu::datetime::fieldsets::enums::CompositeDateTimeFieldSet;
use icu::datetime::options::{Length, YearStyle};
use icu::datetime::preferences::HourCycle;
use icu::datetime::{DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter};
use icu::decimal::options::{CompactDecimalFormatterOptions, DecimalFormatterOptions, GroupingStrategy};
use icu::decimal::{CompactDecimalFormatter, DecimalFormatter};
use icu::experimental::dimension::currency::formatter::CurrencyFormatter;
use icu::experimental::dimension::currency::CurrencyType;
use icu::experimental::dimension::percent::formatter::PercentFormatter;
use icu::list::options::{ListFormatterOptions, ListLength};
use icu::list::ListFormatter;
use icu::locale::{Locale, LocaleCanonicalizer, LocaleExpander};
use icu::plurals::{PluralCategory, PluralRules};
use icu::segmenter::options::{SentenceBreakInvariantOptions, WordBreakInvariantOptions};
use icu::segmenter::{GraphemeClusterSegmenter, SentenceSegmenter, WordSegmenter};
use icu::time::{DateTime, Time};
use icu_provider::prelude::*;
use std::fmt;
use wasmtime::component::Resource;
use writeable::{PartsWrite, Writeable};

/// Longest language tag (ECMA-402 sets none; BCP 47 tags are short).
pub const MAX_TAG: usize = 255;
/// Most tags in one locale list.
pub const MAX_TAGS: usize = 64;
/// Most bytes of text one call compares, segments or formats.
pub const MAX_TEXT: usize = 64 << 10;
/// Most items one list format takes.
pub const MAX_ITEMS: usize = 1024;
/// Formatters (of every kind) one instance may hold at once.
pub const MAX_LIVE: usize = 1024;
/// The default locale (ECMA-402's DefaultLocale).
pub const DEFAULT_LOCALE: &str = "en-US";

/// Host bytes a formatter is charged: ICU4X's formatters hold borrowed
/// static data plus a few hundred bytes of their own.
const FOOTPRINT: usize = 1024;

fn range(message: impl Into<String>) -> IntlError {
    IntlError::Range(message.into())
}

fn invalid(message: impl Into<String>) -> IntlError {
    IntlError::Invalid(message.into())
}

fn data_error(e: DataError) -> IntlError {
    range(format!("no locale data: {e}"))
}

/// Parses and canonicalizes one tag (UTS #35 aliases, casing).
fn parse(tag: &str) -> Result<Locale, IntlError> {
    if tag.len() > MAX_TAG {
        return Err(range(format!("a language tag is at most {MAX_TAG} bytes")));
    }
    let mut locale =
        Locale::try_from_str(tag).map_err(|_| range(format!("Incorrect locale information provided: {tag}")))?;
    LocaleCanonicalizer::new_extended().canonicalize(&mut locale);
    Ok(locale)
}

/// ECMA-402's CanonicalizeLocaleList.
pub fn canonicalize(tags: &[String]) -> Result<Vec<String>, IntlError> {
    if tags.len() > MAX_TAGS {
        return Err(invalid(format!("at most {MAX_TAGS} locales at a time")));
    }
    let mut out: Vec<String> = Vec::new();
    for tag in tags {
        let tag = parse(tag)?.to_string();
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

/// Whether `M`'s data for the locale is its own or a parent's, not the
/// root's (ICU4X stores data equal to the root's only there).
fn own_data<M: DataMarker>(
    provider: &impl DataProvider<M>,
    attributes: &DataMarkerAttributes,
    locale: &DataLocale,
) -> bool {
    let id = DataIdentifierBorrowed::for_marker_attributes_and_locale(attributes, locale);
    let request = DataRequest { id, ..Default::default() };
    match provider.load(request) {
        Ok(response) => response.metadata.locale.is_none_or(|found| !found.is_unknown()),
        Err(_) => false,
    }
}

/// Whether ICU4X has data for the locale's language and script (a region
/// or variant of it is served by fallback within the language): its number
/// symbols or its list patterns differ from the root's.
fn has_data(locale: &Locale) -> bool {
    let data_locale = DataLocale::from(&locale.id);
    let none = DataMarkerAttributes::empty();
    let wide = icu::list::provider::ListFormatterPatterns::WIDE;
    own_data::<icu::decimal::provider::DecimalSymbolsV1>(&icu::decimal::provider::Baked, none, &data_locale)
        || own_data::<icu::list::provider::ListAndV1>(&icu::list::provider::Baked, wide, &data_locale)
}

/// The lookup rule for one canonical tag: subtags removed from the end
/// until one has data; the extensions are dropped.
fn lookup(tag: &str) -> Option<Locale> {
    let mut locale: Locale = parse(tag).ok()?.id.into();
    loop {
        if has_data(&locale) {
            return Some(locale);
        }
        let id = &mut locale.id;
        if !id.variants.is_empty() {
            id.variants.clear();
        } else if id.region.is_some() {
            id.region = None;
        } else if id.script.is_some() {
            id.script = None;
        } else {
            return None;
        }
    }
}

/// The supported ones of `tags` (ECMA-402's LookupSupportedLocales).
pub fn supported(tags: &[String]) -> Vec<String> {
    tags.iter().take(MAX_TAGS).filter(|tag| lookup(tag).is_some()).cloned().collect()
}

/// The locale a formatter uses: the first supported of `tags`, else the default.
pub fn resolve(tags: &[String]) -> String {
    tags.iter().take(MAX_TAGS).find_map(|tag| lookup(tag)).map_or_else(|| DEFAULT_LOCALE.to_string(), |l| l.to_string())
}

/// Intl.Locale's parts of a tag, maximized or minimized if asked.
pub fn locale_parts(tag: &str, change: LocaleChange) -> Result<LocaleParts, IntlError> {
    let mut locale = parse(tag)?;
    let expander = LocaleExpander::new_extended();
    match change {
        LocaleChange::None => {}
        LocaleChange::Maximize => {
            expander.maximize(&mut locale.id);
        }
        LocaleChange::Minimize => {
            expander.minimize(&mut locale.id);
        }
    }
    let id = &locale.id;
    Ok(LocaleParts {
        tag: locale.to_string(),
        base_name: id.to_string(),
        language: id.language.to_string(),
        script: id.script.map(|s| s.to_string()),
        region: id.region.map(|r| r.to_string()),
    })
}

fn locale_of(tag: &str) -> Result<Locale, IntlError> {
    parse(tag)
}

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

fn parts_of(value: &impl Writeable, outside: &str) -> Vec<Part> {
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
/// into signs, literals and the percent sign.
fn percent_parts(whole: &str, number: Vec<Part>) -> Vec<Part> {
    let digits: String = number.iter().map(|p| p.value.as_str()).collect();
    let Some(at) = whole.find(&digits) else {
        return vec![Part { kind: "literal".into(), value: whole.to_string() }];
    };
    let mut parts = affix_parts(&whole[..at]);
    parts.extend(number);
    parts.extend(affix_parts(&whole[at + digits.len()..]));
    parts
}

/// Text around a percent's number: runs of spaces and marks (literal),
/// signs, and the rest (the percent sign).
fn affix_parts(text: &str) -> Vec<Part> {
    let mut parts: Vec<Part> = Vec::new();
    for c in text.chars() {
        let kind = match c {
            '-' | '\u{2212}' => "minusSign",
            '+' => "plusSign",
            c if c.is_whitespace() || is_mark(c) => "literal",
            _ => "percentSign",
        };
        match parts.last_mut() {
            Some(last) if last.kind == kind && kind != "minusSign" => last.value.push(c),
            _ => parts.push(Part { kind: kind.into(), value: c.to_string() }),
        }
    }
    parts
}

/// How one NumberFormat formats: the ICU4X formatter for its style.
enum NumberFormatter {
    Decimal(DecimalFormatter),
    /// The percent formatter and a decimal one for the number's parts.
    Percent(PercentFormatter<DecimalFormatter>, DecimalFormatter),
    Currency(CurrencyFormatter<DecimalFormatter>),
    Compact(CompactDecimalFormatter),
}

/// One Intl.NumberFormat in the host.
pub struct NumberFormat {
    formatter: NumberFormatter,
    minimum_fraction: i16,
    maximum_fraction: i16,
}

fn currency_formatter(
    locale: &Locale,
    code: Option<&str>,
    display: CurrencyDisplay,
) -> Result<CurrencyFormatter<DecimalFormatter>, IntlError> {
    let code = code.ok_or_else(|| invalid("Currency code is required with currency style."))?;
    let currency = CurrencyType::try_from_str(code).map_err(|_| range(format!("Invalid currency code : {code}")))?;
    let prefs = locale.into();
    match display {
        CurrencyDisplay::Symbol => CurrencyFormatter::try_new_symbol(prefs, currency, Default::default()),
        CurrencyDisplay::NarrowSymbol => CurrencyFormatter::try_new_symbol_narrow(prefs, currency, Default::default()),
        CurrencyDisplay::Code => CurrencyFormatter::try_new_code(prefs, currency, Default::default()),
        CurrencyDisplay::Name => CurrencyFormatter::try_new_name(prefs, currency),
    }
    .map_err(data_error)
}

impl NumberFormat {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        locale: &str,
        style: NumberStyle,
        currency: Option<&str>,
        display: CurrencyDisplay,
        notation: Notation,
        grouping: bool,
        minimum_fraction: u8,
        maximum_fraction: u8,
    ) -> Result<NumberFormat, IntlError> {
        if minimum_fraction > maximum_fraction || maximum_fraction > 100 {
            return Err(range("maximumFractionDigits value is out of range."));
        }
        let locale = locale_of(locale)?;
        let grouping_strategy = Some(if grouping { GroupingStrategy::Auto } else { GroupingStrategy::Never });
        let mut options = DecimalFormatterOptions::default();
        options.grouping_strategy = grouping_strategy;
        let decimal = || DecimalFormatter::try_new((&locale).into(), options).map_err(data_error);
        let formatter = match (style, notation) {
            (NumberStyle::Currency, _) => NumberFormatter::Currency(currency_formatter(&locale, currency, display)?),
            (NumberStyle::Percent, _) => NumberFormatter::Percent(
                PercentFormatter::try_new_with_decimal_formatter((&locale).into(), decimal()?, Default::default())
                    .map_err(data_error)?,
                decimal()?,
            ),
            (NumberStyle::Decimal, Notation::Standard) => NumberFormatter::Decimal(decimal()?),
            (NumberStyle::Decimal, compact) => {
                let mut options = CompactDecimalFormatterOptions::default();
                if !grouping {
                    options.grouping_strategy = grouping_strategy;
                }
                let prefs = (&locale).into();
                let made = if compact == Notation::CompactLong {
                    CompactDecimalFormatter::try_new_long(prefs, options)
                } else {
                    CompactDecimalFormatter::try_new_short(prefs, options)
                };
                NumberFormatter::Compact(made.map_err(data_error)?)
            }
        };
        Ok(NumberFormat {
            formatter,
            minimum_fraction: minimum_fraction.into(),
            maximum_fraction: maximum_fraction.into(),
        })
    }

    /// The value as ECMA-402 rounds it: half away from zero at the maximum
    /// fraction digits, padded to the minimum.
    fn decimal(&self, value: f64, scale: i16) -> Decimal {
        let mut d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
        d.multiply_pow10(scale);
        d.absolute.trim_start();
        d.round_with_mode(-self.maximum_fraction, fixed_decimal_mode());
        d.absolute.trim_end();
        d.absolute.pad_end(-self.minimum_fraction);
        d
    }

    pub fn format(&self, value: f64) -> Vec<Part> {
        if !value.is_finite() {
            return non_finite(value);
        }
        match &self.formatter {
            NumberFormatter::Decimal(f) => parts_of(&f.format(&self.decimal(value, 0)), "literal"),
            NumberFormatter::Percent(f, numbers) => {
                let d = self.decimal(value, 2);
                let whole = f.format(&d).write_to_string().into_owned();
                percent_parts(
                    &whole,
                    parts_of(&numbers.format(&Decimal::new(Default::default(), d.absolute.clone())), "literal"),
                )
            }
            NumberFormatter::Currency(f) => {
                let d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
                let parts = parts_of(&f.format_fixed_decimal(&d), "currency");
                parts
            }
            NumberFormatter::Compact(f) => {
                let d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
                parts_of(&f.format(&d), "compact")
            }
        }
    }
}

fn fixed_decimal_mode() -> SignedRoundingMode {
    SignedRoundingMode::Unsigned(UnsignedRoundingMode::HalfExpand)
}

/// NaN and the infinities, which ICU4X's decimals cannot hold.
fn non_finite(value: f64) -> Vec<Part> {
    let mut parts = Vec::new();
    if value.is_nan() {
        parts.push(Part { kind: "nan".into(), value: "NaN".into() });
        return parts;
    }
    if value < 0.0 {
        parts.push(Part { kind: "minusSign".into(), value: "-".into() });
    }
    parts.push(Part { kind: "infinity".into(), value: "∞".into() });
    parts
}

/// One Intl.PluralRules in the host.
pub struct Plurals {
    rules: PluralRules,
    minimum_fraction: i16,
    maximum_fraction: i16,
}

fn category_name(category: PluralCategory) -> &'static str {
    match category {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

impl Plurals {
    pub fn new(locale: &str, ordinal: bool, minimum_fraction: u8, maximum_fraction: u8) -> Result<Plurals, IntlError> {
        if minimum_fraction > maximum_fraction || maximum_fraction > 100 {
            return Err(range("maximumFractionDigits value is out of range."));
        }
        let locale = locale_of(locale)?;
        let prefs = (&locale).into();
        let rules = if ordinal { PluralRules::try_new_ordinal(prefs) } else { PluralRules::try_new_cardinal(prefs) };
        Ok(Plurals {
            rules: rules.map_err(data_error)?,
            minimum_fraction: minimum_fraction.into(),
            maximum_fraction: maximum_fraction.into(),
        })
    }

    /// The category of the value as NumberFormat would show it (its
    /// visible fraction digits count, as ECMA-402 says).
    pub fn select(&self, value: f64) -> &'static str {
        if !value.is_finite() {
            return "other";
        }
        let mut d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
        d.round_with_mode(-self.maximum_fraction, fixed_decimal_mode());
        d.absolute.trim_end();
        d.absolute.pad_end(-self.minimum_fraction);
        category_name(self.rules.category_for(&d))
    }

    pub fn categories(&self) -> Vec<String> {
        self.rules.categories().map(|c| category_name(c).to_string()).collect()
    }
}

/// One Intl.Collator in the host.
pub struct Collator(CollatorBorrowed<'static>);

impl Collator {
    pub fn new(
        locale: &str,
        strength: CollatorStrength,
        numeric: bool,
        ignore_punctuation: bool,
    ) -> Result<Collator, IntlError> {
        let locale = locale_of(locale)?;
        let mut prefs = CollatorPreferences::from(&locale);
        if numeric {
            prefs.numeric_ordering = Some(CollationNumericOrdering::True);
        }
        let mut options = CollatorOptions::default();
        let (level, case_level) = match strength {
            CollatorStrength::Base => (Strength::Primary, false),
            CollatorStrength::Accent => (Strength::Secondary, false),
            CollatorStrength::Case => (Strength::Primary, true),
            CollatorStrength::Variant => (Strength::Tertiary, false),
        };
        options.strength = Some(level);
        if case_level {
            options.case_level = Some(CaseLevel::On);
        }
        if ignore_punctuation {
            options.alternate_handling = Some(AlternateHandling::Shifted);
        }
        Ok(Collator(CollatorBorrowed::try_new(prefs, options).map_err(data_error)?))
    }

    pub fn compare(&self, a: &str, b: &str) -> Result<i8, IntlError> {
        if a.len() + b.len() > MAX_TEXT {
            return Err(invalid(format!("at most {MAX_TEXT} bytes of text to compare at a time")));
        }
        Ok(self.0.compare(a, b) as i8)
    }
}

/// One Intl.ListFormat in the host.
pub struct ListFormat(ListFormatter);

impl ListFormat {
    pub fn new(locale: &str, kind: ListType, style: ListStyle) -> Result<ListFormat, IntlError> {
        let locale = locale_of(locale)?;
        let length = match style {
            ListStyle::Long => ListLength::Wide,
            ListStyle::Short => ListLength::Short,
            ListStyle::Narrow => ListLength::Narrow,
        };
        let options = ListFormatterOptions::default().with_length(length);
        let prefs = (&locale).into();
        let formatter = match kind {
            ListType::Conjunction => ListFormatter::try_new_and(prefs, options),
            ListType::Disjunction => ListFormatter::try_new_or(prefs, options),
            ListType::Unit => ListFormatter::try_new_unit(prefs, options),
        };
        Ok(ListFormat(formatter.map_err(data_error)?))
    }

    pub fn format(&self, items: &[String]) -> Result<Vec<Part>, IntlError> {
        let bytes: usize = items.iter().map(String::len).sum();
        if items.len() > MAX_ITEMS || bytes > MAX_TEXT {
            return Err(invalid(format!("at most {MAX_ITEMS} items and {MAX_TEXT} bytes to format at a time")));
        }
        Ok(parts_of(&self.0.format(items.iter()), "literal"))
    }
}

/// One Intl.DateTimeFormat in the host: a Gregorian formatter of the
/// fields asked for, and the time zone its instants are shown in (jiff's
/// bundled tz database gives the offset at each instant).
pub struct DateTimeFormat {
    formatter: FixedCalendarDateTimeFormatter<Gregorian, CompositeDateTimeFieldSet>,
    zone: jiff::tz::TimeZone,
}

fn zone_of(name: &str) -> Result<jiff::tz::TimeZone, IntlError> {
    if name.len() > MAX_TAG {
        return Err(range(format!("a time zone name is at most {MAX_TAG} bytes")));
    }
    if ["utc", "etc/utc", "gmt", "etc/gmt"].contains(&name.to_ascii_lowercase().as_str()) {
        return Ok(jiff::tz::TimeZone::UTC);
    }
    jiff::tz::TimeZone::get(name).map_err(|_| range(format!("Invalid time zone specified: {name}")))
}

/// The canonical spelling of a time zone's name (ECMA-402 shows UTC's
/// aliases as `UTC`).
pub fn time_zone(name: &str) -> Result<String, IntlError> {
    let zone = zone_of(name)?;
    Ok(zone.iana_name().filter(|n| !n.eq_ignore_ascii_case("utc")).unwrap_or("UTC").to_string())
}

fn builder_fields(fields: DateFields) -> Option<builder::DateFields> {
    use builder::DateFields as F;
    Some(match fields {
        DateFields::None => return None,
        DateFields::D => F::D,
        DateFields::Md => F::MD,
        DateFields::Ymd => F::YMD,
        DateFields::De => F::DE,
        DateFields::Mde => F::MDE,
        DateFields::Ymde => F::YMDE,
        DateFields::E => F::E,
        DateFields::M => F::M,
        DateFields::Ym => F::YM,
        DateFields::Y => F::Y,
    })
}

impl DateTimeFormat {
    pub fn new(
        locale: &str,
        zone: &str,
        fields: DateFields,
        precision: TimePrecision,
        length: DateLength,
        full_year: bool,
        hour12: Option<bool>,
    ) -> Result<DateTimeFormat, IntlError> {
        let locale = locale_of(locale)?;
        let zone = zone_of(zone)?;
        let mut fs = FieldSetBuilder::new();
        fs.length = Some(match length {
            DateLength::Long => Length::Long,
            DateLength::Medium => Length::Medium,
            DateLength::Short => Length::Short,
        });
        fs.date_fields = builder_fields(fields);
        fs.time_precision = match precision {
            TimePrecision::None => None,
            TimePrecision::Hour => Some(icu::datetime::options::TimePrecision::Hour),
            TimePrecision::Minute => Some(icu::datetime::options::TimePrecision::Minute),
            TimePrecision::Second => Some(icu::datetime::options::TimePrecision::Second),
        };
        let has_year = matches!(fields, DateFields::Ymd | DateFields::Ymde | DateFields::Ym | DateFields::Y);
        if has_year {
            fs.year_style = Some(if full_year { YearStyle::Full } else { YearStyle::Auto });
        }
        let field_set = fs.build_composite_datetime().map_err(|e| range(format!("unsupported date fields: {e}")))?;
        let mut prefs = DateTimeFormatterPreferences::from(&locale);
        if let Some(h12) = hour12 {
            prefs.hour_cycle = Some(if h12 { HourCycle::H12 } else { HourCycle::H23 });
        }
        let formatter = FixedCalendarDateTimeFormatter::try_new(prefs, field_set)
            .map_err(|e| range(format!("no date format: {e}")))?;
        Ok(DateTimeFormat { formatter, zone })
    }

    pub fn format(&self, epoch_ms: f64) -> Result<Vec<Part>, IntlError> {
        // ECMA-262's time values: at most 8.64e15 ms either side of 1970.
        if !epoch_ms.is_finite() || epoch_ms.abs() > 8.64e15 {
            return Err(range("Invalid time value"));
        }
        let instant = jiff::Timestamp::from_millisecond(epoch_ms.floor() as i64).map_err(|e| range(e.to_string()))?;
        let local = instant.to_zoned_datetime(self.zone.clone()).datetime();
        let date = Date::try_new_gregorian(local.year().into(), local.month() as u8, local.day() as u8)
            .map_err(|e| range(e.to_string()))?;
        let time = Time::try_new(local.hour() as u8, local.minute() as u8, local.second() as u8, 0)
            .map_err(|e| range(e.to_string()))?;
        let mut parts = parts_of(&self.formatter.format(&DateTime { date, time }), "literal");
        // As browsers and Node do: CLDR's narrow no-break space before AM/PM
        // is a plain space, which so much code parsing dates expects.
        for part in &mut parts {
            part.value = part.value.replace('\u{202f}', " ");
        }
        Ok(parts)
    }
}

/// Segment starts in UTF-16 code units from the UTF-8 boundaries ICU4X
/// gives (which always fall between characters).
fn utf16_starts(input: &str, starts: impl Iterator<Item = (usize, bool)>) -> Vec<SegmentStart> {
    let mut out = Vec::new();
    let (mut byte, mut unit) = (0, 0u32);
    let mut chars = input.chars();
    for (start, word_like) in starts {
        while byte < start {
            let Some(c) = chars.next() else { break };
            byte += c.len_utf8();
            unit += c.len_utf16() as u32;
        }
        out.push(SegmentStart { index: unit, word_like });
    }
    out
}

/// Where the segments of `input` start (the boundary at the end dropped),
/// each with whether the segment is word-like.
pub fn segment(input: &str, granularity: Granularity) -> Result<Vec<SegmentStart>, IntlError> {
    if input.len() > MAX_TEXT {
        return Err(invalid(format!("at most {MAX_TEXT} bytes of text to segment at a time")));
    }
    // ICU4X reports each boundary with the kind of the segment before it;
    // a segment starts at each boundary but the last.
    let bounds: Vec<(usize, bool)> = match granularity {
        Granularity::Grapheme => GraphemeClusterSegmenter::new().segment_str(input).map(|b| (b, false)).collect(),
        Granularity::Sentence => SentenceSegmenter::new(SentenceBreakInvariantOptions::default())
            .segment_str(input)
            .map(|b| (b, false))
            .collect(),
        Granularity::Word => WordSegmenter::new_dictionary(WordBreakInvariantOptions::default())
            .segment_str(input)
            .iter_with_word_type()
            .map(|(b, kind)| (b, kind.is_word_like()))
            .collect(),
    };
    let starts = bounds.windows(2).map(|w| (w[0].0, w[1].1));
    Ok(utf16_starts(input, starts))
}

/// Charges a new formatter to the instance and puts it in the table.
fn admit<T: Send + 'static>(
    state: &mut State,
    made: Result<T, IntlError>,
) -> wasmtime::Result<Result<Resource<T>, IntlError>> {
    if state.intl_objects >= MAX_LIVE {
        let message = format!("an instance can hold at most {MAX_LIVE} Intl formatters at once");
        return Ok(Err(IntlError::Quota(message)));
    }
    let made = match made {
        Ok(made) => made,
        Err(e) => return Ok(Err(e)),
    };
    if let Err(e) = state.budget.charge(FOOTPRINT) {
        return Ok(Err(IntlError::Quota(e.to_string())));
    }
    match state.table.push(made) {
        Ok(resource) => {
            state.intl_objects += 1;
            Ok(Ok(resource))
        }
        Err(e) => {
            state.budget.release(FOOTPRINT);
            Err(e.into())
        }
    }
}

fn release<T: 'static>(state: &mut State, this: Resource<T>) -> wasmtime::Result<()> {
    state.table.delete(this)?;
    state.budget.release(FOOTPRINT);
    state.intl_objects -= 1;
    Ok(())
}

impl Host for State {
    fn canonicalize(&mut self, tags: Vec<String>) -> wasmtime::Result<Result<Vec<String>, IntlError>> {
        Ok(canonicalize(&tags))
    }

    fn supported(&mut self, tags: Vec<String>) -> wasmtime::Result<Vec<String>> {
        Ok(supported(&tags))
    }

    fn resolve(&mut self, tags: Vec<String>) -> wasmtime::Result<String> {
        Ok(resolve(&tags))
    }

    fn locale(&mut self, tag: String, change: LocaleChange) -> wasmtime::Result<Result<LocaleParts, IntlError>> {
        Ok(locale_parts(&tag, change))
    }

    fn time_zone(&mut self, name: String) -> wasmtime::Result<Result<String, IntlError>> {
        Ok(time_zone(&name))
    }

    fn segment(
        &mut self,
        input: String,
        granularity: Granularity,
    ) -> wasmtime::Result<Result<Vec<SegmentStart>, IntlError>> {
        Ok(segment(&input, granularity))
    }
}

impl HostNumberFormat for State {
    fn create(
        &mut self,
        locale: String,
        style: NumberStyle,
        currency: Option<String>,
        display: CurrencyDisplay,
        notation: Notation,
        grouping: bool,
        minimum_fraction: u8,
        maximum_fraction: u8,
    ) -> wasmtime::Result<Result<Resource<NumberFormat>, IntlError>> {
        let made = NumberFormat::new(
            &locale,
            style,
            currency.as_deref(),
            display,
            notation,
            grouping,
            minimum_fraction,
            maximum_fraction,
        );
        admit(self, made)
    }

    fn format(&mut self, this: Resource<NumberFormat>, value: f64) -> wasmtime::Result<Vec<Part>> {
        Ok(self.table.get(&this)?.format(value))
    }

    fn drop(&mut self, this: Resource<NumberFormat>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

impl HostPluralRules for State {
    fn create(
        &mut self,
        locale: String,
        ordinal: bool,
        minimum_fraction: u8,
        maximum_fraction: u8,
    ) -> wasmtime::Result<Result<Resource<Plurals>, IntlError>> {
        admit(self, Plurals::new(&locale, ordinal, minimum_fraction, maximum_fraction))
    }

    fn select(&mut self, this: Resource<Plurals>, value: f64) -> wasmtime::Result<String> {
        Ok(self.table.get(&this)?.select(value).to_string())
    }

    fn categories(&mut self, this: Resource<Plurals>) -> wasmtime::Result<Vec<String>> {
        Ok(self.table.get(&this)?.categories())
    }

    fn drop(&mut self, this: Resource<Plurals>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

impl HostCollator for State {
    fn create(
        &mut self,
        locale: String,
        strength: CollatorStrength,
        numeric: bool,
        ignore_punctuation: bool,
    ) -> wasmtime::Result<Result<Resource<Collator>, IntlError>> {
        admit(self, Collator::new(&locale, strength, numeric, ignore_punctuation))
    }

    fn compare(&mut self, this: Resource<Collator>, a: String, b: String) -> wasmtime::Result<Result<i8, IntlError>> {
        Ok(self.table.get(&this)?.compare(&a, &b))
    }

    fn drop(&mut self, this: Resource<Collator>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

impl HostListFormat for State {
    fn create(
        &mut self,
        locale: String,
        kind: ListType,
        style: ListStyle,
    ) -> wasmtime::Result<Result<Resource<ListFormat>, IntlError>> {
        admit(self, ListFormat::new(&locale, kind, style))
    }

    fn format(
        &mut self,
        this: Resource<ListFormat>,
        items: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<Part>, IntlError>> {
        Ok(self.table.get(&this)?.format(&items))
    }

    fn drop(&mut self, this: Resource<ListFormat>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

impl HostDateTimeFormat for State {
    fn create(
        &mut self,
        locale: String,
        zone: String,
        fields: DateFields,
        precision: TimePrecision,
        length: DateLength,
        full_year: bool,
        hour12: Option<bool>,
    ) -> wasmtime::Result<Result<Resource<DateTimeFormat>, IntlError>> {
        admit(self, DateTimeFormat::new(&locale, &zone, fields, precision, length, full_year, hour12))
    }

    fn format(
        &mut self,
        this: Resource<DateTimeFormat>,
        epoch_ms: f64,
    ) -> wasmtime::Result<Result<Vec<Part>, IntlError>> {
        Ok(self.table.get(&this)?.format(epoch_ms))
    }

    fn drop(&mut self, this: Resource<DateTimeFormat>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::intl::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(parts: &[Part]) -> String {
        parts.iter().map(|p| p.value.as_str()).collect()
    }

    #[test]
    fn locales_resolve_by_lookup_with_a_default() {
        assert_eq!(canonicalize(&["EN-us".into(), "en-US".into()]).unwrap(), ["en-US"]);
        assert!(matches!(canonicalize(&["en_US".into()]), Err(IntlError::Range(_))));
        assert_eq!(resolve(&["xx".into(), "de-AT".into()]), "de-AT");
        assert_eq!(resolve(&["tlh".into()]), DEFAULT_LOCALE);
        assert_eq!(supported(&["fr".into(), "zz".into(), "ja-JP".into()]), ["fr", "ja-JP"]);
        assert_eq!(locale_parts("zh", LocaleChange::Maximize).unwrap().base_name, "zh-Hans-CN");
    }

    #[test]
    fn numbers_format_per_locale() {
        let f = |locale, style, grouping| {
            NumberFormat::new(locale, style, Some("EUR"), CurrencyDisplay::Symbol, Notation::Standard, grouping, 0, 3)
                .unwrap()
        };
        assert_eq!(text(&f("en", NumberStyle::Decimal, true).format(1234567.8915)), "1,234,567.892");
        assert_eq!(text(&f("de", NumberStyle::Decimal, false).format(-1234.5)), "-1234,5");
        assert_eq!(text(&f("en", NumberStyle::Percent, true).format(0.256)), "25.6%");
        assert_eq!(text(&f("de", NumberStyle::Currency, true).format(3.5)), "3,50\u{a0}€");
    }

    #[test]
    fn segments_count_utf16_units() {
        let starts = segment("a😀 b", Granularity::Grapheme).unwrap();
        assert_eq!(starts.iter().map(|s| s.index).collect::<Vec<_>>(), [0, 1, 3, 4]);
        let words = segment("Hi, you.", Granularity::Word).unwrap();
        assert_eq!(
            words.iter().map(|s| (s.index, s.word_like)).collect::<Vec<_>>(),
            [(0, true), (2, false), (3, false), (4, true), (7, false)]
        );
    }
}
