//! The log's timestamps: UTC to the microsecond in RFC 3339, exactly as
//! tracing-subscriber's default timer writes them
//! (`2026-12-05T04:51:55.784774Z`), but with the date and the time of day
//! worked out once a second per thread instead of for every line. At the
//! default level a server logs a line per request, and that calendar
//! arithmetic was ≈ 0.8% of a hello server's CPU in `perf`.

use std::cell::RefCell;
use std::fmt::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;

/// The timer of every log line (`with_timer`).
pub struct UtcMicros;

thread_local! {
    /// The second last written on this thread, and its text up to the
    /// seconds (`2026-12-05T04:51:55`).
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((0, String::new())) };
}

impl FormatTime for UtcMicros {
    fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
        let Ok(since_epoch) = SystemTime::now().duration_since(UNIX_EPOCH) else {
            // A clock before 1970: as the default timer writes it.
            return tracing_subscriber::fmt::time::SystemTime.format_time(w);
        };
        let (second, micros) = (since_epoch.as_secs(), since_epoch.subsec_micros());
        SECOND.with_borrow_mut(|(cached, text)| {
            if *cached != second || text.is_empty() {
                text.clear();
                if !date_and_time(second, text) {
                    return tracing_subscriber::fmt::time::SystemTime.format_time(w);
                }
                *cached = second;
            }
            write!(w, "{text}.{micros:06}Z")
        })
    }
}

/// `second` (since the Unix epoch) as `YYYY-MM-DDTHH:MM:SS` in UTC, or
/// false if it is past what jiff holds (the last day of year 9999).
fn date_and_time(second: u64, out: &mut String) -> bool {
    let Some(at) = i64::try_from(second).ok().and_then(|s| jiff::Timestamp::from_second(s).ok()) else {
        return false;
    };
    let t = jiff::tz::TimeZone::UTC.to_datetime(at);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(second: u64) -> String {
        let mut out = String::new();
        assert!(date_and_time(second, &mut out));
        out
    }

    #[test]
    fn dates_and_times_are_utc_calendar_ones() {
        assert_eq!(text(0), "1970-01-01T00:00:00");
        // A leap day, the last second of a day and of a leap year.
        assert_eq!(text(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(text(951_868_799), "2000-02-29T23:59:59");
        assert_eq!(text(978_307_199), "2000-12-31T23:59:59");
        assert_eq!(text(1_764_910_315), "2025-12-05T04:51:55");
        assert_eq!(text(253_402_207_199), "9999-12-30T21:59:59");
        // Past what jiff holds: the caller writes it as the default timer does.
        assert!(!date_and_time(253_402_300_800, &mut String::new()));
        assert!(!date_and_time(u64::MAX, &mut String::new()));
    }

    #[test]
    fn lines_carry_the_default_timer_s_format() {
        // Written the same second by both (retried if a second turns
        // between them), the two differ at most in the microseconds.
        for _ in 0..10 {
            let (mut ours, mut theirs) = (String::new(), String::new());
            UtcMicros.format_time(&mut Writer::new(&mut ours)).unwrap();
            tracing_subscriber::fmt::time::SystemTime.format_time(&mut Writer::new(&mut theirs)).unwrap();
            assert_eq!(ours.len(), theirs.len(), "{ours} against {theirs}");
            assert!(ours.ends_with('Z') && ours.as_bytes()[19] == b'.', "{ours}");
            if ours[..19] == theirs[..19] {
                return;
            }
        }
        panic!("the two timers never agreed on the second");
    }
}
