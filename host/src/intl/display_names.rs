//! Intl.DisplayNames: the names of languages, regions, scripts and
//! currencies in a locale (CLDR's through ICU4X's `displaynames` and the
//! currency display names of its `dimension` data).
//!
//! `of` answers `None` when the locale has no name for the code; the guest
//! applies ECMA-402's `fallback` (the code, or `undefined`).

use super::{admit, data_error, invalid, locale_of, range, release, MAX_TAG};
use crate::bindings::nano::platform::intl::{DisplayStyle, DisplayType, HostDisplayNames, IntlError};
use crate::state::State;
use icu::experimental::dimension::provider::currency::displayname::CurrencyDisplaynameV1;
use icu::experimental::displaynames::multi::{
    LanguageDisplayNames, LocaleDisplayNamesFormatter, RegionDisplayNames, ScriptDisplayNames,
};
use icu::experimental::displaynames::{DisplayNamesOptions, DisplayNamesPreferences, LanguageDisplay, Style};
use icu::locale::subtags::{Region, Script};
use icu::locale::{Locale, LocaleCanonicalizer};
use icu_provider::prelude::*;
use wasmtime::component::Resource;

enum Names {
    /// Whole tags ("British English"); the bare language's name tells
    /// whether the locale knows the language at all.
    Language(Box<(LocaleDisplayNamesFormatter, LanguageDisplayNames)>),
    Region(RegionDisplayNames),
    Script(ScriptDisplayNames),
    /// Currency names are per code in the data, loaded at each `of`.
    Currency(Locale),
}

/// One Intl.DisplayNames in the host.
pub struct DisplayNames(Names);

impl DisplayNames {
    pub fn new(locale: &str, kind: DisplayType, style: DisplayStyle, dialect: bool) -> Result<DisplayNames, IntlError> {
        let locale = locale_of(locale)?;
        let mut options = DisplayNamesOptions::default();
        options.style = Some(match style {
            DisplayStyle::Long => Style::Long,
            DisplayStyle::Short => Style::Short,
            // ICU (so V8 and Node) names narrow as short: CLDR has no
            // narrow names.
            DisplayStyle::Narrow => Style::Short,
        });
        options.language_display = if dialect { LanguageDisplay::Dialect } else { LanguageDisplay::Standard };
        let prefs = DisplayNamesPreferences::from(&locale);
        let names = match kind {
            DisplayType::Language => Names::Language(Box::new((
                LocaleDisplayNamesFormatter::try_new(prefs, options).map_err(data_error)?,
                LanguageDisplayNames::try_new(prefs, options).map_err(data_error)?,
            ))),
            DisplayType::Region => Names::Region(RegionDisplayNames::try_new(prefs, options).map_err(data_error)?),
            DisplayType::Script => Names::Script(ScriptDisplayNames::try_new(prefs, options).map_err(data_error)?),
            DisplayType::Currency => Names::Currency(locale),
        };
        Ok(DisplayNames(names))
    }

    /// The name of `code` (a language tag, a region, a script or an ISO
    /// 4217 code as the type says), or `None` when the data has none.
    pub fn of(&self, code: &str) -> Result<Option<String>, IntlError> {
        if code.len() > MAX_TAG {
            return Err(invalid(format!("a code to name is at most {MAX_TAG} bytes")));
        }
        let bad = || range(format!("invalid code for Intl.DisplayNames.prototype.of: {code}"));
        Ok(match &self.0 {
            Names::Language(names) => {
                let (tags, languages) = &**names;
                let mut tag = Locale::try_from_str(code).map_err(|_| bad())?;
                // ECMA-402 names a language tag without its extensions.
                tag.extensions = Default::default();
                LocaleCanonicalizer::new_extended().canonicalize(&mut tag);
                // A tag of an unknown language is still named by its other
                // subtags ("xx (United Kingdom)"), as ICU does.
                let known = languages.of(tag.id.language).is_some();
                let qualified = tag.id.script.is_some() || tag.id.region.is_some() || !tag.id.variants.is_empty();
                (known || qualified).then(|| tags.of(&tag).into_owned())
            }
            Names::Region(names) => {
                let region = Region::try_from_str(code).map_err(|_| bad())?;
                names.of(region).map(str::to_string)
            }
            Names::Script(names) => {
                let script = Script::try_from_str(code).map_err(|_| bad())?;
                names.of(script).map(str::to_string)
            }
            Names::Currency(locale) => {
                if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
                    return Err(bad());
                }
                currency_name(locale, &code.to_ascii_uppercase())?
            }
        })
    }
}

/// The currency's display name in the locale ("US Dollar"), if CLDR has one.
fn currency_name(locale: &Locale, code: &str) -> Result<Option<String>, IntlError> {
    let attributes = DataMarkerAttributes::try_from_str(code).map_err(|_| range(format!("bad currency {code}")))?;
    let data_locale = DataLocale::from(&locale.id);
    let id = DataIdentifierBorrowed::for_marker_attributes_and_locale(attributes, &data_locale);
    let request = DataRequest { id, ..Default::default() };
    let provider = icu::experimental::provider::Baked;
    match DataProvider::<CurrencyDisplaynameV1>::load(&provider, request) {
        Ok(response) => Ok(Some(response.payload.get().to_string())),
        Err(e) if e.kind == DataErrorKind::IdentifierNotFound => Ok(None),
        Err(e) => Err(data_error(e)),
    }
}

impl HostDisplayNames for State {
    fn create(
        &mut self,
        locale: String,
        kind: DisplayType,
        style: DisplayStyle,
        dialect: bool,
    ) -> wasmtime::Result<Result<Resource<DisplayNames>, IntlError>> {
        admit(self, DisplayNames::new(&locale, kind, style, dialect))
    }

    fn of(
        &mut self,
        this: Resource<DisplayNames>,
        code: String,
    ) -> wasmtime::Result<Result<Option<String>, IntlError>> {
        Ok(self.table.get(&this)?.of(&code))
    }

    fn drop(&mut self, this: Resource<DisplayNames>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(locale: &str, kind: DisplayType, style: DisplayStyle, code: &str) -> Option<String> {
        DisplayNames::new(locale, kind, style, true).unwrap().of(code).unwrap()
    }

    #[test]
    fn codes_are_named_per_locale() {
        use DisplayStyle::{Long, Short};
        assert_eq!(of("en", DisplayType::Language, Long, "en-GB").as_deref(), Some("British English"));
        assert_eq!(of("en", DisplayType::Language, Short, "en-GB").as_deref(), Some("UK English"));
        assert_eq!(of("de", DisplayType::Language, Long, "fr").as_deref(), Some("Französisch"));
        assert_eq!(of("en", DisplayType::Language, Long, "xx"), None);
        assert_eq!(of("en", DisplayType::Language, Long, "xx-GB").as_deref(), Some("xx (United Kingdom)"));
        assert_eq!(of("fr", DisplayType::Region, Long, "DE").as_deref(), Some("Allemagne"));
        assert_eq!(of("ru", DisplayType::Region, DisplayStyle::Narrow, "US").as_deref(), Some("США"));
        assert_eq!(of("en", DisplayType::Region, Long, "AA"), None);
        assert_eq!(of("en", DisplayType::Script, Long, "Latn").as_deref(), Some("Latin"));
        assert_eq!(of("ja", DisplayType::Currency, Long, "usd").as_deref(), Some("米ドル"));
        assert_eq!(of("en", DisplayType::Currency, Long, "XYZ"), None);
        let en = DisplayNames::new("en", DisplayType::Region, Long, true).unwrap();
        assert!(matches!(en.of("1"), Err(IntlError::Range(_))));
    }
}
