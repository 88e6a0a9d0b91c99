//! Where in a YAML text a field is, so that semantic validation, which only knows a field path
//! such as `spec.nodePools.pool-a.kubelet.maxParallelImagePulls` or `spec.timeline[3].scale`,
//! can print `scenario.yaml:14:9: ...`.
//!
//! [`SourceMap::new`] parses the text once with marked-yaml, which records where every node
//! starts, and [`SourceMap::locate`] walks a [`FieldPath`] down that tree. Nothing here fails
//! loudly: a text that is not valid YAML (its syntax errors are reported elsewhere, by serde_yaml)
//! gives a map that locates nothing, and a path that only partly exists is located at its deepest
//! existing part. marked-yaml refuses anchors (`&name`) and tags (`!!str`); for such a text the
//! map is built from a copy with those blanked out in place and aliases (`*name`) read as plain
//! scalars, so positions stay right but paths through an alias stop at the alias. Only the first
//! document of a multi-document text is read.

use std::fmt;

use marked_yaml::{parse_yaml_with_options, LoadError, LoaderOptions, Marker, Node};

/// One step of a field path: a mapping key or a sequence index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathSeg {
    /// A key of a mapping.
    Key(String),
    /// A 0-based position in a sequence.
    Index(usize),
}

/// A path into a YAML document; Display renders `spec.nodePools.pool-a.kubelet.maxParallelImagePulls`
/// and `spec.timeline[3].scale`.
///
/// Keys that are empty or contain '.', '[', ']' or whitespace are written quoted in brackets, as in
/// `spec.registries["registry.example.com"].bandwidth`. The root path renders as "".
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct FieldPath(pub Vec<PathSeg>);

impl FieldPath {
    /// The empty path, naming the whole document.
    pub fn root() -> Self {
        Self(Vec::new())
    }

    /// This path followed by the mapping key `k`.
    pub fn key(&self, k: &str) -> Self {
        self.with(PathSeg::Key(k.to_owned()))
    }

    /// This path followed by the sequence index `i`.
    pub fn index(&self, i: usize) -> Self {
        self.with(PathSeg::Index(i))
    }

    fn with(&self, seg: PathSeg) -> Self {
        let mut segs = Vec::with_capacity(self.0.len() + 1);
        segs.extend_from_slice(&self.0);
        segs.push(seg);
        Self(segs)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, seg) in self.0.iter().enumerate() {
            match seg {
                PathSeg::Key(k) if needs_quoting(k) => write!(f, "[{k:?}]")?,
                PathSeg::Key(k) if n == 0 => f.write_str(k)?,
                PathSeg::Key(k) => write!(f, ".{k}")?,
                PathSeg::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// Whether a key would be ambiguous or unreadable written bare in a dotted path.
fn needs_quoting(k: &str) -> bool {
    k.is_empty() || k.chars().any(|c| matches!(c, '.' | '[' | ']') || c.is_whitespace() || c.is_control())
}

/// 1-based line and column.
///
/// The column counts characters (Unicode scalar values), not bytes; a tab counts as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// Line number, the first line being 1.
    pub line: usize,
    /// Column number, the first character of a line being 1.
    pub column: usize,
}

impl fmt::Display for Location {
    /// Renders "line:column", as in "14:9".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A parsed YAML text that can answer where a path is. Built once per file.
#[derive(Debug, Clone)]
pub struct SourceMap {
    /// The document's top node; None if the text is not valid YAML.
    root: Option<Node>,
}

impl SourceMap {
    /// Parses the text; None-like behaviour (an empty map) if the text is not valid YAML (syntax
    /// errors are reported elsewhere by serde_yaml).
    ///
    /// The top node may be a mapping or a sequence; a leading byte-order mark is ignored.
    pub fn new(text: &str) -> SourceMap {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let root = match load(text) {
            Loaded::Node(node) => Some(node),
            Loaded::AnchorOrTag => match load(&strip_anchors_and_tags(text)) {
                Loaded::Node(node) => Some(node),
                Loaded::AnchorOrTag | Loaded::Invalid => None,
            },
            Loaded::Invalid => None,
        };
        SourceMap { root }
    }

    /// Location of the deepest existing node along `path`: for a mapping entry the position of its
    /// KEY (so an error about `replicas: -1` points at `replicas`), for a sequence item the item's
    /// start. If the path only partly exists, the location of the deepest part that exists; None
    /// if not even the first segment exists.
    ///
    /// A sequence item starts where its content does: at `{`/`[` for flow collections, at the first
    /// key of a block mapping (not at the `- ` before it). The root path gives the start of the
    /// document's top node. A text that was not valid YAML locates nothing.
    pub fn locate(&self, path: &FieldPath) -> Option<Location> {
        let mut node = self.root.as_ref()?;
        let mut found = if path.0.is_empty() { node_start(node) } else { None };
        for seg in &path.0 {
            let step = match (seg, node) {
                (PathSeg::Key(k), Node::Mapping(map)) => map
                    .iter()
                    .find(|(key, _)| key.as_str() == k)
                    .map(|(key, value)| (key.span().start().map(location), value)),
                (PathSeg::Index(i), Node::Sequence(seq)) => seq.get(*i).map(|item| (node_start(item), item)),
                _ => None,
            };
            let Some((here, child)) = step else { break };
            found = here.or(found);
            node = child;
        }
        found
    }
}

impl SourceMap {
    /// The path of the deepest value whose text holds `at`; the root when there is none. Names the field
    /// of an error that the YAML reader located but could not name.
    pub fn path_at(&self, at: Location) -> FieldPath {
        let mut path = FieldPath::root();
        let Some(mut node) = self.root.as_ref() else { return path };
        let before = |n: &Node| node_start(n).is_some_and(|s| (s.line, s.column) <= (at.line, at.column));
        loop {
            // Children are in the text's order: the one holding `at` is the last to start at or before it.
            let child = match node {
                Node::Mapping(map) => {
                    map.iter().rev().find(|(_, v)| before(v)).map(|(k, v)| (PathSeg::Key(k.as_str().to_owned()), v))
                }
                Node::Sequence(seq) => {
                    seq.iter().enumerate().rev().find(|(_, v)| before(v)).map(|(i, v)| (PathSeg::Index(i), v))
                }
                Node::Scalar(_) => None,
            };
            let Some((seg, child)) = child else { return path };
            // A single value holds only the place where it starts.
            if matches!(child, Node::Scalar(_)) && node_start(child) != Some(at) {
                return path;
            }
            path = path.with(seg);
            node = child;
        }
    }
}

fn location(m: &Marker) -> Location {
    Location { line: m.line(), column: m.column() }
}

/// Where a node's text starts. marked-yaml marks a block mapping at the ':' after its first key,
/// so a mapping starts at the earliest of its own mark and its keys' marks.
fn node_start(node: &Node) -> Option<Location> {
    let own = node.span().start();
    let earliest = match node {
        Node::Mapping(map) => map.keys().filter_map(|k| k.span().start()).chain(own).min_by_key(|m| m.character()),
        Node::Sequence(_) | Node::Scalar(_) => own,
    };
    earliest.map(location)
}

/// The outcome of one attempt to load a text.
enum Loaded {
    Node(Node),
    /// Valid YAML, perhaps, but marked-yaml does not accept anchors and tags.
    AnchorOrTag,
    Invalid,
}

/// Loads the first document, whose top node may be a mapping or a sequence. marked-yaml has not
/// been seen to panic, but a panic in it must not take the validation report down with it.
fn load(text: &str) -> Loaded {
    let attempt = std::panic::catch_unwind(|| match parse_yaml_with_options(0, text, LoaderOptions::default()) {
        Err(LoadError::TopLevelMustBeMapping(_)) => {
            let options = LoaderOptions::default().toplevel_sequence();
            parse_yaml_with_options(0, text, options)
        }
        other => other,
    });
    match attempt {
        Ok(Ok(node)) => Loaded::Node(node),
        Ok(Err(LoadError::UnexpectedAnchor(_) | LoadError::UnexpectedTag(_))) => Loaded::AnchorOrTag,
        Ok(Err(_)) | Err(_) => Loaded::Invalid,
    }
}

/// What the scanner in [`strip_anchors_and_tags`] is inside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scan {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Comment,
    /// A literal or folded block scalar, whose lines are indented deeper than this.
    BlockScalar(usize),
}

/// A copy of `text` with every anchor (`&name`) and tag (`!tag`, `!!str`, `!<verbatim>`) replaced
/// by spaces and every alias (`*name`) turned into the plain scalar `_name`; all other characters
/// stay where they were, so line and column numbers are unchanged.
///
/// A heuristic scan, not a YAML parser: it skips comments, quoted scalars and block scalars, and
/// only looks at a `&`, `!` or `*` that starts a token. If it gets something wrong the result may
/// not parse, which leaves the map empty, as it would have been anyway.
fn strip_anchors_and_tags(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = chars.clone();
    let is_flow = |c: char| matches!(c, ',' | '[' | ']' | '{' | '}');
    let is_space = |c: Option<&char>| c.is_none_or(|c| c.is_whitespace());
    let mut state = Scan::Plain;
    // Whether a node (and so a quoted scalar or block scalar) may start at this point.
    let mut node_may_start = true;
    let mut line_indent = 0;
    let mut i = 0;
    while i < chars.len() {
        if i == 0 || chars[i - 1] == '\n' {
            let indent = chars[i..].iter().take_while(|&&c| c == ' ').count();
            let rest_blank = chars[i + indent..].iter().take_while(|&&c| c != '\n').all(|c| c.is_whitespace());
            match state {
                Scan::BlockScalar(parent) if rest_blank || indent > parent => {
                    i += chars[i..].iter().take_while(|&&c| c != '\n').count() + 1;
                    continue;
                }
                Scan::BlockScalar(_) | Scan::Comment => state = Scan::Plain,
                _ => {}
            }
            line_indent = indent;
            if state == Scan::Plain {
                node_may_start = true;
            }
        }
        let c = chars[i];
        let boundary = i == 0 || chars[i - 1].is_whitespace() || is_flow(chars[i - 1]);
        match state {
            Scan::Comment | Scan::BlockScalar(_) => {}
            Scan::SingleQuoted => {
                if c == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        i += 1;
                    } else {
                        state = Scan::Plain;
                    }
                }
            }
            Scan::DoubleQuoted => {
                if c == '\\' {
                    i += 1;
                } else if c == '"' {
                    state = Scan::Plain;
                }
            }
            Scan::Plain if c.is_whitespace() => {}
            Scan::Plain if c == '#' && (i == 0 || chars[i - 1].is_whitespace()) => {
                state = Scan::Comment;
            }
            Scan::Plain if boundary && matches!(c, '&' | '!' | '*') => {
                let verbatim = c == '!' && chars.get(i + 1) == Some(&'<');
                let mut end = i + 1;
                while end < chars.len() {
                    let d = chars[end];
                    end += 1;
                    if verbatim && d == '>' {
                        break;
                    }
                    if !verbatim && (d.is_whitespace() || is_flow(d)) {
                        end -= 1;
                        break;
                    }
                }
                if c == '*' {
                    out[i] = '_';
                    node_may_start = false;
                } else {
                    out[i..end].iter_mut().for_each(|o| *o = ' ');
                }
                i = end;
                continue;
            }
            Scan::Plain if node_may_start && c == '\'' => state = Scan::SingleQuoted,
            Scan::Plain if node_may_start && c == '"' => state = Scan::DoubleQuoted,
            Scan::Plain if node_may_start && matches!(c, '|' | '>') => {
                state = Scan::BlockScalar(line_indent);
            }
            Scan::Plain => {
                node_may_start =
                    matches!(c, '[' | '{' | ',') || (matches!(c, ':' | '-' | '?') && is_space(chars.get(i + 1)));
            }
        }
        if state != Scan::Plain {
            node_may_start = false;
        }
        i += 1;
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[&str]) -> FieldPath {
        FieldPath(
            segs.iter()
                .map(|s| match s.parse() {
                    Ok(i) => PathSeg::Index(i),
                    Err(_) => PathSeg::Key((*s).to_owned()),
                })
                .collect(),
        )
    }

    #[track_caller]
    fn check_display(p: FieldPath, want: &str) {
        assert_eq!(p.to_string(), want);
    }

    #[test]
    fn displays_paths() {
        let spec = FieldPath::root().key("spec");
        check_display(FieldPath::root(), "");
        check_display(spec.clone(), "spec");
        check_display(
            spec.key("nodePools").key("pool-a").key("kubelet").key("maxParallelImagePulls"),
            "spec.nodePools.pool-a.kubelet.maxParallelImagePulls",
        );
        check_display(spec.key("timeline").index(3).key("scale"), "spec.timeline[3].scale");
        check_display(
            spec.key("registries").key("registry.example.com").key("bandwidth"),
            "spec.registries[\"registry.example.com\"].bandwidth",
        );
        check_display(FieldPath::root().key("a b"), "[\"a b\"]");
        check_display(FieldPath::root().key("x").key("[0]"), "x[\"[0]\"]");
        check_display(FieldPath::root().key("x").key(""), "x[\"\"]");
        check_display(FieldPath::root().key("x").key("tab\there"), "x[\"tab\\there\"]");
        check_display(FieldPath::root().key("x.\"y\""), "[\"x.\\\"y\\\"\"]");
        check_display(FieldPath::root().index(0).key("name"), "[0].name");
        check_display(FieldPath::root().key("m").index(1).index(2), "m[1][2]");
        check_display(FieldPath::root().key("café"), "café");
    }

    #[test]
    fn paths_compare_and_build() {
        let a = FieldPath::root().key("spec");
        let b = a.index(2);
        assert_eq!(b.0, vec![PathSeg::Key("spec".into()), PathSeg::Index(2)]);
        assert_eq!(a.0.len(), 1, "key() and index() leave the original alone");
        assert!(a < b);
        assert_eq!(FieldPath::default(), FieldPath::root());
        assert_eq!(path(&["spec", "timeline", "3"]), FieldPath::root().key("spec").key("timeline").index(3));
    }

    const SCENARIO: &str = "\
apiVersion: pullsim/v1alpha1
kind: Scenario
metadata:
  name: burst # a comment
spec:
  registries:
    \"registry.example.com\": {bandwidth: 1Gbps, latency: 20ms}
  nodePools:
    pool-a:
      count: 3
      kubelet:
        serializeImagePulls: false
        maxParallelImagePulls: 0
    pool-b: {count: 2, kubelet: {maxParallelImagePulls: 4}}
  timeline:
    - at: 0s
      deploy: {workload: web, replicas: 10}
    - {at: 2m, scale: {workload: web, replicas: -1}}
    -   at: 5m
        scale:
          workload: web
          replicas: 3
    - 7m
    - [a, {b: c}]
  notes: |
    free text with: colons
  café: {ü: 1, b: 2}
";

    #[track_caller]
    fn check_locate(map: &SourceMap, segs: &[&str], want: Option<(usize, usize)>) {
        let got = map.locate(&path(segs)).map(|l| (l.line, l.column));
        assert_eq!(got, want, "path {}", path(segs));
    }

    #[test]
    fn names_the_value_at_a_place() {
        let map = SourceMap::new(SCENARIO);
        let at = |line, column| map.path_at(Location { line, column }).to_string();
        assert_eq!(at(13, 32), "spec.nodePools.pool-a.kubelet.maxParallelImagePulls");
        assert_eq!(at(14, 57), "spec.nodePools.pool-b.kubelet.maxParallelImagePulls");
        assert_eq!(at(18, 49), "spec.timeline[1].scale.replicas");
        assert_eq!(at(24, 15), "spec.timeline[4][1].b");
        assert_eq!(at(1, 13), "apiVersion");
        assert_eq!(at(1, 1), "", "a key is not a value");
    }

    #[test]
    fn locates_keys_and_items() {
        let map = SourceMap::new(SCENARIO);
        check_locate(&map, &["apiVersion"], Some((1, 1)));
        check_locate(&map, &["metadata", "name"], Some((4, 3)));
        check_locate(&map, &["spec"], Some((5, 1)));
        check_locate(&map, &["spec", "registries", "registry.example.com"], Some((7, 5)));
        check_locate(&map, &["spec", "registries", "registry.example.com", "latency"], Some((7, 48)));
        check_locate(&map, &["spec", "nodePools", "pool-a", "kubelet", "maxParallelImagePulls"], Some((13, 9)));
        check_locate(&map, &["spec", "nodePools", "pool-b"], Some((14, 5)));
        check_locate(&map, &["spec", "nodePools", "pool-b", "kubelet"], Some((14, 24)));
        check_locate(&map, &["spec", "nodePools", "pool-b", "kubelet", "maxParallelImagePulls"], Some((14, 34)));
        check_locate(&map, &["spec", "timeline"], Some((15, 3)));
        // Block mapping items start at their first key, flow ones at '{', scalars at themselves.
        check_locate(&map, &["spec", "timeline", "0"], Some((16, 7)));
        check_locate(&map, &["spec", "timeline", "0", "deploy", "replicas"], Some((17, 31)));
        check_locate(&map, &["spec", "timeline", "1"], Some((18, 7)));
        check_locate(&map, &["spec", "timeline", "1", "scale"], Some((18, 16)));
        check_locate(&map, &["spec", "timeline", "1", "scale", "replicas"], Some((18, 39)));
        check_locate(&map, &["spec", "timeline", "2"], Some((19, 9)));
        check_locate(&map, &["spec", "timeline", "2", "scale", "replicas"], Some((22, 11)));
        check_locate(&map, &["spec", "timeline", "3"], Some((23, 7)));
        check_locate(&map, &["spec", "timeline", "4"], Some((24, 7)));
        check_locate(&map, &["spec", "timeline", "4", "1"], Some((24, 11)));
        check_locate(&map, &["spec", "timeline", "4", "1", "b"], Some((24, 12)));
        check_locate(&map, &["spec", "notes"], Some((25, 3)));
        // Columns count characters, not bytes.
        check_locate(&map, &["spec", "café", "b"], Some((27, 16)));
        // The root is the top mapping, which starts at its first key.
        check_locate(&map, &[], Some((1, 1)));
    }

    #[test]
    fn locates_the_deepest_existing_part() {
        let map = SourceMap::new(SCENARIO);
        // Missing last key: the parent entry.
        check_locate(&map, &["spec", "nodePools", "pool-a", "kubelet", "nope"], Some((11, 7)));
        check_locate(&map, &["spec", "nodePools", "pool-c", "count"], Some((8, 3)));
        // Index past the end, index into a mapping, key into a sequence, into a scalar.
        check_locate(&map, &["spec", "timeline", "9"], Some((15, 3)));
        check_locate(&map, &["spec", "nodePools", "0"], Some((8, 3)));
        check_locate(&map, &["spec", "timeline", "scale"], Some((15, 3)));
        check_locate(&map, &["spec", "timeline", "3", "at"], Some((23, 7)));
        check_locate(&map, &["kind", "x", "y"], Some((2, 1)));
        // Nothing exists.
        check_locate(&map, &["status"], None);
        check_locate(&map, &["0"], None);
        check_locate(&map, &["Spec", "timeline"], None);
    }

    #[test]
    fn top_level_sequences_and_odd_texts() {
        let seq = SourceMap::new("# images\n- name: a\n  size: 1Gi\n- name: b\n");
        check_locate(&seq, &[], Some((2, 1)));
        check_locate(&seq, &["0"], Some((2, 3)));
        check_locate(&seq, &["1", "name"], Some((4, 3)));
        check_locate(&seq, &["0", "size"], Some((3, 3)));
        check_locate(&seq, &["spec"], None);

        let crlf = SourceMap::new("a: 1\r\nb:\r\n  c: 2\r\n");
        check_locate(&crlf, &["b", "c"], Some((3, 3)));

        let bom = SourceMap::new("\u{feff}kind: Scenario\nspec: {}\n");
        check_locate(&bom, &["kind"], Some((1, 1)));
        check_locate(&bom, &["spec"], Some((2, 1)));

        // Only the first document is read, and nothing after it is checked.
        let trailing = SourceMap::new("{a: 1, b: 2}}");
        check_locate(&trailing, &["b"], Some((1, 8)));
        let multi = SourceMap::new("a: 1\n---\nb: 2\n");
        check_locate(&multi, &["a"], Some((1, 1)));
        check_locate(&multi, &["b"], None);

        // Duplicate keys (which serde_yaml rejects) locate the first occurrence.
        let dup = SourceMap::new("a: 1\nb: 2\na: 3\n");
        check_locate(&dup, &["a"], Some((1, 1)));

        // The scanner takes a NUL character for the end of the text.
        for empty in ["", "   \n", "# only a comment\n", "{}", "\u{0}a: 1"] {
            let map = SourceMap::new(empty);
            check_locate(&map, &["spec"], None);
        }
    }

    #[test]
    fn invalid_yaml_locates_nothing() {
        for text in [
            "this is not yaml: [unclosed",
            "spec:\n  a: 1\n b: 2\n",
            "key: \"unterminated\n",
            "just a scalar",
            "a: 1\n\tb: 2\n",
            "{a: 1, b: ]",
            "- a\nb: 1\n",
            "[1, 2",
            // Valid YAML, but marked-yaml only takes scalar keys.
            "? [complex]\n: key\n",
        ] {
            let map = SourceMap::new(text);
            for segs in [&[][..], &["spec"], &["a"], &["0"], &["this is not yaml"]] {
                assert_eq!(map.locate(&path(segs)), None, "text {text:?}, path {segs:?}");
            }
        }
    }

    #[test]
    fn anchors_aliases_and_tags_keep_positions() {
        let text = "\
defaults: &kubelet
  maxParallelImagePulls: 2
spec:
  nodePools:
    a:
      kubelet: *kubelet
    b:
      kubelet:
        <<: *kubelet
        serializeImagePulls: !!bool true
    c: {count: !!int 3, kubelet: *kubelet, name: !<tag:yaml.org,2002:str> c}
  images:
    - &big {name: big, size: 10Gi}
    - *big
  note: \"text with &amp and *star and !bang\" # &comment
  script: |
    &&
    echo *
  last: ! 1
";
        let map = SourceMap::new(text);
        check_locate(&map, &["defaults", "maxParallelImagePulls"], Some((2, 3)));
        // An alias is a plain scalar here, so a path through it stops at its key.
        check_locate(&map, &["spec", "nodePools", "a", "kubelet", "maxParallelImagePulls"], Some((6, 7)));
        check_locate(&map, &["spec", "nodePools", "b", "kubelet", "serializeImagePulls"], Some((10, 9)));
        check_locate(&map, &["spec", "nodePools", "c", "count"], Some((11, 9)));
        check_locate(&map, &["spec", "nodePools", "c", "name"], Some((11, 44)));
        check_locate(&map, &["spec", "images", "0", "size"], Some((13, 24)));
        check_locate(&map, &["spec", "images", "1"], Some((14, 7)));
        check_locate(&map, &["spec", "note"], Some((15, 3)));
        check_locate(&map, &["spec", "script"], Some((16, 3)));
        check_locate(&map, &["spec", "last"], Some((19, 3)));
    }

    #[track_caller]
    fn check_strip(text: &str, want: &str) {
        let got = strip_anchors_and_tags(text);
        assert_eq!(got, want, "stripping {text:?}");
        assert_eq!(got.chars().count(), text.chars().count());
    }

    #[test]
    fn strips_anchors_and_tags_in_place() {
        check_strip("a: &x 1", "a:    1");
        check_strip("a: *x", "a: _x");
        check_strip("&top\na: 1", "    \na: 1");
        check_strip("a: !!int 1", "a:       1");
        check_strip("a: !<tag:x,y> 1", "a:            1");
        check_strip("a: !local {b: 1}", "a:        {b: 1}");
        check_strip("[*a, &b c, !t d]", "[_a,    c,    d]");
        check_strip("{k: *a}", "{k: _a}");
        check_strip("- &i x\n- *i\n", "-    x\n- _i\n");
        check_strip("u: http://h/?a=1&b=2!", "u: http://h/?a=1&b=2!");
        check_strip("s: 'it''s &x' # &c\nt: &y 1", "s: 'it''s &x' # &c\nt:    1");
        check_strip("s: \"q \\\" &x\"\nt: *y", "s: \"q \\\" &x\"\nt: _y");
        check_strip("s: |\n  &x\n\n  *y\nt: &z 1\n", "s: |\n  &x\n\n  *y\nt:    1\n");
        check_strip("s: >-\n    !x\nt: !y 1", "s: >-\n    !x\nt:    1");
        check_strip("p: say \"hi\" &x", "p: say \"hi\"   ");
        check_strip("é: &ü 1\nb: *ü", "é:    1\nb: _ü");
    }

    #[test]
    fn odd_texts_never_panic() {
        let alphabet: Vec<char> = "ab :-?\n\n  \t[]{},'\"#&*!|><%@`.~0\r\u{feff}é".chars().collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let paths = [path(&[]), path(&["a"]), path(&["a", "0"]), path(&["0", "b", "a"])];
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let text: String = (0..len).map(|_| alphabet[(next() % alphabet.len() as u64) as usize]).collect();
            let map = SourceMap::new(&text);
            for p in &paths {
                if let Some(l) = map.locate(p) {
                    assert!(l.line >= 1 && l.column >= 1, "{text:?} {p}: {l}");
                }
            }
            assert_eq!(strip_anchors_and_tags(&text).chars().count(), text.chars().count());
        }
    }
}
