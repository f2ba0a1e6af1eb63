//! Time for the shop: a `Timestamp` type and an injectable `Clock`, so that tests and
//! fuzzers can drive time deterministically (expiry, "today", audit times), and the shop's
//! [`Zone`]: the one place calendar dates are computed (with `jiff`, which knows every IANA
//! zone and its daylight saving; the zone database is bundled, so hosts without
//! `/usr/share/zoneinfo` agree).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch, UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds in a second.
    pub const MILLIS_PER_SECOND: i64 = 1_000;
    /// Milliseconds in a minute.
    pub const MILLIS_PER_MINUTE: i64 = 60 * Self::MILLIS_PER_SECOND;
    /// Milliseconds in an hour.
    pub const MILLIS_PER_HOUR: i64 = 60 * Self::MILLIS_PER_MINUTE;
    /// Milliseconds in a UTC day (no leap seconds). A day of the shop's zone may be 23 or 25
    /// hours long: ask [`Zone`] for calendar days.
    pub const MILLIS_PER_DAY: i64 = 24 * Self::MILLIS_PER_HOUR;

    /// Milliseconds since the Unix epoch (the same as `.0`).
    pub fn millis(self) -> i64 {
        self.0
    }

    /// `self + millis`, saturating at the ends of the range (times never wrap).
    pub fn plus_millis(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }

    /// The calendar day (days since 1970-01-01) this instant falls on in `zone`.
    pub fn day_in(self, zone: &Zone) -> i64 {
        zone.day(self)
    }

    /// The key-order encoding: big-endian with the sign bit flipped, so that byte order is
    /// time order for negative and positive values alike.
    pub fn to_key_bytes(self) -> [u8; 8] {
        ((self.0 as u64) ^ (1 << 63)).to_be_bytes()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}

/// The shop's time zone: an IANA zone such as `Africa/Cairo` (daylight saving followed), or
/// a fixed offset from UTC (what shops had before zones; `UTC+03:00`). Days in statistics,
/// dates shown to people and day-based queries are the zone's calendar days.
#[derive(Clone)]
pub struct Zone {
    name: String,
    tz: jiff::tz::TimeZone,
}

/// A zone name that is neither a known IANA zone nor `UTC`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name:?} is not a time zone (use an IANA name such as Africa/Cairo, or UTC)")]
pub struct UnknownZone {
    /// The name as given (cut to 64 characters).
    pub name: String,
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone {
            name: "UTC".to_owned(),
            tz: jiff::tz::TimeZone::UTC,
        }
    }

    /// The IANA zone `name` (`Asia/Riyadh`, `Europe/Istanbul`; exact spelling, any case).
    pub fn named(name: &str) -> Result<Zone, UnknownZone> {
        let unknown = || UnknownZone {
            name: name.chars().take(64).collect(),
        };
        let trimmed = name.trim_matches(' ');
        if trimmed.is_empty() || trimmed.len() > 64 || trimmed.chars().any(char::is_control) {
            return Err(unknown());
        }
        let tz = jiff::tz::TimeZone::get(trimmed).map_err(|_| unknown())?;
        let name = tz.iana_name().unwrap_or(trimmed).to_owned();
        Ok(Zone { name, tz })
    }

    /// A fixed offset of `minutes` from UTC (no daylight saving), named `UTC+03:00`; UTC
    /// itself for 0. Offsets beyond ±25 hours are clamped (the shop allows -12 to +14).
    pub fn fixed(minutes: i32) -> Zone {
        if minutes == 0 {
            return Zone::utc();
        }
        let minutes = minutes.clamp(-25 * 60 + 1, 25 * 60 - 1);
        let offset = jiff::tz::Offset::from_seconds(minutes * 60).unwrap_or(jiff::tz::Offset::UTC);
        let sign = if minutes < 0 { '-' } else { '+' };
        let abs = minutes.unsigned_abs();
        Zone {
            name: format!("UTC{sign}{:02}:{:02}", abs / 60, abs % 60),
            tz: jiff::tz::TimeZone::fixed(offset),
        }
    }

    /// The zone's name: the IANA name, `UTC`, or `UTC±HH:MM` for a fixed offset.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this is a fixed offset rather than an IANA zone.
    pub fn is_fixed(&self) -> bool {
        self.tz.iana_name().is_none() && self.name != "UTC"
    }

    fn zoned(&self, at: Timestamp) -> jiff::ZonedDateTime {
        let instant = jiff::Timestamp::from_millisecond(at.0).unwrap_or(if at.0 < 0 {
            jiff::Timestamp::MIN
        } else {
            jiff::Timestamp::MAX
        });
        instant.to_zoned_datetime(self.tz.clone())
    }

    /// The calendar day (days since 1970-01-01) `at` falls on in this zone.
    ///
    /// ```
    /// use shopcore::{Timestamp, Zone};
    ///
    /// let t = Timestamp(1_767_222_000_000); // 2025-12-31T23:00:00Z
    /// assert_eq!(Zone::utc().day(t), 20_453); // still 2025-12-31 in UTC
    /// assert_eq!(Zone::fixed(120).day(t), 20_454); // already 2026-01-01 at UTC+2
    /// assert_eq!(Zone::named("Africa/Cairo").unwrap().day(t), 20_454);
    /// ```
    pub fn day(&self, at: Timestamp) -> i64 {
        days_of(self.zoned(at).date())
    }

    /// The first instant of calendar day `day` in this zone (a day that starts in a
    /// daylight-saving gap starts when the gap ends).
    pub fn start_of_day(&self, day: i64) -> Timestamp {
        date_of(day)
            .to_zoned_datetime(self.tz.clone())
            .and_then(|z| z.start_of_day())
            .map_or(
                Timestamp(day.saturating_mul(Timestamp::MILLIS_PER_DAY)),
                |z| Timestamp(z.timestamp().as_millisecond()),
            )
    }

    /// `at`'s calendar date and time of day in this zone.
    pub fn local(&self, at: Timestamp) -> LocalTime {
        let zoned = self.zoned(at);
        LocalTime {
            year: i32::from(zoned.year()),
            month: u32::try_from(zoned.month()).unwrap_or(1),
            day: u32::try_from(zoned.day()).unwrap_or(1),
            hour: u32::try_from(zoned.hour()).unwrap_or(0),
            minute: u32::try_from(zoned.minute()).unwrap_or(0),
            second: u32::try_from(zoned.second()).unwrap_or(0),
            millisecond: u32::try_from(zoned.millisecond()).unwrap_or(0),
        }
    }

    /// `at` as people read it: `2026-01-01 09:05 EET` (the zone's abbreviation, or its
    /// offset where it has none).
    pub fn format(&self, at: Timestamp) -> String {
        let zoned = self.zoned(at);
        let time = zoned.strftime("%Y-%m-%d %H:%M").to_string();
        let offset = zoned.offset();
        let abbreviation = self
            .tz
            .to_offset_info(zoned.timestamp())
            .abbreviation()
            .to_owned();
        if self.name == "UTC" {
            format!("{time} UTC")
        } else if abbreviation.is_empty() || abbreviation.starts_with(['+', '-']) {
            format!("{time} {}", offset_text(offset.seconds()))
        } else {
            format!("{time} {abbreviation}")
        }
    }
}

/// A calendar date and time of day in some zone ([`Zone::local`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// The year.
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    /// 0 to 23.
    pub hour: u32,
    /// 0 to 59.
    pub minute: u32,
    /// 0 to 59.
    pub second: u32,
    /// 0 to 999.
    pub millisecond: u32,
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name
    }
}

impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name)
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

const EPOCH: jiff::civil::Date = jiff::civil::Date::constant(1970, 1, 1);

fn days_of(date: jiff::civil::Date) -> i64 {
    i64::from(
        date.since((jiff::Unit::Day, EPOCH))
            .map_or(0, |span| span.get_days()),
    )
}

fn date_of(day: i64) -> jiff::civil::Date {
    jiff::Span::new()
        .try_days(day)
        .and_then(|span| EPOCH.checked_add(span))
        .unwrap_or(if day < 0 {
            jiff::civil::Date::MIN
        } else {
            jiff::civil::Date::MAX
        })
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
pub fn civil_from_days(day: i64) -> (i32, u32, u32) {
    let date = date_of(day);
    (
        i32::from(date.year()),
        u32::try_from(date.month()).unwrap_or(1),
        u32::try_from(date.day()).unwrap_or(1),
    )
}

/// (year, month, day) → days since 1970-01-01; `None` for a day that doesn't exist
/// (2026-02-31) or a year outside 1970-9999.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    if !(1970..=9999).contains(&year) {
        return None;
    }
    let date = jiff::civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    Some(days_of(date))
}

/// Where the shop reads the time from. Implementations must be cheap and thread-safe.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time. The shop reads it once per transaction: everything one call writes
    /// carries the same time.
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Timestamp(millis)
    }
}

/// A clock that moves only when told to; for tests, fuzzers and replayed scripts.
#[derive(Debug)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(start.0),
        }
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.0, Ordering::SeqCst);
    }

    /// Moves the clock forward by `millis` milliseconds (backwards if negative).
    pub fn advance_millis(&self, millis: i64) {
        self.millis.fetch_add(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.millis.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_bytes_sort_like_times() {
        let times = [i64::MIN, -5, -1, 0, 1, 7, i64::MAX];
        for pair in times.windows(2) {
            assert!(Timestamp(pair[0]).to_key_bytes() < Timestamp(pair[1]).to_key_bytes());
        }
    }

    #[test]
    fn days_follow_the_zone_and_its_daylight_saving() {
        // 2026-03-29 00:30 UTC: Europe/Berlin moves to summer time at 01:00 UTC that day.
        let berlin = Zone::named("Europe/Berlin").expect("zone");
        let before = Timestamp(1_774_744_200_000);
        assert_eq!(berlin.format(before), "2026-03-29 01:30 CET");
        let after = before.plus_millis(2 * Timestamp::MILLIS_PER_HOUR);
        assert_eq!(berlin.format(after), "2026-03-29 04:30 CEST");
        // That day is 23 hours long there.
        let day = berlin.day(before);
        assert_eq!(
            berlin.start_of_day(day + 1).0 - berlin.start_of_day(day).0,
            23 * Timestamp::MILLIS_PER_HOUR
        );
        // A fixed offset has 24-hour days and no abbreviation.
        let fixed = Zone::fixed(180);
        assert_eq!(fixed.name(), "UTC+03:00");
        assert!(fixed.is_fixed() && !berlin.is_fixed() && !Zone::utc().is_fixed());
        assert_eq!(fixed.format(Timestamp(0)), "1970-01-01 03:00 UTC+03:00");
        assert_eq!(Zone::utc().format(Timestamp(0)), "1970-01-01 00:00 UTC");
        assert_eq!(Zone::fixed(-330).name(), "UTC-05:30");
        assert_eq!(Zone::fixed(0), Zone::utc());
    }

    #[test]
    fn unknown_zones_are_refused() {
        for bad in ["", "Mars/Olympus", "Africa/Cairo\n", &"x".repeat(100)] {
            assert!(Zone::named(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            Zone::named("africa/cairo").expect("any case").name(),
            "Africa/Cairo"
        );
    }

    #[test]
    fn calendar_days_round_trip() {
        for day in [-1, 0, 1, 59, 20_453, 20_454, 2_932_896] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(
                days_from_civil(i64::from(y), i64::from(m), i64::from(d)),
                (1970..=9999).contains(&y).then_some(day),
                "{day}"
            );
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
        assert_eq!(days_from_civil(2026, 2, 31), None);
        assert_eq!(days_from_civil(1969, 12, 31), None);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(Timestamp(10));
        assert_eq!(clock.now(), Timestamp(10));
        clock.advance_millis(5);
        assert_eq!(clock.now(), Timestamp(15));
        clock.set(Timestamp(1));
        assert_eq!(clock.now(), Timestamp(1));
    }
}
