//! Intl.NumberFormat: decimal, percent, currency, unit and compact styles.

use super::parts::{parts_of, percent_parts};
use super::unit::UnitPatterns;
use super::{admit, data_error, invalid, locale_of, range, release};
use crate::bindings::nano::platform::intl::{
    CurrencyDisplay, HostNumberFormat, IntlError, Notation, NumberStyle, Part, SignDisplay, UnitDisplay,
};
use crate::state::State;
use fixed_decimal::{Decimal, FloatPrecision, SignedRoundingMode, UnsignedRoundingMode};
use icu::decimal::options::{CompactDecimalFormatterOptions, DecimalFormatterOptions, GroupingStrategy};
use icu::decimal::{CompactDecimalFormatter, DecimalFormatter};
use icu::experimental::dimension::currency::formatter::CurrencyFormatter;
use icu::experimental::dimension::currency::CurrencyType;
use icu::experimental::dimension::percent::formatter::PercentFormatter;
use icu::locale::Locale;
use icu::plurals::{PluralCategory, PluralRules};
use wasmtime::component::Resource;
use writeable::Writeable;

/// How one NumberFormat formats: the ICU4X formatter for its style.
enum NumberFormatter {
    Decimal(DecimalFormatter),
    /// The percent formatter, a decimal one for the number's parts, and
    /// whether it is the unit style's `percent` (the value not scaled, the
    /// sign a `unit` part).
    Percent(PercentFormatter<DecimalFormatter>, DecimalFormatter, bool),
    Currency(CurrencyFormatter<DecimalFormatter>),
    Compact(CompactDecimalFormatter),
    /// The number as the decimal style's, its plural category, the unit's patterns.
    Unit(DecimalFormatter, PluralRules, Box<UnitPatterns>),
}

/// One Intl.NumberFormat in the host.
pub struct NumberFormat {
    formatter: NumberFormatter,
    minimum_fraction: i16,
    maximum_fraction: i16,
    /// Significant digits (minimum, maximum): when set, they round the
    /// value instead of the fraction digits (ECMA-402's roundingPriority
    /// `auto`).
    significant: Option<(i16, i16)>,
    sign: fixed_decimal::SignDisplay,
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
        unit: Option<&str>,
        unit_display: UnitDisplay,
        notation: Notation,
        grouping: bool,
        minimum_fraction: u8,
        maximum_fraction: u8,
        significant: Option<(u8, u8)>,
        sign: SignDisplay,
    ) -> Result<NumberFormat, IntlError> {
        if minimum_fraction > maximum_fraction || maximum_fraction > 100 {
            return Err(range("maximumFractionDigits value is out of range."));
        }
        if let Some((minimum, maximum)) = significant {
            if minimum < 1 || minimum > maximum || maximum > 21 {
                return Err(range("maximumSignificantDigits value is out of range."));
            }
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
                false,
            ),
            // ICU formats the short and narrow percent unit as the locale's
            // percent style (its symbol and spacing), not by the unit's pattern.
            (NumberStyle::Unit, Notation::Standard) if unit == Some("percent") && unit_display != UnitDisplay::Long => {
                NumberFormatter::Percent(
                    PercentFormatter::try_new_with_decimal_formatter((&locale).into(), decimal()?, Default::default())
                        .map_err(data_error)?,
                    decimal()?,
                    true,
                )
            }
            (NumberStyle::Unit, Notation::Standard) => {
                let unit = unit.ok_or_else(|| invalid("Unit is required with unit style."))?;
                let patterns = UnitPatterns::new(&locale, unit, unit_display)?;
                let rules = PluralRules::try_new_cardinal((&locale).into()).map_err(data_error)?;
                NumberFormatter::Unit(decimal()?, rules, Box::new(patterns))
            }
            (NumberStyle::Unit, _) => return Err(range("nano formats the unit style in standard notation only")),
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
            significant: significant.map(|(minimum, maximum)| (minimum.into(), maximum.into())),
            sign: match sign {
                SignDisplay::Auto => fixed_decimal::SignDisplay::Auto,
                SignDisplay::Always => fixed_decimal::SignDisplay::Always,
                SignDisplay::Never => fixed_decimal::SignDisplay::Never,
                SignDisplay::ExceptZero => fixed_decimal::SignDisplay::ExceptZero,
                SignDisplay::Negative => fixed_decimal::SignDisplay::Negative,
            },
        })
    }

    /// The value as ECMA-402 rounds it: half away from zero at the maximum
    /// significant or fraction digits, padded to the minimum, its sign
    /// shown as `signDisplay` says.
    fn decimal(&self, value: f64, scale: i16) -> Decimal {
        let mut d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
        d.multiply_pow10(scale);
        d.absolute.trim_start();
        if let Some((minimum, maximum)) = self.significant {
            // Digits count from the first nonzero one (a zero's is the units).
            let top = d.absolute.nonzero_magnitude_start();
            d.round_with_mode(top - maximum + 1, fixed_decimal_mode());
            d.absolute.trim_end();
            // Rounding may carry into a new top digit (9.99 to 10).
            let top = d.absolute.nonzero_magnitude_start();
            d.absolute.pad_end((top - minimum + 1).min(0));
        } else {
            d.round_with_mode(-self.maximum_fraction, fixed_decimal_mode());
            d.absolute.trim_end();
            d.absolute.pad_end(-self.minimum_fraction);
        }
        d.apply_sign_display(self.sign);
        d
    }

    /// The unrounded value with its sign shown as `signDisplay` says (the
    /// currency and compact formatters round for themselves).
    fn signed(&self, value: f64) -> Decimal {
        let mut d = Decimal::try_from_f64(value, FloatPrecision::RoundTrip).unwrap_or_default();
        d.apply_sign_display(self.sign);
        d
    }

    pub fn format(&self, value: f64) -> Vec<Part> {
        if !value.is_finite() {
            return match &self.formatter {
                NumberFormatter::Unit(_, _, patterns) => patterns.parts(PluralCategory::Other, non_finite(value)),
                _ => non_finite(value),
            };
        }
        match &self.formatter {
            NumberFormatter::Decimal(f) => parts_of(&f.format(&self.decimal(value, 0)), "literal"),
            NumberFormatter::Percent(f, numbers, unit) => {
                let d = self.decimal(value, if *unit { 0 } else { 2 });
                let whole = f.format(&d).write_to_string().into_owned();
                percent_parts(
                    &whole,
                    parts_of(&numbers.format(&Decimal::new(Default::default(), d.absolute.clone())), "literal"),
                    if *unit { "unit" } else { "percentSign" },
                )
            }
            NumberFormatter::Currency(f) => parts_of(&f.format_fixed_decimal(&self.signed(value)), "currency"),
            NumberFormatter::Compact(f) => parts_of(&f.format(&self.signed(value)), "compact"),
            NumberFormatter::Unit(f, rules, patterns) => {
                // The category of the number as shown (its visible fraction
                // digits count), as ECMA-402 says.
                let d = self.decimal(value, 0);
                patterns.parts(rules.category_for(&d), parts_of(&f.format(&d), "literal"))
            }
        }
    }
}

pub(super) fn fixed_decimal_mode() -> SignedRoundingMode {
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

impl HostNumberFormat for State {
    fn create(
        &mut self,
        locale: String,
        style: NumberStyle,
        currency: Option<String>,
        display: CurrencyDisplay,
        unit: Option<String>,
        unit_display: UnitDisplay,
        notation: Notation,
        grouping: bool,
        minimum_fraction: u8,
        maximum_fraction: u8,
        significant: Option<(u8, u8)>,
        sign: SignDisplay,
    ) -> wasmtime::Result<Result<Resource<NumberFormat>, IntlError>> {
        let made = NumberFormat::new(
            &locale,
            style,
            currency.as_deref(),
            display,
            unit.as_deref(),
            unit_display,
            notation,
            grouping,
            minimum_fraction,
            maximum_fraction,
            significant,
            sign,
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
#[cfg(test)]
mod tests {
    use super::*;

    fn text(parts: &[Part]) -> String {
        parts.iter().map(|p| p.value.as_str()).collect()
    }

    #[test]
    fn numbers_format_per_locale() {
        let f = |locale, style, grouping| {
            let (currency, display, standard, auto) =
                (Some("EUR"), CurrencyDisplay::Symbol, Notation::Standard, SignDisplay::Auto);
            NumberFormat::new(
                locale,
                style,
                currency,
                display,
                None,
                UnitDisplay::Short,
                standard,
                grouping,
                0,
                3,
                None,
                auto,
            )
            .unwrap()
        };
        assert_eq!(text(&f("en", NumberStyle::Decimal, true).format(1234567.8915)), "1,234,567.892");
        assert_eq!(text(&f("de", NumberStyle::Decimal, false).format(-1234.5)), "-1234,5");
        assert_eq!(text(&f("en", NumberStyle::Percent, true).format(0.256)), "25.6%");
        assert_eq!(text(&f("de", NumberStyle::Currency, true).format(3.5)), "3,50\u{a0}€");
    }

    #[test]
    fn significant_digits_and_signs_apply() {
        let make = |significant, sign| {
            let (style, display, standard) = (NumberStyle::Decimal, CurrencyDisplay::Symbol, Notation::Standard);
            NumberFormat::new(
                "en",
                style,
                None,
                display,
                None,
                UnitDisplay::Short,
                standard,
                true,
                0,
                3,
                significant,
                sign,
            )
        };
        let f = |significant, sign| make(significant, sign).unwrap();
        let three = f(Some((1, 3)), SignDisplay::Auto);
        assert_eq!(text(&three.format(123456.0)), "123,000");
        assert_eq!(text(&three.format(0.012345)), "0.0123");
        assert_eq!(text(&three.format(9.996)), "10");
        assert_eq!(text(&f(Some((3, 5)), SignDisplay::Auto).format(1.0)), "1.00");
        assert_eq!(text(&f(None, SignDisplay::Always).format(5.0)), "+5");
        assert_eq!(text(&f(None, SignDisplay::ExceptZero).format(0.0)), "0");
        assert_eq!(text(&f(None, SignDisplay::ExceptZero).format(-2.0)), "-2");
        assert_eq!(text(&f(None, SignDisplay::Never).format(-2.0)), "2");
        assert_eq!(text(&f(None, SignDisplay::Negative).format(-0.0)), "0");
        assert_eq!(text(&f(None, SignDisplay::Auto).format(-0.0)), "-0");
        let bad = make(Some((4, 2)), SignDisplay::Auto);
        assert!(matches!(bad, Err(IntlError::Range(_))));
    }
}
