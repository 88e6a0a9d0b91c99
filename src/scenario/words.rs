//! serde's messages in the words a person would write: "expected u64" becomes "expected a whole number
//! from 0 to 18446744073709551615", "invalid type: unit value" becomes "got nothing (null)", and a
//! misspelt field is answered with the name it was probably meant to be.

/// `message` (from serde, serde_json or serde_yaml) in plain words; a message of our own passes unchanged.
pub(crate) fn plain(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            let quote = if got.starts_with("integer") || got.starts_with("floating point") {
                " (write it in quotes if you mean text)"
            } else {
                ""
            };
            let quote = if expected.contains("string") || expected.contains("name") { quote } else { "" };
            return format!("expected {}, got {}{quote}", expected_words(expected), got_words(got));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        return unknown("field", rest);
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return unknown("value", rest);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing field {}: it is required here", unquote(rest));
    }
    if let Some(rest) = message.strip_prefix("invalid length ") {
        if let Some((n, expected)) = rest.split_once(", expected ") {
            return format!("expected {}, got a list of {n} items", expected_words(expected));
        }
    }
    message.to_string()
}

/// `` `x`, expected one of `a`, `b` `` (or `there are no fields`) as "unknown field "x"; did you mean ...".
fn unknown(what: &str, rest: &str) -> String {
    // serde quotes every name in backticks: `x`, expected one of `a`, `b` (or `a` or `b`).
    let names: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let Some((&name, known)) = names.split_first() else { return format!("unknown {what} {rest}") };
    let near = known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(&name.to_lowercase(), &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4))
        .min();
    match (near, known.is_empty()) {
        (_, true) => format!("unknown {what} {name:?}: nothing may be written here"),
        (Some((_, k)), _) => {
            format!("unknown {what} {name:?}; did you mean {k:?}? (expected one of {})", known.join(", "))
        }
        (None, _) => format!("unknown {what} {name:?}; expected one of {}", known.join(", ")),
    }
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches('`')
}

/// What serde says was found, as a person would say it.
fn got_words(got: &str) -> String {
    let value = |prefix: &str| got.strip_prefix(prefix).map(unquote);
    if let Some(v) = value("integer ").or_else(|| value("floating point ")) {
        return format!("the number {v}");
    }
    if let Some(v) = value("boolean ") {
        return v.to_string();
    }
    if let Some(v) = got.strip_prefix("string ") {
        return format!("the text {v}");
    }
    match got {
        "unit value" | "null" => "nothing (null)".to_string(),
        "sequence" => "a list".to_string(),
        "map" => "a map".to_string(),
        other => other.to_string(),
    }
}

/// What serde says was expected (a Rust type name or an `expecting` text), as a person would say it.
fn expected_words(expected: &str) -> String {
    let range = |min: i128, max: u128| format!("a whole number from {min} to {max}");
    match expected {
        "u8" => range(0, u8::MAX.into()),
        "u16" => range(0, u16::MAX.into()),
        "u32" => range(0, u32::MAX.into()),
        "u64" | "usize" => range(0, u64::MAX.into()),
        "i8" => range(i8::MIN.into(), i8::MAX as u128),
        "i16" => range(i16::MIN.into(), i16::MAX as u128),
        "i32" => range(i32::MIN.into(), i32::MAX as u128),
        "i64" | "isize" => range(i64::MIN.into(), i64::MAX as u128),
        "f32" | "f64" => "a number".to_string(),
        "a boolean" => "true or false".to_string(),
        "a sequence" => "a list".to_string(),
        "unit" => "nothing (null)".to_string(),
        other => other.replace("a sequence", "a list"),
    }
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[track_caller]
    fn check(serde: &str, want: &str) {
        assert_eq!(plain(serde), want, "from {serde:?}");
    }

    #[test]
    fn speaks_plainly() {
        check(
            "invalid type: integer `42`, expected a string",
            "expected a string, got the number 42 (write it in quotes if you mean text)",
        );
        check(
            "invalid type: floating point `1.5`, expected u64",
            "expected a whole number from 0 to 18446744073709551615, got the number 1.5",
        );
        check(
            "invalid value: integer `-1`, expected u32",
            "expected a whole number from 0 to 4294967295, got the number -1",
        );
        check("invalid type: null, expected a map with name", "expected a map with name, got nothing (null)");
        check("invalid type: unit value, expected a boolean", "expected true or false, got nothing (null)");
        check("invalid type: sequence, expected a map", "expected a map, got a list");
        check("invalid type: map, expected a sequence", "expected a list, got a map");
        check("invalid type: string \"x\", expected a boolean", "expected true or false, got the text \"x\"");
        check(
            "invalid type: boolean `true`, expected u64",
            "expected a whole number from 0 to 18446744073709551615, got true",
        );
        check("missing field `duration`", "missing field duration: it is required here");
        check("invalid length 0, expected a list of 2", "expected a list of 2, got a list of 0 items");
        check("expected a duration like 90s, got \"x\"", "expected a duration like 90s, got \"x\"");
    }

    #[test]
    fn suggests_the_field_meant() {
        check(
            "unknown field `replica`, expected one of `kind`, `replicas`, `template`",
            "unknown field \"replica\"; did you mean \"replicas\"? (expected one of kind, replicas, template)",
        );
        check(
            "unknown field `imagepullpolicy`, expected one of `name`, `image`, `imagePullPolicy`",
            "unknown field \"imagepullpolicy\"; did you mean \"imagePullPolicy\"? (expected one of name, image, imagePullPolicy)",
        );
        check("unknown field `zzz`, expected one of `a`, `b`", "unknown field \"zzz\"; expected one of a, b");
        check("unknown field `zzz`, expected `a` or `b`", "unknown field \"zzz\"; expected one of a, b");
        check("unknown field `x`, there are no fields", "unknown field \"x\": nothing may be written here");
        check(
            "unknown variant `Alway`, expected one of `Always`, `IfNotPresent`, `Never`",
            "unknown value \"Alway\"; did you mean \"Always\"? (expected one of Always, IfNotPresent, Never)",
        );
    }
}
