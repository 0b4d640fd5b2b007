//! Intl.Collator: UCA comparison with the locale's tailoring.

use super::{admit, data_error, invalid, locale_of, release, MAX_TEXT};
use crate::bindings::nano::platform::intl::{CollatorStrength, HostCollator, IntlError};
use crate::state::State;
use icu::collator::options::{AlternateHandling, CaseLevel, CollatorOptions, Strength};
use icu::collator::preferences::CollationNumericOrdering;
use icu::collator::{CollatorBorrowed, CollatorPreferences};
use wasmtime::component::Resource;

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
