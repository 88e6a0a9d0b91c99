//! A scenario file's bytes read into a checked JSON tree, refusing before any YAML parser is trusted with
//! it what no scenario needs and what would make a parser slow or a value lie:
//!
//! 1. [`decode`]: the bytes must be UTF-8 text (UTF-16, NUL bytes and invalid UTF-8 are refused with
//!    their line and column).
//! 2. [`read`] first scans the text with yaml-rust2's event parser, which is linear: nesting deeper than
//!    [`MAX_NESTING`], aliases that would expand to more than [`MAX_EXPANDED_NODES`] nodes (a "billion
//!    laughs" bomb) and a key repeated in one map are refused at their place. (libyaml's scanner, under
//!    serde_yaml, takes time quadratic in the nesting depth: 100,000 nested `[` took about a minute.)
//! 3. Then serde_yaml builds the tree (YAML 1.2 scalars, anchors and aliases resolved) into
//!    `serde_json::Value`, refusing numbers JSON cannot hold (`.nan`, `.inf`, integers beyond 64 bits),
//!    keys that are not plain scalars and custom tags, each located. A variant patch or a `--set` value is
//!    read the same way, so a value means the same thing wherever it is written.

use super::location::{FieldPath, Location, PathSeg};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Deepest nesting of maps and lists accepted. A scenario needs about ten levels.
pub const MAX_NESTING: usize = 64;

/// Most nodes the tree may have once every alias is expanded.
pub const MAX_EXPANDED_NODES: u64 = 1_000_000;

/// What was wrong with the text, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct TextError {
    /// Line and column, when known.
    pub location: Option<Location>,
    /// The map or list concerned, when the reader knows it (a place alone may still name it).
    pub path: Option<FieldPath>,
    /// What was wrong and what was expected, in plain words.
    pub message: String,
}

impl TextError {
    fn at(location: Option<Location>, message: impl Into<String>) -> TextError {
        TextError { location, path: Some(FieldPath::root()), message: message.into() }
    }
}

/// The text of a scenario file: UTF-8, without a byte-order mark. UTF-16, NUL bytes and invalid UTF-8
/// are refused with the line and column of the first offending byte.
pub fn decode(bytes: &[u8]) -> Result<&str, TextError> {
    let utf16 = |endian: &str| {
        TextError::at(
            Some(Location { line: 1, column: 1 }),
            format!("the file is UTF-16 ({endian}) text; scenarios are UTF-8: save it as UTF-8"),
        )
    };
    let utf32 = |endian: &str| {
        TextError::at(
            Some(Location { line: 1, column: 1 }),
            format!("the file is UTF-32 ({endian}) text; scenarios are UTF-8: save it as UTF-8"),
        )
    };
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => return Err(utf32("little-endian")),
        [0, 0, 0xFE, 0xFF, ..] => return Err(utf32("big-endian")),
        [0xFF, 0xFE, ..] => return Err(utf16("little-endian")),
        [0xFE, 0xFF, ..] => return Err(utf16("big-endian")),
        // Without a byte-order mark, ASCII text in UTF-16 has a NUL beside each of its first characters.
        [a, 0, b, 0, ..] if *a != 0 && *b != 0 => return Err(utf16("little-endian, no byte-order mark")),
        [0, a, 0, b, ..] if *a != 0 && *b != 0 => return Err(utf16("big-endian, no byte-order mark")),
        _ => {}
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let (text, bad) = match std::str::from_utf8(bytes) {
        Ok(text) => (text, None),
        // The valid prefix is text, so it has a line and column.
        Err(e) => (std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(), Some(e.valid_up_to())),
    };
    match bad {
        // `read` checks the characters of a whole text.
        None => Ok(text),
        Some(at) => {
            // Up to the break, so that the first problem in the file is the one reported.
            check_characters(text)?;
            Err(TextError::at(
                Some(end_of(text)),
                format!("byte 0x{:02X} is not UTF-8: scenarios are UTF-8 text; save the file as UTF-8", bytes[at]),
            ))
        }
    }
}

/// Characters no scenario holds, refused at their place: NUL, control characters, a byte-order mark past the
/// start, and a no-break space in the indentation (it looks like a space but is not one to YAML).
fn check_characters(text: &str) -> Result<(), TextError> {
    if let Some(nul) = text.find('\0') {
        return Err(TextError::at(
            Some(end_of(&text[..nul])),
            "a NUL byte: scenarios are UTF-8 text (is this a binary file?)",
        ));
    }
    if let Some((at, c)) = text.char_indices().find(|&(i, c)| unprintable(c) || (c == '\u{feff}' && i > 0)) {
        let message = match c {
            '\u{feff}' => "a byte-order mark (U+FEFF) in the middle of the file; remove it".to_string(),
            c => format!(
                "control character U+{:04X} is not allowed: YAML text holds printable characters, tabs and line \
                 breaks only",
                c as u32
            ),
        };
        return Err(TextError::at(Some(end_of(&text[..at])), message));
    }
    // A no-break space looks like a space but is not indentation to YAML.
    if let Some(at) = text
        .split_inclusive('\n')
        .scan(0, |start, line| {
            let here = *start;
            *start += line.len();
            Some((here, line))
        })
        .find_map(|(start, line)| {
            let lead = line.trim_start_matches([' ', '\t']);
            lead.starts_with('\u{a0}').then(|| start + (line.len() - lead.len()))
        })
    {
        return Err(TextError::at(
            Some(end_of(&text[..at])),
            "a no-break space (U+00A0) in the indentation: indent with plain spaces",
        ));
    }
    Ok(())
}

/// Characters YAML does not allow in a text (its c-printable set, YAML 1.2 section 5.1): C0 controls other than
/// tab and line breaks, DEL, C1 controls other than NEL, and surrogates or non-characters (which Rust strings do
/// not hold, but U+FFFE and U+FFFF are excluded too).
fn unprintable(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}' | '\u{80}'..='\u{84}' | '\u{86}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}')
}

/// Where the character after `prefix` is.
fn end_of(prefix: &str) -> Location {
    let line = prefix.matches('\n').count() + 1;
    let column = prefix.rsplit('\n').next().unwrap_or_default().chars().count() + 1;
    Location { line, column }
}

/// `text` as a tree of JSON values (the first and only YAML document), checked as the module says.
pub fn read(text: &str) -> Result<serde_json::Value, TextError> {
    check_characters(text)?;
    scan(text)?;
    match serde_yaml::from_str::<Checked>(text) {
        Ok(Checked(v)) => Ok(v),
        Err(e) => Err(yaml_error(&e, text)),
    }
}

/// serde_yaml's error without the place it appends (the place is returned apart) and, for our own
/// messages, without the path it prepends.
fn yaml_error(e: &serde_yaml::Error, text: &str) -> TextError {
    let location = e.location().map(|l| Location { line: l.line(), column: l.column() });
    let mut message = e.to_string();
    if let Some(l) = location {
        let at = format!(" at line {} column {}", l.line, l.column);
        if let Some(i) = message.find(&at) {
            message.replace_range(i..i + at.len(), "");
        }
    }
    if let Some(i) = message.find(OURS) {
        message = message[i + OURS.len_utf8()..].to_string();
    } else if message.contains("more than one document") {
        message = MORE_THAN_ONE_DOCUMENT.into();
    } else if message.contains("repetition limit") || message.contains("recursion limit") {
        message = format!(
            "aliases or nesting expand past what a scenario may hold (more than {MAX_EXPANDED_NODES} nodes or \
             {MAX_NESTING} levels)"
        );
    } else {
        message = super::words::plain(&message);
    }
    if let Some(hint) = location.and_then(|l| syntax_hint(text, l, &message)) {
        message = format!("{hint} ({message})");
    }
    TextError { location, path: None, message }
}

/// What a YAML syntax error at `at` most likely means, in plain words, when the text there shows it.
fn syntax_hint(text: &str, at: Location, message: &str) -> Option<String> {
    let line = text.lines().nth(at.line.checked_sub(1)?)?;
    let from: String = line.chars().skip(at.column.saturating_sub(1)).collect();
    if line.trim_start_matches(' ').starts_with('\t') {
        return Some("a tab in the indentation: YAML indents with spaces only".to_string());
    }
    if message.contains("unknown anchor") {
        let alias: String = from.chars().take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}')).collect();
        return Some(format!("alias {alias} names no anchor (&{}) defined before it", alias.trim_start_matches('*')));
    }
    None
}

const MORE_THAN_ONE_DOCUMENT: &str =
    "the file holds more than one YAML document (a line ---); a scenario is one document";

/// Starts each message this module makes, so that [`yaml_error`] can cut off what serde_yaml put before it.
const OURS: char = '\u{1}';

fn ours<E: de::Error>(message: impl fmt::Display) -> E {
    E::custom(format_args!("{OURS}{message}"))
}

/// The linear pre-scan: nesting depth, alias expansion and repeated keys, each refused at its place. A
/// text yaml-rust2 cannot parse passes, unless it failed on its own nesting limit: serde_yaml then
/// reports the syntax error in its words.
fn scan(text: &str) -> Result<(), TextError> {
    let mut scan = Scan::default();
    let parsed = Parser::new_from_str(text).load(&mut scan, true);
    if let Some(e) = scan.error {
        return Err(e);
    }
    match parsed {
        Err(e) if e.info().contains("recursion limit") => Err(TextError {
            location: Some(Location { line: e.marker().line(), column: e.marker().col() + 1 }),
            path: None,
            message: format!("nested deeper than {MAX_NESTING} levels; a scenario needs about ten"),
        }),
        _ => Ok(()),
    }
}

/// One map or list being scanned.
struct Frame {
    /// Its anchor id (0: none).
    anchor: usize,
    /// Nodes in it so far, aliases expanded.
    nodes: u64,
    /// For a map, the keys seen so far; `None` for a list.
    keys: Option<BTreeSet<String>>,
    /// Children so far (in a map, even positions are keys).
    children: usize,
    /// Where it is in its parent.
    seg: Option<PathSeg>,
    /// In a map, the last key read.
    key: Option<String>,
}

#[derive(Default)]
struct Scan {
    stack: Vec<Frame>,
    /// Expanded node count of each anchored node, by anchor id.
    anchored: Vec<u64>,
    /// Expanded nodes of the documents' top nodes.
    total: u64,
    /// Documents started.
    documents: u32,
    error: Option<TextError>,
}

impl Scan {
    fn fail(&mut self, mark: Marker, message: String) {
        if self.error.is_none() {
            let location = Location { line: mark.line(), column: mark.col() + 1 };
            let path = FieldPath(self.stack.iter().filter_map(|f| f.seg.clone()).collect());
            self.error = Some(TextError { location: Some(location), path: Some(path), message });
        }
    }

    /// A whole node of `nodes` expanded nodes ended; count it in its parent.
    fn close(&mut self, anchor: usize, nodes: u64, mark: Marker) {
        if anchor > 0 {
            if self.anchored.len() <= anchor {
                self.anchored.resize(anchor + 1, 0);
            }
            self.anchored[anchor] = nodes;
        }
        if self.is_timeline() && self.stack.last().is_some_and(|t| t.children >= super::MAX_TIMELINE) {
            self.fail(mark, format!("at most {} timeline entries", super::MAX_TIMELINE));
        }
        let count = match self.stack.last_mut() {
            Some(parent) => {
                parent.children += 1;
                parent.nodes = parent.nodes.saturating_add(nodes);
                parent.nodes
            }
            None => {
                self.total = self.total.saturating_add(nodes);
                self.total
            }
        };
        if count > MAX_EXPANDED_NODES {
            self.fail(
                mark,
                format!(
                    "aliases here expand to more than {MAX_EXPANDED_NODES} values (a \"billion laughs\" alias \
                     bomb?); a scenario needs far fewer"
                ),
            );
        }
    }

    /// Whether the innermost open node is `spec.timeline`, whose length is refused before anything is built
    /// from it.
    fn is_timeline(&self) -> bool {
        let seg = |i: usize, k: &str| matches!(&self.stack[i].seg, Some(PathSeg::Key(x)) if x == k);
        self.stack.len() == 3 && self.stack[2].keys.is_none() && seg(1, "spec") && seg(2, "timeline")
    }

    fn open(&mut self, anchor: usize, map: bool, mark: Marker) {
        let seg = match self.stack.last() {
            Some(Frame { keys: Some(_), key, .. }) => key.clone().map(PathSeg::Key),
            Some(Frame { children, .. }) => Some(PathSeg::Index(*children)),
            None => None,
        };
        self.stack.push(Frame { anchor, nodes: 1, keys: map.then(BTreeSet::new), children: 0, seg, key: None });
        if self.stack.len() > MAX_NESTING {
            self.fail(mark, format!("nested deeper than {MAX_NESTING} levels; a scenario needs about ten"));
            // Name where the nesting begins, not all 64 levels of it.
            if let Some(TextError { path: Some(path), .. }) = &mut self.error {
                path.0.truncate(4);
            }
        }
    }
}

impl MarkedEventReceiver for Scan {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                if style == TScalarStyle::Plain && is_exponent_number(&value) {
                    self.fail(
                        mark,
                        format!(
                            "{value}: numbers are written without an exponent here (as digits, or a quantity with a \
                             unit such as 1MB or 90s)"
                        ),
                    );
                    return;
                }
                if let Some(Frame { keys: Some(keys), children, key, .. }) = self.stack.last_mut() {
                    if *children % 2 == 0 {
                        if !keys.insert(value.clone()) {
                            self.fail(mark, format!("duplicate key {value:?}: each key may appear only once"));
                            return;
                        }
                        *key = Some(value);
                    }
                }
                self.close(anchor, 1, mark);
            }
            Event::Alias(anchor) => {
                let nodes = self.anchored.get(anchor).copied().unwrap_or(1);
                self.close(0, nodes, mark);
            }
            Event::SequenceStart(anchor, _) => self.open(anchor, false, mark),
            Event::MappingStart(anchor, _) => self.open(anchor, true, mark),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    self.close(frame.anchor, frame.nodes, mark);
                }
            }
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    self.fail(mark, MORE_THAN_ONE_DOCUMENT.to_string());
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
    }
}

/// Whether a plain scalar is a number in exponent notation (`1e6`, `-2.5E+3`), which YAML reads as a float.
fn is_exponent_number(v: &str) -> bool {
    let v = v.strip_prefix(['-', '+']).unwrap_or(v);
    let Some((mantissa, exponent)) = v.split_once(['e', 'E']) else { return false };
    let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        None => digits(mantissa),
        Some((a, b)) => (digits(a) || a.is_empty()) && (digits(b) || b.is_empty()) && !(a.is_empty() && b.is_empty()),
    };
    mantissa_ok && digits(exponent)
}

/// A JSON value read from YAML, refusing what JSON cannot hold.
struct Checked(serde_json::Value);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Checked, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Checked, E> {
        Ok(Checked(v.into()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Checked, E> {
        Ok(Checked(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Checked, E> {
        Ok(Checked(v.into()))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Checked, E> {
        Err(ours(format_args!("{v} is beyond the largest whole number a scenario can hold ({})", u64::MAX)))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Checked, E> {
        Err(ours(format_args!("{v} is beyond the largest whole number a scenario can hold ({})", u64::MAX)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Checked, E> {
        match serde_json::Number::from_f64(v) {
            Some(n) => Ok(Checked(n.into())),
            None => Err(ours(format_args!(
                "{} is not a number a scenario can use: expected a finite number",
                if v.is_nan() {
                    ".nan"
                } else if v > 0.0 {
                    ".inf"
                } else {
                    "-.inf"
                }
            ))),
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Checked, E> {
        Ok(Checked(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Checked, E> {
        Ok(Checked(v.into()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked(serde_json::Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked(serde_json::Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Checked, D::Error> {
        Checked::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Checked, D::Error> {
        Checked::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let mut items = Vec::new();
        while let Some(Checked(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Checked(items.into()))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut entries = serde_json::Map::new();
        while let Some(Key(k)) = map.next_key()? {
            let Checked(v) = map.next_value()?;
            if entries.contains_key(&k) {
                return Err(ours(format_args!("duplicate key {k:?}: each key may appear only once")));
            }
            entries.insert(k, v);
        }
        Ok(Checked(entries.into()))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<Checked, A::Error> {
        Err(ours("YAML tags such as !name are not supported here: remove the tag"))
    }
}

/// A map key: a plain scalar, kept as written (`1.10` stays "1.10").
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a plain name as a key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Err(ours("a key is missing (an entry starts with ':'); write name: value"))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn refused(text: &str, line: usize, column: usize, message: &str) {
        let e = read(text).expect_err("refused");
        let shown: String = text.chars().take(60).collect();
        assert_eq!(e.location, Some(Location { line, column }), "{shown:?}: {}", e.message);
        assert!(e.message.contains(message), "{shown:?}: {:?} lacks {message:?}", e.message);
    }

    #[test]
    fn reads_yaml_into_json() {
        let v = read("a: 1\n1.10: x\nb: [true, ~, 1.5, -2, \"s\"]\nc: &x {d: 1}\ne: *x\nf: !!str 42\n").unwrap();
        let want = serde_json::json!({"a": 1, "1.10": "x", "b": [true, null, 1.5, -2, "s"], "c": {"d": 1},
            "e": {"d": 1}, "f": "42"});
        assert_eq!(v, want);
    }

    #[test]
    fn refuses_what_json_cannot_hold_at_its_place() {
        refused("a: 1\nb:\n  c: [1, .nan]\n", 3, 10, ".nan is not a number");
        refused("a: .inf\n", 1, 4, ".inf is not a number");
        refused("a: -.Inf\n", 1, 4, "-.inf is not a number");
        refused("a: 18446744073709551616\n", 1, 4, "18446744073709551616 is beyond the largest whole number");
        refused("a: -9223372036854775809\n", 1, 4, "is beyond the largest whole number");
        refused("a: [1e6]\n", 1, 5, "1e6: numbers are written without an exponent");
        refused("a: -2.5E+3\n", 1, 4, "-2.5E+3: numbers are written without an exponent");
        assert!(read("a: \"1e6\"\nb: 1.5\nc: e5\nd: 1e\n").is_ok(), "quoted, decimals and words are not exponents");
        refused("a: !custom 1\n", 1, 4, "YAML tags such as !name are not supported");
        refused("? [a]\n: b\n", 1, 3, "expected a plain name as a key, got a list");
    }

    #[test]
    fn refuses_repeated_keys_at_the_second() {
        refused("a: 1\nb:\n  c: 1\n  c: 2\n", 4, 3, "duplicate key \"c\"");
        assert_eq!(read("a: [{b: {c: 1, c: 2}}]").unwrap_err().path.unwrap_or_default().to_string(), "a[0].b");
        refused("a: {x: 1, \"x\": 2}\n", 1, 11, "duplicate key \"x\"");
        // Equal keys in different maps are fine.
        assert!(read("a: {x: 1}\nb: {x: 1}\n").is_ok());
    }

    #[test]
    fn refuses_deep_nesting_quickly() {
        // Flow nesting stops yaml-rust2's scanner at its own limit, a little further on.
        let deep = format!("a: {}", "[".repeat(100_000));
        refused(&deep, 1, 259, "nested deeper than 64 levels");
        let maps = format!("a: {}", "{a: ".repeat(40_000));
        refused(&maps, 1, 4 + 4 * (MAX_NESTING - 1), "nested deeper than 64 levels");
        let block: String = (0..100).map(|i| format!("{}a{i}:\n", " ".repeat(i))).collect();
        refused(&block, 65, 68, "nested deeper than 64 levels");
        let ok = format!("a: {}1{}", "[".repeat(MAX_NESTING - 1), "]".repeat(MAX_NESTING - 1));
        assert!(read(&ok).is_ok());
    }

    #[test]
    fn refuses_alias_bombs_at_the_alias() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, c) in "bcdefghi".chars().enumerate() {
            let p = (b'a' + i as u8) as char;
            bomb.push_str(&format!("{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"));
        }
        let e = read(&bomb).expect_err("refused");
        assert!(e.message.contains("billion laughs"), "{}", e.message);
        assert_eq!(e.location.map(|l| l.line), Some(6), "{e:?}");
        // A few aliases are fine.
        assert!(read("a: &a [1, 2]\nb: [*a, *a]\n").is_ok());
    }

    #[test]
    fn explains_tabs_and_unknown_aliases() {
        refused("a:\n\tb: 1\n", 2, 1, "a tab in the indentation: YAML indents with spaces only");
        let e = read("a: 1\nb: *nope\n").unwrap_err();
        assert!(e.message.starts_with("alias *nope names no anchor (&nope)"), "{}", e.message);
    }

    #[test]
    fn refuses_too_long_a_timeline_before_building_it() {
        let entries = "  - {at: 1s}\n".repeat(crate::scenario::MAX_TIMELINE + 1);
        let e = read(&format!("spec:\n timeline:\n{entries}")).unwrap_err();
        assert_eq!(e.message, "at most 100000 timeline entries");
        assert_eq!(e.location.map(|l| l.line), Some(3 + crate::scenario::MAX_TIMELINE));
        assert!(read(&format!("spec:\n timeline:\n{}", "  - {at: 1s}\n".repeat(100))).is_ok());
    }

    #[test]
    fn refuses_several_documents() {
        refused("a: 1\n---\nb: 2\n", 2, 1, "more than one YAML document");
    }

    #[test]
    fn decodes_utf8_only() {
        assert_eq!(decode(b"\xEF\xBB\xBFa: 1\n"), Ok("a: 1\n"));
        // As a file is loaded: decoded, then read (which checks the characters).
        let at = |bytes: &[u8]| decode(bytes).and_then(read).expect_err("refused");
        let e = at(b"a: 1\nb: \xFF\n");
        assert_eq!(
            (e.location, e.message.contains("0xFF is not UTF-8")),
            (Some(Location { line: 2, column: 4 }), true)
        );
        let e = at("a: 1\nbé: x\0\n".as_bytes());
        assert_eq!((e.location, e.message.contains("NUL byte")), (Some(Location { line: 2, column: 6 }), true));
        assert!(at(b"\xFF\xFEa\0:\0").message.contains("UTF-16 (little-endian)"));
        assert!(at(b"\xFE\xFF\0a\0:").message.contains("UTF-16 (big-endian)"));
        assert!(at(b"a\0:\0 \0").message.contains("little-endian, no byte-order mark"));
        assert!(at(b"\0a\0:\0 ").message.contains("big-endian, no byte-order mark"));
        assert!(at(b"\xFF\xFE\0\0a\0\0\0").message.contains("UTF-32 (little-endian)"));
        let e = at(b"a: 1\nb: x\x07y\n");
        assert_eq!((e.location, e.message.contains("U+0007")), (Some(Location { line: 2, column: 5 }), true));
        let e = at("a: 1\nb: \u{feff}x\n".as_bytes());
        assert_eq!((e.location, e.message.contains("byte-order mark")), (Some(Location { line: 2, column: 4 }), true));
        let e = at("a:\n \u{a0}b: 1\n".as_bytes());
        assert_eq!((e.location, e.message.contains("no-break space")), (Some(Location { line: 2, column: 2 }), true));
        assert!(decode("a: \"\u{a0}x\"\n".as_bytes()).is_ok(), "a no-break space in a value is text");
    }
}
