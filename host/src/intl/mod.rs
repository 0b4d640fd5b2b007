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
//! Bounds: tags (and the codes DisplayNames names) are at most `MAX_TAG`
//! bytes, lists of them at most `MAX_TAGS`, strings to compare or segment
//! at most `MAX_TEXT` bytes, lists to format at most `MAX_ITEMS` items
//! (`MAX_TEXT` bytes in all), so one call's CPU is small. Formatters are resources charged to the instance's
//! host budget (`FOOTPRINT` each) and at most `MAX_LIVE` are alive at once.

mod collator;
mod datetime;
mod display_names;
mod list;
mod number;
mod parts;
mod plural;
mod relative_time;
mod segment;
mod unit;
mod unit_patterns;

pub use collator::Collator;
pub use datetime::{time_zone, DateTimeFormat};
pub use display_names::DisplayNames;
pub use list::ListFormat;
pub use number::NumberFormat;
pub use plural::Plurals;
pub use relative_time::RelativeTimeFormat;
pub use segment::segment;

use crate::bindings::nano::platform::intl::{Granularity, Host, IntlError, LocaleChange, LocaleParts, SegmentStart};
use crate::state::State;
use icu::locale::{Locale, LocaleCanonicalizer, LocaleExpander};
use icu_provider::prelude::*;
use wasmtime::component::Resource;

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

pub fn add_to_linker(linker: &mut wasmtime::component::Linker<State>) -> wasmtime::Result<()> {
    crate::bindings::nano::platform::intl::add_to_linker::<State, wasmtime::component::HasSelf<State>>(linker, |s| s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_resolve_by_lookup_with_a_default() {
        assert_eq!(canonicalize(&["EN-us".into(), "en-US".into()]).unwrap(), ["en-US"]);
        assert!(matches!(canonicalize(&["en_US".into()]), Err(IntlError::Range(_))));
        assert_eq!(resolve(&["xx".into(), "de-AT".into()]), "de-AT");
        assert_eq!(resolve(&["tlh".into()]), DEFAULT_LOCALE);
        assert_eq!(supported(&["fr".into(), "zz".into(), "ja-JP".into()]), ["fr", "ja-JP"]);
        assert_eq!(locale_parts("zh", LocaleChange::Maximize).unwrap().base_name, "zh-Hans-CN");
    }
}
