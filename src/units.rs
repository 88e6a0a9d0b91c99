//! Quantities written in scenario files: durations ("1h30m", "250ms"), sizes ("120MiB", "1.5Gi")
//! and bandwidths ("1Gbps", "125MB/s"), parsed into integers (microseconds, bytes, bits per
//! second) and formatted back compactly.
//!
//! Parsing is exact: the decimal number is read as an integer mantissa and a power-of-ten scale,
//! then multiplied with checked integer arithmetic, so no float ever rounds a value. It fails with a
//! [`UnitError`] whose message repeats the input, shows what was expected and says what is wrong:
//! an empty value, a sign, spaces inside the value, a missing or unknown unit (listing the accepted
//! ones), more than one decimal point, more than 18 significant digits after it, a duration finer
//! than one microsecond, or a value above the limit (10 years, 1 PiB, 10 Tbps). No input panics.
//! Formatting never fails.

use std::fmt::Write as _;

/// Error for a malformed quantity; the message says what was expected, e.g.
/// "expected a duration like 90s, 5m, 1h30m or 250ms, got \"5 minutes\"".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnitError(pub String);

/// Largest duration accepted: 10 years of 365 days, in microseconds.
pub const MAX_DURATION_US: u64 = 10 * 365 * 24 * 3600 * 1_000_000;
/// Largest size accepted: 1 PiB, in bytes.
pub const MAX_SIZE_BYTES: u64 = 1 << 50;
/// Largest bandwidth accepted: 10 Tbps, in bits per second.
pub const MAX_BANDWIDTH_BPS: u64 = 10_000_000_000_000;

/// Significant digits allowed before the decimal point; more is above every limit anyway.
const MAX_INT_DIGITS: usize = 20;
/// Significant digits allowed after the decimal point (trailing zeros do not count).
const MAX_FRAC_DIGITS: usize = 18;

/// What one kind of quantity calls itself in error messages.
struct Kind {
    hint: &'static str,
    units: &'static str,
    limit: &'static str,
}

const DURATION: Kind = Kind {
    hint: "expected a duration like 90s, 5m, 1h30m or 250ms",
    units: "ns, us (or µs), ms, s, m, h",
    limit: "10 years (87600h)",
};

const SIZE: Kind = Kind {
    hint: "expected a size like 512B, 120MiB, 1.5GiB or 500M",
    units: "B, kB (or KB), MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB, k, M, G, T, P, Ki, Mi, Gi, Ti, Pi \
            or none for bytes",
    limit: "1PiB",
};

const BANDWIDTH: Kind = Kind {
    hint: "expected a bandwidth like 1Gbps, 800Mbps or 125MB/s",
    units: "bps, Kbps (or kbps), Mbps, Gbps, Tbps, B/s, KB/s (or kB/s), MB/s, GB/s, KiB/s, MiB/s, \
            GiB/s",
    limit: "10Tbps",
};

impl Kind {
    /// An error repeating the input, with `detail` (empty, or starting with ": ") appended.
    fn fail(&self, input: &str, detail: &str) -> UnitError {
        UnitError(format!("{}, got {input:?}{detail}", self.hint))
    }

    fn too_large(&self, input: &str) -> UnitError {
        self.fail(input, &format!(": exceeds the limit of {}", self.limit))
    }

    fn unknown_unit(&self, input: &str, unit: &str) -> UnitError {
        self.fail(input, &format!(": unknown unit {unit:?}; accepted units are {}", self.units))
    }

    fn number_error(&self, input: &str, e: NumError) -> UnitError {
        match e {
            NumError::NoDigits => self.fail(input, ""),
            NumError::ExtraDot => self.fail(input, ": a number may have only one decimal point"),
            NumError::TooManyIntDigits => self.too_large(input),
            NumError::TooManyFracDigits => {
                self.fail(input, &format!(": at most {MAX_FRAC_DIGITS} digits after the decimal point"))
            }
        }
    }

    /// Trims `s` and rejects what no quantity may look like: empty, signed, or with inner spaces.
    fn prepare<'a>(&self, s: &'a str, what: &str) -> Result<&'a str, UnitError> {
        let t = s.trim();
        if t.is_empty() {
            Err(self.fail(s, ""))
        } else if t.starts_with('-') {
            Err(self.fail(s, &format!(": negative {what} are not allowed")))
        } else if t.starts_with('+') {
            Err(self.fail(s, ": no sign is allowed"))
        } else if t.contains(char::is_whitespace) {
            Err(self.fail(s, ""))
        } else {
            Ok(t)
        }
    }
}

/// Why a decimal number could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumError {
    NoDigits,
    ExtraDot,
    TooManyIntDigits,
    TooManyFracDigits,
}

/// A non-negative decimal number: `mantissa / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Decimal {
    mantissa: u128,
    scale: u32,
}

impl Decimal {
    /// `self × mult` as a whole quotient and the remainder numerator over `10^scale`;
    /// None if the product overflows (which only happens far above every limit).
    fn times(self, mult: u64) -> Option<(u128, u128)> {
        let product = self.mantissa.checked_mul(u128::from(mult))?;
        let denominator = 10u128.pow(self.scale);
        Some((product / denominator, product % denominator))
    }
}

/// Reads digits, an optional '.', and digits from the start of `s` (at least one digit in all);
/// returns the number and the rest of `s`.
fn read_decimal(s: &str) -> Result<(Decimal, &str), NumError> {
    let bytes = s.as_bytes();
    let digits_from = |start: usize| start + bytes[start..].iter().take_while(|b| b.is_ascii_digit()).count();
    let int_end = digits_from(0);
    let (frac, end) = if bytes.get(int_end) == Some(&b'.') {
        let frac_end = digits_from(int_end + 1);
        if bytes.get(frac_end) == Some(&b'.') {
            return Err(NumError::ExtraDot);
        }
        (&s[int_end + 1..frac_end], frac_end)
    } else {
        ("", int_end)
    };
    let int = &s[..int_end];
    if int.is_empty() && frac.is_empty() {
        return Err(NumError::NoDigits);
    }
    let int = int.trim_start_matches('0');
    let frac = frac.trim_end_matches('0');
    if int.len() > MAX_INT_DIGITS {
        return Err(NumError::TooManyIntDigits);
    }
    if frac.len() > MAX_FRAC_DIGITS {
        return Err(NumError::TooManyFracDigits);
    }
    // At most 38 digits: below u128::MAX (about 3.4e38), so this cannot overflow.
    let mantissa = int.bytes().chain(frac.bytes()).fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'));
    let scale = u32::try_from(frac.len()).map_err(|_| NumError::TooManyFracDigits)?;
    Ok((Decimal { mantissa, scale }, &s[end..]))
}

/// Nanoseconds in one of each duration unit.
fn duration_unit_ns(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "µs" | "μs" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60 * 1_000_000_000,
        "h" => 3600 * 1_000_000_000,
        _ => return None,
    })
}

/// Bytes in one of each size unit; the empty unit means bytes.
fn size_unit_bytes(unit: &str) -> Option<u64> {
    Some(match unit {
        "" | "B" => 1,
        "k" | "kB" | "KB" => 1_000,
        "M" | "MB" => 1_000_000,
        "G" | "GB" => 1_000_000_000,
        "T" | "TB" => 1_000_000_000_000,
        "P" | "PB" => 1_000_000_000_000_000,
        // Above the limit, but known, so that "10EiB" is refused as too large, not as a typo.
        "E" | "EB" => 1_000_000_000_000_000_000,
        "Ki" | "KiB" => 1 << 10,
        "Mi" | "MiB" => 1 << 20,
        "Gi" | "GiB" => 1 << 30,
        "Ti" | "TiB" => 1 << 40,
        "Pi" | "PiB" => 1 << 50,
        "Ei" | "EiB" => 1 << 60,
        _ => return None,
    })
}

/// Bits per second in one of each bandwidth unit.
fn bandwidth_unit_bps(unit: &str) -> Option<u64> {
    Some(match unit {
        "bps" => 1,
        "Kbps" | "kbps" => 1_000,
        "Mbps" => 1_000_000,
        "Gbps" => 1_000_000_000,
        "Tbps" => 1_000_000_000_000,
        "B/s" => 8,
        "KB/s" | "kB/s" => 8 * 1_000,
        "MB/s" => 8 * 1_000_000,
        "GB/s" => 8 * 1_000_000_000,
        "KiB/s" => 8 << 10,
        "MiB/s" => 8 << 20,
        "GiB/s" => 8 << 30,
        _ => return None,
    })
}

/// Parses a Go-style duration ("90s", "1h30m", "1.5s", "250ms", "0") into microseconds.
///
/// Every number needs a unit (ns, us or µs, ms, s, m, h) except a lone "0". Fails on values finer
/// than one microsecond and on values above 10 years.
pub fn parse_duration_us(s: &str) -> Result<u64, UnitError> {
    let k = &DURATION;
    let t = k.prepare(s, "durations")?;
    if t == "0" {
        return Ok(0);
    }
    let max_ns = u128::from(MAX_DURATION_US) * 1_000;
    let mut total_ns: u128 = 0;
    let mut rest = t;
    while !rest.is_empty() {
        let (number, after) = read_decimal(rest).map_err(|e| k.number_error(s, e))?;
        let unit_len = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
        let unit = &after[..unit_len];
        if unit.is_empty() {
            return Err(k.fail(s, &format!(": a unit is required after each number; accepted units are {}", k.units)));
        }
        let unit_ns = duration_unit_ns(unit).ok_or_else(|| k.unknown_unit(s, unit))?;
        let (ns, remainder) = number.times(unit_ns).ok_or_else(|| k.too_large(s))?;
        if remainder != 0 {
            return Err(k.fail(s, ": finer than 1us, the simulator's time resolution"));
        }
        total_ns = total_ns.checked_add(ns).filter(|&n| n <= max_ns).ok_or_else(|| k.too_large(s))?;
        rest = &after[unit_len..];
    }
    if total_ns % 1_000 != 0 {
        return Err(k.fail(s, ": finer than 1us, the simulator's time resolution"));
    }
    u64::try_from(total_ns / 1_000).map_err(|_| k.too_large(s))
}

/// Parses a size ("512", "512B", "120MiB", "1.5Gi", "500M") into bytes, rounding a fractional
/// byte down.
///
/// Decimal units (kB or KB, MB, GB, TB, PB and k, M, G, T, P) are powers of 1000, binary units
/// (KiB, MiB, GiB, TiB, PiB and Ki, Mi, Gi, Ti, Pi) powers of 1024; no unit means bytes. Fails
/// above 1 PiB.
pub fn parse_size_bytes(s: &str) -> Result<u64, UnitError> {
    let k = &SIZE;
    let t = k.prepare(s, "sizes")?;
    let (number, unit) = read_decimal(t).map_err(|e| k.number_error(s, e))?;
    let mult = size_unit_bytes(unit).ok_or_else(|| k.unknown_unit(s, unit))?;
    scaled(k, s, number, mult, MAX_SIZE_BYTES)
}

/// Parses a bandwidth into bits per second, rounding a fractional bit down: bits per second
/// ("800Mbps", "1Gbps", decimal) or bytes per second ("125MB/s" decimal, "100MiB/s" binary).
///
/// A unit is required. "125MB/s" and "1Gbps" are both 1_000_000_000. Fails above 10 Tbps.
pub fn parse_bandwidth_bps(s: &str) -> Result<u64, UnitError> {
    let k = &BANDWIDTH;
    let t = k.prepare(s, "bandwidths")?;
    let (number, unit) = read_decimal(t).map_err(|e| k.number_error(s, e))?;
    if unit.is_empty() {
        return Err(k.fail(s, &format!(": a unit is required; accepted units are {}", k.units)));
    }
    let mult = bandwidth_unit_bps(unit).ok_or_else(|| k.unknown_unit(s, unit))?;
    scaled(k, s, number, mult, MAX_BANDWIDTH_BPS)
}

/// `number × mult`, rounded down, if it is at most `max`.
fn scaled(k: &Kind, input: &str, number: Decimal, mult: u64, max: u64) -> Result<u64, UnitError> {
    let (whole, _) = number.times(mult).ok_or_else(|| k.too_large(input))?;
    u64::try_from(whole).ok().filter(|&v| v <= max).ok_or_else(|| k.too_large(input))
}

/// `whole.frac` where `frac` has `digits` decimal places, with trailing zeros (and a bare '.')
/// trimmed.
fn decimal_string(whole: u128, frac: u128, digits: usize) -> String {
    if frac == 0 {
        return whole.to_string();
    }
    let frac = format!("{frac:0digits$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

/// Formats microseconds compactly, in a form [`parse_duration_us`] reads back exactly:
/// 90_000_000 -> "1m30s", 3_600_000_000 -> "1h", 1_500 -> "1.5ms", 7 -> "7us", 0 -> "0s".
///
/// Below a second it uses us or ms; from a second on it writes hours, minutes and (possibly
/// fractional) seconds, leaving out the parts that are zero.
pub fn format_duration_us(us: u64) -> String {
    const MS: u64 = 1_000;
    const S: u64 = 1_000_000;
    const M: u64 = 60 * S;
    const H: u64 = 60 * M;
    if us == 0 {
        return "0s".to_string();
    }
    if us < MS {
        return format!("{us}us");
    }
    if us < S {
        return format!("{}ms", decimal_string(u128::from(us / MS), u128::from(us % MS), 3));
    }
    let mut out = String::new();
    let (hours, minutes, micros) = (us / H, us % H / M, us % M);
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    if micros > 0 {
        let secs = decimal_string(u128::from(micros / S), u128::from(micros % S), 6);
        let _ = write!(out, "{secs}s");
    }
    out
}

/// `value` in the largest of `units` (ascending, first one 1) not above it, with at most two
/// decimals, truncated.
fn format_scaled(value: u64, units: &[(&str, u64)]) -> String {
    let (name, size) = units.iter().rev().find(|&&(_, size)| value >= size).copied().unwrap_or(units[0]);
    let hundredths = u128::from(value) * 100 / u128::from(size);
    format!("{}{name}", decimal_string(hundredths / 100, hundredths % 100, 2))
}

/// Formats bytes in binary units with at most two decimals, truncated (never rounded up):
/// "512B", "120MiB", "1.5GiB", "1023.99KiB".
pub fn format_bytes(b: u64) -> String {
    format_scaled(
        b,
        &[
            ("B", 1),
            ("KiB", 1 << 10),
            ("MiB", 1 << 20),
            ("GiB", 1 << 30),
            ("TiB", 1 << 40),
            ("PiB", 1 << 50),
            ("EiB", 1 << 60),
        ],
    )
}

/// Formats bits per second in decimal units with at most two decimals, truncated (never rounded
/// up): "800Mbps", "1Gbps", "2.5Gbps".
pub fn format_bandwidth_bps(bps: u64) -> String {
    format_scaled(
        bps,
        &[
            ("bps", 1),
            ("Kbps", 1_000),
            ("Mbps", 1_000_000),
            ("Gbps", 1_000_000_000),
            ("Tbps", 1_000_000_000_000),
            ("Pbps", 1_000_000_000_000_000),
            ("Ebps", 1_000_000_000_000_000_000),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: u64 = 1_000_000;
    const MIN: u64 = 60 * SEC;
    const HOUR: u64 = 60 * MIN;
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    const TIB: u64 = 1 << 40;

    /// Checks one parse: `Ok(value)`, or `Err(fragment)` that the error message must contain.
    #[track_caller]
    fn check_parse(parse: fn(&str) -> Result<u64, UnitError>, input: &str, want: Result<u64, &str>) {
        match (parse(input), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "input {input:?}"),
            (Err(UnitError(msg)), Err(fragment)) => assert!(
                msg.contains(fragment) && msg.contains(&format!("{input:?}")),
                "input {input:?}: message {msg:?} should contain {fragment:?} and the input"
            ),
            (got, want) => panic!("input {input:?}: got {got:?}, want {want:?}"),
        }
    }

    #[track_caller]
    fn check_duration(input: &str, want: Result<u64, &str>) {
        check_parse(parse_duration_us, input, want);
    }

    #[track_caller]
    fn check_size(input: &str, want: Result<u64, &str>) {
        check_parse(parse_size_bytes, input, want);
    }

    #[track_caller]
    fn check_bandwidth(input: &str, want: Result<u64, &str>) {
        check_parse(parse_bandwidth_bps, input, want);
    }

    #[test]
    fn parses_durations() {
        check_duration("0", Ok(0));
        check_duration("0s", Ok(0));
        check_duration("0.0ms", Ok(0));
        check_duration("90s", Ok(90 * SEC));
        check_duration("5m", Ok(5 * MIN));
        check_duration("1h30m", Ok(HOUR + 30 * MIN));
        check_duration("1h30m15s250ms", Ok(HOUR + 30 * MIN + 15 * SEC + 250_000));
        check_duration("250ms", Ok(250_000));
        check_duration("1.5s", Ok(1_500_000));
        check_duration(".5s", Ok(500_000));
        check_duration("5.s", Ok(5 * SEC));
        check_duration("1.5h", Ok(HOUR + 30 * MIN));
        check_duration("0.000001s", Ok(1));
        check_duration("1.5000000000000000000000s", Ok(1_500_000));
        check_duration("007s", Ok(7 * SEC));
        check_duration("3us", Ok(3));
        check_duration("3µs", Ok(3));
        check_duration("3μs", Ok(3));
        check_duration("2000ns", Ok(2));
        check_duration("1ms500us", Ok(1_500));
        check_duration("0.5us500ns", Ok(1));
        check_duration("  90s\n", Ok(90 * SEC));
        check_duration("87600h", Ok(MAX_DURATION_US));
        check_duration("5256000m", Ok(MAX_DURATION_US));
        check_duration("87599h60m", Ok(MAX_DURATION_US));
        // Errors.
        check_duration("5 minutes", Err("expected a duration like 90s, 5m, 1h30m or 250ms, got \"5 minutes\""));
        check_duration("", Err("expected a duration like"));
        check_duration("   ", Err("expected a duration like"));
        check_duration("s", Err("expected a duration like"));
        check_duration("5", Err("a unit is required"));
        check_duration("1h30", Err("a unit is required"));
        check_duration("00", Err("a unit is required"));
        check_duration("1500ns", Err("finer than 1us"));
        check_duration("1ns", Err("finer than 1us"));
        check_duration("0.0000001s", Err("finer than 1us"));
        check_duration("1.0000000000000000001s", Err("at most 18 digits"));
        check_duration("-5s", Err("negative durations are not allowed"));
        check_duration("+5s", Err("no sign"));
        check_duration("1..5s", Err("only one decimal point"));
        check_duration("1.5.5s", Err("only one decimal point"));
        check_duration(".s", Err("expected a duration like"));
        check_duration("5d", Err("unknown unit \"d\"; accepted units are ns, us (or µs)"));
        check_duration("5H", Err("unknown unit \"H\""));
        check_duration("5sec", Err("unknown unit \"sec\""));
        check_duration("1e3s", Err("unknown unit \"e\""));
        check_duration("1h-5m", Err("unknown unit \"h-\""));
        check_duration("NaN", Err("expected a duration like"));
        check_duration("inf", Err("expected a duration like"));
        check_duration("５s", Err("expected a duration like"));
        check_duration("5秒", Err("unknown unit \"秒\""));
        check_duration("87600h1us", Err("exceeds the limit of 10 years (87600h)"));
        check_duration("87601h", Err("exceeds the limit of 10 years"));
        check_duration("99999999999999999999999h", Err("exceeds the limit of 10 years"));
        check_duration("99999999999999999999h", Err("exceeds the limit of 10 years"));
        check_duration(&"1h".repeat(87_601), Err("exceeds the limit of 10 years"));
    }

    #[test]
    fn parses_sizes() {
        check_size("0", Ok(0));
        check_size("512", Ok(512));
        check_size("512B", Ok(512));
        check_size("1kB", Ok(1_000));
        check_size("1KB", Ok(1_000));
        check_size("1k", Ok(1_000));
        check_size("120MB", Ok(120_000_000));
        check_size("500M", Ok(500_000_000));
        check_size("2GB", Ok(2_000_000_000));
        check_size("2G", Ok(2_000_000_000));
        check_size("1TB", Ok(1_000_000_000_000));
        check_size("1T", Ok(1_000_000_000_000));
        check_size("1KiB", Ok(KIB));
        check_size("1Ki", Ok(KIB));
        check_size("120MiB", Ok(120 * MIB));
        check_size("120Mi", Ok(120 * MIB));
        check_size("1.5GiB", Ok(GIB + GIB / 2));
        check_size("1.5Gi", Ok(GIB + GIB / 2));
        check_size("2TiB", Ok(2 * TIB));
        check_size("2Ti", Ok(2 * TIB));
        check_size("1PiB", Ok(MAX_SIZE_BYTES));
        check_size("1Pi", Ok(MAX_SIZE_BYTES));
        check_size("1PB", Ok(1_000_000_000_000_000));
        check_size("0.5", Ok(0));
        check_size("1.9B", Ok(1));
        check_size("0.001KiB", Ok(1));
        check_size("0.0001KiB", Ok(0));
        check_size(".5KiB", Ok(512));
        check_size(" 64Mi\t", Ok(64 * MIB));
        check_size("1.000000000000000000000000MiB", Ok(MIB));
        // Errors.
        check_size("", Err("expected a size like 512B, 120MiB, 1.5GiB or 500M, got \"\""));
        check_size("  ", Err("expected a size like"));
        check_size("MiB", Err("expected a size like"));
        check_size("120 MiB", Err("expected a size like"));
        check_size("-1MiB", Err("negative sizes are not allowed"));
        check_size("+1MiB", Err("no sign"));
        check_size("1..5MiB", Err("only one decimal point"));
        check_size("1.2.3", Err("only one decimal point"));
        check_size("1mb", Err("unknown unit \"mb\"; accepted units are B, kB (or KB)"));
        check_size("1Kb", Err("unknown unit \"Kb\""));
        check_size("1KIB", Err("unknown unit \"KIB\""));
        check_size("1e3", Err("unknown unit \"e3\""));
        check_size("1m", Err("unknown unit \"m\""));
        check_size("NaN", Err("expected a size like"));
        check_size("inf", Err("expected a size like"));
        check_size("1MiBs", Err("unknown unit \"MiBs\""));
        check_size("1Mié", Err("unknown unit \"Mié\""));
        check_size("1.01PiB", Err("exceeds the limit of 1PiB"));
        check_size("1125899906842625", Err("exceeds the limit of 1PiB"));
        check_size("99999999999999999999999Ti", Err("exceeds the limit of 1PiB"));
        check_size("99999999999999999999Pi", Err("exceeds the limit of 1PiB"));
        check_size("0.1234567890123456789Mi", Err("at most 18 digits"));
    }

    #[test]
    fn parses_bandwidths() {
        check_bandwidth("1Gbps", Ok(1_000_000_000));
        check_bandwidth("125MB/s", Ok(1_000_000_000));
        check_bandwidth("2.5Gbps", Ok(2_500_000_000));
        check_bandwidth("800Mbps", Ok(800_000_000));
        check_bandwidth("0bps", Ok(0));
        check_bandwidth("1bps", Ok(1));
        check_bandwidth("56Kbps", Ok(56_000));
        check_bandwidth("56kbps", Ok(56_000));
        check_bandwidth("10Tbps", Ok(MAX_BANDWIDTH_BPS));
        check_bandwidth("1B/s", Ok(8));
        check_bandwidth("1KB/s", Ok(8_000));
        check_bandwidth("1kB/s", Ok(8_000));
        check_bandwidth("1GB/s", Ok(8_000_000_000));
        check_bandwidth("1KiB/s", Ok(8 * KIB));
        check_bandwidth("100MiB/s", Ok(800 * MIB));
        check_bandwidth("1GiB/s", Ok(8 * GIB));
        check_bandwidth("0.5GiB/s", Ok(4 * GIB));
        check_bandwidth("1.5bps", Ok(1));
        check_bandwidth("0.1B/s", Ok(0));
        check_bandwidth("1250GB/s", Ok(MAX_BANDWIDTH_BPS));
        check_bandwidth("\t1Gbps ", Ok(1_000_000_000));
        // Errors.
        check_bandwidth("", Err("expected a bandwidth like 1Gbps, 800Mbps or 125MB/s, got \"\""));
        check_bandwidth(" ", Err("expected a bandwidth like"));
        check_bandwidth("100", Err("a unit is required; accepted units are bps, Kbps"));
        check_bandwidth("Gbps", Err("expected a bandwidth like"));
        check_bandwidth("1 Gbps", Err("expected a bandwidth like"));
        check_bandwidth("-1Gbps", Err("negative bandwidths are not allowed"));
        check_bandwidth("1..5Gbps", Err("only one decimal point"));
        check_bandwidth("1gbps", Err("unknown unit \"gbps\"; accepted units are bps, Kbps"));
        check_bandwidth("1mbps", Err("unknown unit \"mbps\""));
        check_bandwidth("1GB", Err("unknown unit \"GB\""));
        check_bandwidth("1Gb/s", Err("unknown unit \"Gb/s\""));
        check_bandwidth("1TB/s", Err("unknown unit \"TB/s\""));
        check_bandwidth("1e9bps", Err("unknown unit \"e9bps\""));
        check_bandwidth("NaN", Err("expected a bandwidth like"));
        check_bandwidth("10.000001Tbps", Err("exceeds the limit of 10Tbps"));
        check_bandwidth("1251GB/s", Err("exceeds the limit of 10Tbps"));
        check_bandwidth("99999999999999999999999Gbps", Err("exceeds the limit of 10Tbps"));
        check_bandwidth("1Gbpsµ", Err("unknown unit \"Gbpsµ\""));
    }

    #[track_caller]
    fn check_format(format: fn(u64) -> String, value: u64, want: &str) {
        assert_eq!(format(value), want, "formatting {value}");
    }

    #[track_caller]
    fn check_format_duration(us: u64, want: &str) {
        check_format(format_duration_us, us, want);
    }

    #[track_caller]
    fn check_format_bytes(b: u64, want: &str) {
        check_format(format_bytes, b, want);
    }

    #[track_caller]
    fn check_format_bandwidth(bps: u64, want: &str) {
        check_format(format_bandwidth_bps, bps, want);
    }

    #[test]
    fn formats_durations() {
        check_format_duration(0, "0s");
        check_format_duration(1, "1us");
        check_format_duration(999, "999us");
        check_format_duration(1_000, "1ms");
        check_format_duration(1_500, "1.5ms");
        check_format_duration(1_001, "1.001ms");
        check_format_duration(250_000, "250ms");
        check_format_duration(999_999, "999.999ms");
        check_format_duration(SEC, "1s");
        check_format_duration(1_500_000, "1.5s");
        check_format_duration(SEC + 1, "1.000001s");
        check_format_duration(59 * SEC, "59s");
        check_format_duration(MIN, "1m");
        check_format_duration(90 * SEC, "1m30s");
        check_format_duration(90 * SEC + 500_000, "1m30.5s");
        check_format_duration(HOUR, "1h");
        check_format_duration(HOUR + 30 * MIN, "1h30m");
        check_format_duration(HOUR + SEC, "1h1s");
        check_format_duration(HOUR + 1, "1h0.000001s");
        check_format_duration(HOUR + MIN + SEC + 1_000, "1h1m1.001s");
        check_format_duration(25 * HOUR, "25h");
        check_format_duration(MAX_DURATION_US, "87600h");
        check_format_duration(u64::MAX, "5124095576h1m49.551615s");
    }

    #[test]
    fn formats_bytes() {
        check_format_bytes(0, "0B");
        check_format_bytes(1, "1B");
        check_format_bytes(512, "512B");
        check_format_bytes(1023, "1023B");
        check_format_bytes(KIB, "1KiB");
        check_format_bytes(1536, "1.5KiB");
        check_format_bytes(1025, "1KiB");
        check_format_bytes(1034, "1KiB");
        check_format_bytes(1035, "1.01KiB");
        check_format_bytes(MIB - 1, "1023.99KiB");
        check_format_bytes(MIB, "1MiB");
        check_format_bytes(120 * MIB, "120MiB");
        check_format_bytes(120 * MIB + MIB / 4, "120.25MiB");
        check_format_bytes(GIB, "1GiB");
        check_format_bytes(GIB + GIB / 2, "1.5GiB");
        check_format_bytes(GIB + GIB / 10, "1.09GiB");
        check_format_bytes(2 * GIB - 1, "1.99GiB");
        check_format_bytes(TIB, "1TiB");
        check_format_bytes(MAX_SIZE_BYTES, "1PiB");
        check_format_bytes(1 << 60, "1EiB");
        check_format_bytes(u64::MAX, "15.99EiB");
        check_format_bytes(1_000_000_000, "953.67MiB");
    }

    #[test]
    fn formats_bandwidths() {
        check_format_bandwidth(0, "0bps");
        check_format_bandwidth(1, "1bps");
        check_format_bandwidth(999, "999bps");
        check_format_bandwidth(1_000, "1Kbps");
        check_format_bandwidth(56_000, "56Kbps");
        check_format_bandwidth(1_500, "1.5Kbps");
        check_format_bandwidth(1_234_567, "1.23Mbps");
        check_format_bandwidth(800_000_000, "800Mbps");
        check_format_bandwidth(999_999_999, "999.99Mbps");
        check_format_bandwidth(1_000_000_000, "1Gbps");
        check_format_bandwidth(1_010_000_000, "1.01Gbps");
        check_format_bandwidth(1_005_000_000, "1Gbps");
        check_format_bandwidth(2_500_000_000, "2.5Gbps");
        check_format_bandwidth(8 * GIB, "8.58Gbps");
        check_format_bandwidth(100_000_000_000, "100Gbps");
        check_format_bandwidth(1_000_000_000_000, "1Tbps");
        check_format_bandwidth(MAX_BANDWIDTH_BPS, "10Tbps");
        check_format_bandwidth(1_000_000_000_000_000, "1Pbps");
        check_format_bandwidth(u64::MAX, "18.44Ebps");
        check_format_bandwidth(40_000_000, "40Mbps");
    }

    /// A small deterministic generator, so the sweeps below are reproducible.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn formatted_values_parse_back() {
        for us in [0, 1, 999, 1_500, 250_000, 90 * SEC, HOUR + 1, MAX_DURATION_US] {
            assert_eq!(parse_duration_us(&format_duration_us(us)), Ok(us));
        }
        for b in [0, 512, KIB, 120 * MIB, GIB + GIB / 2, TIB, MAX_SIZE_BYTES] {
            assert_eq!(parse_size_bytes(&format_bytes(b)), Ok(b));
        }
        for bps in [0, 1, 56_000, 800_000_000, 2_500_000_000, MAX_BANDWIDTH_BPS] {
            assert_eq!(parse_bandwidth_bps(&format_bandwidth_bps(bps)), Ok(bps));
        }
        let mut rng = XorShift(0x5eed_1234_abcd_9876);
        for _ in 0..20_000 {
            // Durations format exactly.
            let us = rng.below(MAX_DURATION_US + 1) >> rng.below(50);
            assert_eq!(parse_duration_us(&format_duration_us(us)), Ok(us), "{us}");
            // Sizes and bandwidths lose at most 1% of the unit they are shown in (truncation).
            let b = rng.below(MAX_SIZE_BYTES + 1) >> rng.below(50);
            let back = parse_size_bytes(&format_bytes(b)).unwrap();
            assert!(back <= b && b - back <= b / 100 + 1, "{b} -> {back}");
            let bps = rng.below(MAX_BANDWIDTH_BPS + 1) >> rng.below(44);
            let back = parse_bandwidth_bps(&format_bandwidth_bps(bps)).unwrap();
            assert!(back <= bps && bps - back <= bps / 100, "{bps} -> {back}");
        }
    }

    #[test]
    fn odd_inputs_never_panic() {
        let nines = "9".repeat(100);
        let tiny = format!("0.{}1s", "0".repeat(100));
        let zeros = format!("{}s", "0".repeat(100));
        let odd = [
            "",
            " ",
            "s",
            ".",
            "..",
            "1..5s",
            "-5s",
            "-0",
            "+",
            "99999999999999999999999h",
            "1e3s",
            "1E3",
            "0x10",
            "１ｓ",
            "µ",
            "5µ",
            "🙂",
            "1🙂s",
            "\u{0}",
            "1\u{0}s",
            "NaN",
            "inf",
            "-inf",
            "1/s",
            "/s",
            "B/s",
            &nines,
            &tiny,
            &zeros,
        ];
        for input in odd {
            let _ = parse_duration_us(input);
            let _ = parse_size_bytes(input);
            let _ = parse_bandwidth_bps(input);
        }
        let alphabet: Vec<char> = "0123456789..--+ smhnuµμkKMGTPiBbps/e\u{e9}".chars().collect();
        let mut rng = XorShift(0x0dd_1e55);
        for _ in 0..50_000 {
            let len = rng.below(12) as usize;
            let input: String = (0..len).map(|_| alphabet[rng.below(alphabet.len() as u64) as usize]).collect();
            if let Ok(us) = parse_duration_us(&input) {
                assert!(us <= MAX_DURATION_US, "{input:?}");
            }
            if let Ok(b) = parse_size_bytes(&input) {
                assert!(b <= MAX_SIZE_BYTES, "{input:?}");
            }
            if let Ok(bps) = parse_bandwidth_bps(&input) {
                assert!(bps <= MAX_BANDWIDTH_BPS, "{input:?}");
            }
        }
    }
}
