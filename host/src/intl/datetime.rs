//! Intl.DateTimeFormat: Gregorian dates and times in an IANA time zone.

use super::parts::parts_of;
use super::{admit, locale_of, range, release, MAX_TAG};
use crate::bindings::nano::platform::intl::{
    DateFields, DateLength, HostDateTimeFormat, IntlError, Part, TimePrecision,
};
use crate::state::State;
use icu::calendar::{Date, Gregorian};
use icu::datetime::fieldsets::builder::{self, FieldSetBuilder};
use icu::datetime::fieldsets::enums::CompositeDateTimeFieldSet;
use icu::datetime::options::{Length, YearStyle};
use icu::datetime::preferences::HourCycle;
use icu::datetime::{DateTimeFormatterPreferences, FixedCalendarDateTimeFormatter};
use icu::time::{DateTime, Time};
use wasmtime::component::Resource;

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
