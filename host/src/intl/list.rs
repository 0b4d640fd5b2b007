//! Intl.ListFormat: conjunctions, disjunctions and unit lists.

use super::parts::parts_of;
use super::{admit, data_error, invalid, locale_of, release, MAX_ITEMS, MAX_TEXT};
use crate::bindings::nano::platform::intl::{HostListFormat, IntlError, ListStyle, ListType, Part};
use crate::state::State;
use icu::list::options::{ListFormatterOptions, ListLength};
use icu::list::ListFormatter;
use wasmtime::component::Resource;

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
