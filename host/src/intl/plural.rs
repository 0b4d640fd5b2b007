//! Intl.PluralRules: CLDR's cardinal and ordinal categories.

use super::number::fixed_decimal_mode;
use super::{admit, data_error, locale_of, range, release};
use crate::bindings::nano::platform::intl::{HostPluralRules, IntlError};
use crate::state::State;
use fixed_decimal::{Decimal, FloatPrecision};
use icu::plurals::{PluralCategory, PluralRules};
use wasmtime::component::Resource;

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
