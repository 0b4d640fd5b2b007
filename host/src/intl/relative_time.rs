//! Intl.RelativeTimeFormat: "in 3 days", "yesterday" (CLDR's relative
//! patterns through ICU4X's `RelativeTimeFormatter`).
//!
//! ICU4X makes one formatter per unit and width while JS names the unit
//! at each call, so a format holds one slot per unit, filled on first use.

use super::number::fixed_decimal_mode;
use super::parts::parts_of;
use super::{admit, data_error, locale_of, range, release};
use crate::bindings::nano::platform::intl::{HostRelativeTimeFormat, IntlError, Part, RelativeStyle, TimeUnit};
use crate::state::State;
use fixed_decimal::{Decimal, FloatPrecision, Sign};
use icu::experimental::relativetime::options::Numeric;
use icu::experimental::relativetime::{
    RelativeTimeFormatter, RelativeTimeFormatterOptions, RelativeTimeFormatterPreferences,
};
use icu::locale::Locale;
use wasmtime::component::Resource;

/// ECMA-402's default digits for the number in a relative time (those of
/// a NumberFormat of the locale): at most 3 fraction digits.
const MAX_FRACTION: i16 = 3;

/// One Intl.RelativeTimeFormat in the host.
pub struct RelativeTimeFormat {
    locale: Locale,
    style: RelativeStyle,
    options: RelativeTimeFormatterOptions,
    /// The formatter of each `TimeUnit` (by its index), made on first use.
    units: [Option<RelativeTimeFormatter>; 8],
}

impl RelativeTimeFormat {
    pub fn new(locale: &str, style: RelativeStyle, numeric_auto: bool) -> Result<RelativeTimeFormat, IntlError> {
        let locale = locale_of(locale)?;
        let numeric = if numeric_auto { Numeric::Auto } else { Numeric::Always };
        let options = RelativeTimeFormatterOptions::default().with_numeric(numeric);
        let made = RelativeTimeFormat { locale, style, options, units: Default::default() };
        // The locale's data is checked now, so a bad one fails at construction.
        made.formatter(TimeUnit::Second)?;
        Ok(made)
    }

    fn formatter(&self, unit: TimeUnit) -> Result<RelativeTimeFormatter, IntlError> {
        use RelativeStyle as S;
        use RelativeTimeFormatter as F;
        use TimeUnit as U;
        let prefs = RelativeTimeFormatterPreferences::from(&self.locale);
        let options = self.options;
        let made = match (self.style, unit) {
            (S::Long, U::Second) => F::try_new_long_second(prefs, options),
            (S::Long, U::Minute) => F::try_new_long_minute(prefs, options),
            (S::Long, U::Hour) => F::try_new_long_hour(prefs, options),
            (S::Long, U::Day) => F::try_new_long_day(prefs, options),
            (S::Long, U::Week) => F::try_new_long_week(prefs, options),
            (S::Long, U::Month) => F::try_new_long_month(prefs, options),
            (S::Long, U::Quarter) => F::try_new_long_quarter(prefs, options),
            (S::Long, U::Year) => F::try_new_long_year(prefs, options),
            (S::Short, U::Second) => F::try_new_short_second(prefs, options),
            (S::Short, U::Minute) => F::try_new_short_minute(prefs, options),
            (S::Short, U::Hour) => F::try_new_short_hour(prefs, options),
            (S::Short, U::Day) => F::try_new_short_day(prefs, options),
            (S::Short, U::Week) => F::try_new_short_week(prefs, options),
            (S::Short, U::Month) => F::try_new_short_month(prefs, options),
            (S::Short, U::Quarter) => F::try_new_short_quarter(prefs, options),
            (S::Short, U::Year) => F::try_new_short_year(prefs, options),
            (S::Narrow, U::Second) => F::try_new_narrow_second(prefs, options),
            (S::Narrow, U::Minute) => F::try_new_narrow_minute(prefs, options),
            (S::Narrow, U::Hour) => F::try_new_narrow_hour(prefs, options),
            (S::Narrow, U::Day) => F::try_new_narrow_day(prefs, options),
            (S::Narrow, U::Week) => F::try_new_narrow_week(prefs, options),
            (S::Narrow, U::Month) => F::try_new_narrow_month(prefs, options),
            (S::Narrow, U::Quarter) => F::try_new_narrow_quarter(prefs, options),
            (S::Narrow, U::Year) => F::try_new_narrow_year(prefs, options),
        };
        made.map_err(data_error)
    }

    /// `value` of `unit` relative to now: past when negative (-0 too, as
    /// ECMA-402 says), rounded as the locale's NumberFormat would.
    pub fn format(&mut self, value: f64, unit: TimeUnit) -> Result<Vec<Part>, IntlError> {
        if !value.is_finite() {
            return Err(range("Invalid time value: the value must be finite"));
        }
        let slot = unit as usize;
        if self.units[slot].is_none() {
            self.units[slot] = Some(self.formatter(unit)?);
        }
        let Some(formatter) = &self.units[slot] else { unreachable!("filled above") };
        let mut d = Decimal::try_from_f64(value.abs(), FloatPrecision::RoundTrip).unwrap_or_default();
        d.round_with_mode(-MAX_FRACTION, fixed_decimal_mode());
        d.absolute.trim_end();
        // ICU4X keeps "yesterday"/"today" for values without a sign only;
        // ECMA-402 gives -0 the same word as 0.
        if value.is_sign_negative() && (value != 0.0 || self.options.numeric != Some(Numeric::Auto)) {
            d.set_sign(Sign::Negative);
        }
        Ok(parts_of(&formatter.format(d), "literal"))
    }
}

impl HostRelativeTimeFormat for State {
    fn create(
        &mut self,
        locale: String,
        style: RelativeStyle,
        numeric_auto: bool,
    ) -> wasmtime::Result<Result<Resource<RelativeTimeFormat>, IntlError>> {
        admit(self, RelativeTimeFormat::new(&locale, style, numeric_auto))
    }

    fn format(
        &mut self,
        this: Resource<RelativeTimeFormat>,
        value: f64,
        unit: TimeUnit,
    ) -> wasmtime::Result<Result<Vec<Part>, IntlError>> {
        Ok(self.table.get_mut(&this)?.format(value, unit))
    }

    fn drop(&mut self, this: Resource<RelativeTimeFormat>) -> wasmtime::Result<()> {
        release(self, this)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: &mut RelativeTimeFormat, value: f64, unit: TimeUnit) -> String {
        f.format(value, unit).unwrap().iter().map(|p| p.value.as_str()).collect()
    }

    #[test]
    fn relative_times_read_per_locale() {
        let mut en = RelativeTimeFormat::new("en", RelativeStyle::Long, false).unwrap();
        assert_eq!(text(&mut en, 3.0, TimeUnit::Day), "in 3 days");
        assert_eq!(text(&mut en, -1.0, TimeUnit::Day), "1 day ago");
        assert_eq!(text(&mut en, -0.0, TimeUnit::Day), "0 days ago");
        assert_eq!(text(&mut en, 1.23456, TimeUnit::Hour), "in 1.235 hours");
        let parts = en.format(1234.5, TimeUnit::Year).unwrap();
        let kinds: Vec<&str> = parts.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["literal", "integer", "group", "integer", "decimal", "fraction", "literal"]);
        let mut auto = RelativeTimeFormat::new("en", RelativeStyle::Long, true).unwrap();
        assert_eq!(text(&mut auto, -1.0, TimeUnit::Day), "yesterday");
        assert_eq!(text(&mut auto, -0.0, TimeUnit::Day), "today");
        // As Node 20 gives (de's CLDR pattern has a no-break space, fr's not).
        let mut de = RelativeTimeFormat::new("de", RelativeStyle::Short, false).unwrap();
        assert_eq!(text(&mut de, -2.0, TimeUnit::Month), "vor 2\u{a0}Monaten");
        let mut fr = RelativeTimeFormat::new("fr", RelativeStyle::Short, false).unwrap();
        assert_eq!(text(&mut fr, -2.0, TimeUnit::Month), "il y a 2 m.");
        assert!(matches!(en.format(f64::NAN, TimeUnit::Day), Err(IntlError::Range(_))));
    }
}
