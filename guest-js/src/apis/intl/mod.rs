//! Native half of `Intl` (intl.js): locale data and formatting are the
//! host's (`nano:platform/intl`, on ICU4X), so no CLDR data is in the
//! snapshot. A formatter is a host resource in the instance's handle table,
//! made when JS first formats with it and dropped when its object is
//! collected (intl.js's FinalizationRegistry).

use crate::instance;
use crate::nano::platform::intl::TimePrecision;
use crate::nano::platform::intl::{
    self, Collator, CollatorStrength, CurrencyDisplay, DateFields, DateLength, DateTimeFormat, DisplayNames,
    DisplayStyle, DisplayType, Granularity, IntlError, ListFormat, ListStyle, ListType, LocaleChange, Notation,
    NumberFormat, NumberStyle, Part, PluralRules, RelativeStyle, RelativeTimeFormat, SignDisplay, TimeUnit,
    UnitDisplay,
};
use rquickjs::{Array, Ctx, Exception, Object, Result};

/// A host formatter JS holds the id of.
pub enum Formatter {
    Number(NumberFormat),
    Plural(PluralRules),
    Collator(Collator),
    List(ListFormat),
    DateTime(DateTimeFormat),
    RelativeTime(RelativeTimeFormat),
    DisplayNames(DisplayNames),
}

/// Bad tags and options are RangeErrors (ECMA-402), oversized input a
/// TypeError, quota a QuotaExceededError.
fn throw(ctx: &Ctx<'_>, error: IntlError) -> rquickjs::Error {
    match error {
        IntlError::Range(message) => Exception::throw_range(ctx, &message),
        IntlError::Invalid(message) => Exception::throw_type(ctx, &message),
        IntlError::Quota(message) => crate::hooks::throw_dom_exception(ctx, "QuotaExceededError", &message),
    }
}

pub fn canonicalize(ctx: Ctx<'_>, tags: Vec<String>) -> Result<Vec<String>> {
    intl::canonicalize(&tags).map_err(|e| throw(&ctx, e))
}

pub fn supported(tags: Vec<String>) -> Vec<String> {
    intl::supported(&tags)
}

pub fn resolve(tags: Vec<String>) -> String {
    intl::resolve(&tags)
}

/// A tag's parts for Intl.Locale: { tag, baseName, language, script, region }.
pub fn locale<'js>(ctx: Ctx<'js>, tag: String, change: LocaleChange) -> Result<Object<'js>> {
    let parts = intl::locale(&tag, change).map_err(|e| throw(&ctx, e))?;
    let out = Object::new(ctx)?;
    out.set("tag", parts.tag)?;
    out.set("baseName", parts.base_name)?;
    out.set("language", parts.language)?;
    out.set("script", parts.script)?;
    out.set("region", parts.region)?;
    Ok(out)
}

/// ECMA-402's parts: [{ type, value }].
fn parts_array<'js>(ctx: &Ctx<'js>, parts: Vec<Part>) -> Result<Array<'js>> {
    let out = Array::new(ctx.clone())?;
    for (i, part) in parts.into_iter().enumerate() {
        let object = Object::new(ctx.clone())?;
        object.set("type", part.kind)?;
        object.set("value", part.value)?;
        out.set(i, object)?;
    }
    Ok(out)
}

fn keep(ctx: &Ctx<'_>, made: std::result::Result<Formatter, IntlError>) -> Result<u32> {
    let formatter = made.map_err(|e| throw(ctx, e))?;
    instance::with(|i| i.handles.insert(formatter)).map_err(|e| Exception::throw_type(ctx, &e))
}

fn with<R>(ctx: &Ctx<'_>, id: u32, f: impl FnOnce(&Formatter) -> Option<R>) -> Result<R> {
    instance::with(|i| i.handles.get::<Formatter>(id).and_then(f))
        .ok_or_else(|| Exception::throw_type(ctx, "not an Intl formatter of this instance"))
}

/// `options`: intl.js's checked options ({ style, currency, display, unit,
/// unitDisplay, notation, grouping, minimumFractionDigits, maximumFractionDigits,
/// minimumSignificantDigits, maximumSignificantDigits, signDisplay }).
pub fn number_format_new<'js>(ctx: Ctx<'js>, locale: String, options: Object<'js>) -> Result<u32> {
    let currency: Option<String> = options.get("currency")?;
    let unit: Option<String> = options.get("unit")?;
    let minimum_significant: Option<u8> = options.get("minimumSignificantDigits")?;
    let maximum_significant: Option<u8> = options.get("maximumSignificantDigits")?;
    let made = NumberFormat::create(
        &locale,
        options.get::<_, NumberStyle>("style")?,
        currency.as_deref(),
        options.get::<_, CurrencyDisplay>("display")?,
        unit.as_deref(),
        options.get::<_, UnitDisplay>("unitDisplay")?,
        options.get::<_, Notation>("notation")?,
        options.get("grouping")?,
        options.get("minimumFractionDigits")?,
        options.get("maximumFractionDigits")?,
        minimum_significant.zip(maximum_significant),
        options.get::<_, SignDisplay>("signDisplay")?,
    );
    keep(&ctx, made.map(Formatter::Number))
}

pub fn number_format<'js>(ctx: Ctx<'js>, id: u32, value: f64) -> Result<Array<'js>> {
    let parts = with(&ctx, id, |f| match f {
        Formatter::Number(f) => Some(f.format(value)),
        _ => None,
    })?;
    parts_array(&ctx, parts)
}

pub fn plural_rules_new(ctx: Ctx<'_>, locale: String, ordinal: bool, minimum: u8, maximum: u8) -> Result<u32> {
    keep(&ctx, PluralRules::create(&locale, ordinal, minimum, maximum).map(Formatter::Plural))
}

pub fn plural_select(ctx: Ctx<'_>, id: u32, value: f64) -> Result<String> {
    with(&ctx, id, |f| match f {
        Formatter::Plural(f) => Some(f.select(value)),
        _ => None,
    })
}

pub fn plural_categories(ctx: Ctx<'_>, id: u32) -> Result<Vec<String>> {
    with(&ctx, id, |f| match f {
        Formatter::Plural(f) => Some(f.categories()),
        _ => None,
    })
}

pub fn collator_new(
    ctx: Ctx<'_>,
    locale: String,
    strength: CollatorStrength,
    numeric: bool,
    ignore_punctuation: bool,
) -> Result<u32> {
    keep(&ctx, Collator::create(&locale, strength, numeric, ignore_punctuation).map(Formatter::Collator))
}

pub fn collator_compare(ctx: Ctx<'_>, id: u32, a: String, b: String) -> Result<i32> {
    let result = with(&ctx, id, |f| match f {
        Formatter::Collator(f) => Some(f.compare(&a, &b)),
        _ => None,
    })?;
    result.map(i32::from).map_err(|e| throw(&ctx, e))
}

pub fn list_format_new(ctx: Ctx<'_>, locale: String, kind: ListType, style: ListStyle) -> Result<u32> {
    keep(&ctx, ListFormat::create(&locale, kind, style).map(Formatter::List))
}

pub fn list_format<'js>(ctx: Ctx<'js>, id: u32, items: Vec<String>) -> Result<Array<'js>> {
    let result = with(&ctx, id, |f| match f {
        Formatter::List(f) => Some(f.format(&items)),
        _ => None,
    })?;
    parts_array(&ctx, result.map_err(|e| throw(&ctx, e))?)
}

pub fn time_zone(ctx: Ctx<'_>, name: String) -> Result<String> {
    intl::time_zone(&name).map_err(|e| throw(&ctx, e))
}

/// `options`: intl.js's checked options ({ timeZone, fields, precision,
/// length, fullYear, hour12 }).
pub fn date_time_format_new<'js>(ctx: Ctx<'js>, locale: String, options: Object<'js>) -> Result<u32> {
    let zone: String = options.get("timeZone")?;
    let made = DateTimeFormat::create(
        &locale,
        &zone,
        options.get::<_, DateFields>("fields")?,
        options.get::<_, TimePrecision>("precision")?,
        options.get::<_, DateLength>("length")?,
        options.get("fullYear")?,
        options.get("hour12")?,
    );
    keep(&ctx, made.map(Formatter::DateTime))
}

pub fn date_time_format<'js>(ctx: Ctx<'js>, id: u32, epoch_ms: f64) -> Result<Array<'js>> {
    let result = with(&ctx, id, |f| match f {
        Formatter::DateTime(f) => Some(f.format(epoch_ms)),
        _ => None,
    })?;
    parts_array(&ctx, result.map_err(|e| throw(&ctx, e))?)
}

pub fn relative_time_format_new(ctx: Ctx<'_>, locale: String, style: RelativeStyle, numeric_auto: bool) -> Result<u32> {
    keep(&ctx, RelativeTimeFormat::create(&locale, style, numeric_auto).map(Formatter::RelativeTime))
}

pub fn relative_time_format<'js>(ctx: Ctx<'js>, id: u32, value: f64, unit: TimeUnit) -> Result<Array<'js>> {
    let result = with(&ctx, id, |f| match f {
        Formatter::RelativeTime(f) => Some(f.format(value, unit)),
        _ => None,
    })?;
    parts_array(&ctx, result.map_err(|e| throw(&ctx, e))?)
}

pub fn display_names_new(
    ctx: Ctx<'_>,
    locale: String,
    kind: DisplayType,
    style: DisplayStyle,
    dialect: bool,
) -> Result<u32> {
    keep(&ctx, DisplayNames::create(&locale, kind, style, dialect).map(Formatter::DisplayNames))
}

/// The locale's name for `code`, or undefined when it has none.
pub fn display_names_of(ctx: Ctx<'_>, id: u32, code: String) -> Result<Option<String>> {
    let result = with(&ctx, id, |f| match f {
        Formatter::DisplayNames(f) => Some(f.of(&code)),
        _ => None,
    })?;
    result.map_err(|e| throw(&ctx, e))
}

/// Where the segments start: [index, wordLike, index, wordLike, ...].
pub fn segment<'js>(ctx: Ctx<'js>, input: String, granularity: Granularity) -> Result<Array<'js>> {
    let starts = intl::segment(&input, granularity).map_err(|e| throw(&ctx, e))?;
    let out = Array::new(ctx.clone())?;
    for (i, start) in starts.into_iter().enumerate() {
        out.set(2 * i, start.index)?;
        out.set(2 * i + 1, start.word_like)?;
    }
    Ok(out)
}

/// Drops a formatter whose object is gone, or one used once at build time.
pub fn drop_formatter(id: u32) {
    let formatter = instance::with(|i| i.handles.remove::<Formatter>(id));
    drop(formatter); // outside the instance: dropping calls into the host
}
