//! The kubelet's credential keyring (pkg/credentialprovider/keyring.go, read in its `TrackedAuthConfig` text, 1.34
//! or later with no commit to pin it, whose matching logic is the same as in a vendored 1.32.10 copy:
//! docs/notes/credential-sources.md §0-1): how the entries of a
//! docker config (a node's `config.json`, a pull secret's `auths`) are keyed, and which credentials a pull of a
//! repository gets, in the order the kubelet tries them.
//!
//! - [`Keyring::add`] keys an entry by its location as `url.Parse("https://" + loc)` reads it: the scheme goes,
//!   a path starting `/v1/` or `/v2/` loses those three characters, and the key is the host, plus the path when
//!   the path is neither empty nor `/`. A `?` starts a query and `#` a fragment, both dropped
//!   (`reg?.example.com` is the key `reg`). An entry the URL parser refuses (a bad port, a space or another
//!   character not allowed in a host, a `[` not opening an IPv6 literal, a bad `%` escape) is ignored, as the
//!   kubelet logs and skips it.
//! - The keys are de-duplicated and sorted in **reverse byte order**; [`Keyring::lookup`] walks them in that
//!   order and appends the credentials of every key that matches, so `reg.example.com` comes before
//!   `*.example.com/app` (not "most specific first").
//! - [`urls_match`]: equal ports (none counts as its own value), the same number of dot-separated host parts,
//!   each matched as a `filepath.Match` pattern (in practice `*` and literals), and the key's path a plain
//!   string prefix of the target's (`reg.io/team` matches `reg.io/teams/app` too).
//! - When nothing matched and the repository is Docker Hub's, the credentials keyed `index.docker.io` (what
//!   `https://index.docker.io/v1/` becomes) are the fallback. "Docker Hub's" is `isDefaultRegistryMatch`: a
//!   first path part without `.` or `:`, which `localhost/app` also is.
//! - Whether Go's URL parser refuses a `[` in the middle of a host depends on the Go release that builds the
//!   kubelet (not verified); it is refused here, so only `*` globs work, as in practice.
//!
//! One choice of ours: the kubelet adds the entries of one docker config in Go map order (random), which only
//! matters when two entries of one config normalise to the same key; here they are added in the order given
//! (a scenario's config maps are ordered by location).

use std::collections::BTreeMap;

/// Docker Hub's host in the keyring (`defaultRegistryHost`).
const DEFAULT_REGISTRY_HOST: &str = "index.docker.io";

/// The credentials of docker config entries, keyed as the kubelet keys them.
#[derive(Debug, Clone)]
pub struct Keyring<C> {
    /// De-duplicated keys, reverse byte order.
    index: Vec<String>,
    creds: BTreeMap<String, Vec<C>>,
}

impl<C> Default for Keyring<C> {
    fn default() -> Self {
        Keyring { index: Vec::new(), creds: BTreeMap::new() }
    }
}

impl<C: Clone> Keyring<C> {
    /// Adds one docker config's entries (`location -> credential`), as `BasicDockerKeyring.Add` does; entries
    /// whose location does not parse are skipped. Credentials under the same key keep the order they were added.
    pub fn add<'a>(&mut self, entries: impl IntoIterator<Item = (&'a str, C)>) {
        for (loc, cred) in entries {
            let Some(key) = key_of(loc) else { continue };
            self.creds.entry(key.clone()).or_default().push(cred);
            self.index.push(key);
        }
        self.index.sort_unstable_by(|a, b| b.cmp(a));
        self.index.dedup();
    }

    /// The credentials to try for `repository` (the image's normalised name without tag or digest, e.g.
    /// `docker.io/library/nginx`), in the kubelet's order; empty means an anonymous pull.
    pub fn lookup(&self, repository: &str) -> Vec<C> {
        let mut found: Vec<C> = Vec::new();
        for key in &self.index {
            if urls_match(key, repository) {
                found.extend(self.creds[key].iter().cloned());
            }
        }
        if found.is_empty() && is_default_registry_match(repository) {
            if let Some(creds) = self.creds.get(DEFAULT_REGISTRY_HOST) {
                found.extend(creds.iter().cloned());
            }
        }
        found
    }

    /// The keys in lookup order.
    pub fn keys(&self) -> &[String] {
        &self.index
    }
}

/// The key a docker config location gets, or `None` when the kubelet would ignore the entry.
pub fn key_of(loc: &str) -> Option<String> {
    let value = if loc.starts_with("https://") || loc.starts_with("http://") {
        loc.to_string()
    } else {
        format!("https://{loc}")
    };
    let url = parse_url(&value)?;
    let path = if url.path.starts_with("/v2/") || url.path.starts_with("/v1/") { &url.path[3..] } else { &url.path };
    Some(if !path.is_empty() && path != "/" { format!("{}{path}", url.host) } else { url.host })
}

/// `URLsMatchStr(glob, target)`: whether the keyring key `glob` covers `target` (both without a scheme).
pub fn urls_match(glob: &str, target: &str) -> bool {
    let (Some(glob), Some(target)) = (parse_url(&format!("https://{glob}")), parse_url(&format!("https://{target}")))
    else {
        return false;
    };
    let (glob_parts, glob_port) = split_host(&glob.host);
    let (target_parts, target_port) = split_host(&target.host);
    glob_port == target_port
        && glob_parts.len() == target_parts.len()
        && target.path.starts_with(&glob.path)
        && glob_parts.iter().zip(&target_parts).all(|(g, t)| glob_match(g, t))
}

/// `isDefaultRegistryMatch`: whether an image name pulls from Docker Hub.
fn is_default_registry_match(image: &str) -> bool {
    let (first, rest) = match image.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (image, None),
    };
    if first.is_empty() {
        return false;
    }
    if rest.is_none() || first == "docker.io" || first == "index.docker.io" {
        return true;
    }
    !first.contains(['.', ':'])
}

/// The parts of a URL the keyring reads.
struct Url {
    host: String,
    path: String,
}

/// The subset of Go's `url.Parse` the keyring goes through, for `scheme://authority[/path][?query][#fragment]`:
/// what it keeps (host, decoded path) and what makes it fail.
fn parse_url(raw: &str) -> Option<Url> {
    let raw = raw.split('#').next().unwrap_or("");
    let (_, rest) = raw.split_once("://")?;
    let rest = rest.split('?').next().unwrap_or("");
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = match authority.rfind('@') {
        Some(i) => {
            let userinfo = &authority[..i];
            let ok = userinfo.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&c));
            if !ok {
                return None;
            }
            &authority[i + 1..]
        }
        None => authority,
    };
    Some(Url { host: parse_host(host)?, path: unescape(path, false)? })
}

/// Go's `parseHost`: an IPv6 literal in brackets (with an optional port), or a name with an optional `:port`
/// of digits, percent-decoded, with only the characters a host may hold.
fn parse_host(host: &str) -> Option<String> {
    if let Some(inner) = host.strip_prefix('[') {
        let close = inner.find(']')?;
        let port = &inner[close + 1..];
        if !valid_optional_port(port) {
            return None;
        }
        return Some(host.to_string());
    }
    if let Some(i) = host.rfind(':') {
        if !valid_optional_port(&host[i..]) {
            return None;
        }
    }
    unescape(host, true)
}

/// `validOptionalPort`: empty, or `:` followed by digits only.
fn valid_optional_port(port: &str) -> bool {
    port.is_empty() || port.strip_prefix(':').is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()))
}

/// Go's `unescape` for a host or a path: `%XX` decoded (a bad escape fails); in a host, a character outside
/// letters, digits and `-._~!$&'()*+,;=:<>"` fails, and so does `[` or `]` outside an IPv6 literal.
fn unescape(s: &str, host: bool) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
            continue;
        }
        if host && c < 0x80 && !(c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:<>\"".contains(&c)) {
            return None;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// `SplitURL`: the host's dot-separated parts and its port (`net.SplitHostPort`, or no port).
fn split_host(host: &str) -> (Vec<&str>, &str) {
    let (name, port) = match host.strip_prefix('[') {
        Some(inner) => match inner.split_once("]:") {
            Some((name, port)) => (name, port),
            None => (host, ""),
        },
        None => match host.split_once(':') {
            Some((name, port)) if !port.contains(':') => (name, port),
            _ => (host, ""),
        },
    };
    (name.split('.').collect(), port)
}

/// `filepath.Match` on one host part (which holds no `/`): `*` any run of characters, `?` any one character,
/// everything else itself. (`[` cannot reach here: the URL parser refused it.)
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Positions in the pattern reachable after each prefix of the name.
    let mut states = vec![false; p.len() + 1];
    states[0] = true;
    let close = |states: &mut Vec<bool>| {
        for j in 0..p.len() {
            if states[j] && p[j] == '*' {
                states[j + 1] = true;
            }
        }
    };
    close(&mut states);
    for &c in &n {
        let mut next = vec![false; p.len() + 1];
        for j in 0..p.len() {
            if states[j] {
                match p[j] {
                    '*' => next[j] = true,
                    '?' => next[j + 1] = true,
                    x if x == c => next[j + 1] = true,
                    _ => {}
                }
            }
        }
        close(&mut next);
        states = next;
    }
    states[p.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(entries: &[&str]) -> Keyring<String> {
        let mut k = Keyring::default();
        k.add(entries.iter().map(|e| (*e, e.to_string())));
        k
    }

    #[test]
    fn keys_lose_the_scheme_the_api_version_and_a_bare_slash() {
        assert_eq!(key_of("https://reg.example.com/v2/").as_deref(), Some("reg.example.com"));
        assert_eq!(key_of("http://reg.example.com/v1/").as_deref(), Some("reg.example.com"));
        assert_eq!(key_of("reg.example.com/").as_deref(), Some("reg.example.com"));
        assert_eq!(key_of("https://index.docker.io/v1/").as_deref(), Some("index.docker.io"));
        assert_eq!(key_of("reg.example.com/v2/team").as_deref(), Some("reg.example.com/team"));
        assert_eq!(key_of("reg.example.com:5000/team/").as_deref(), Some("reg.example.com:5000/team/"));
    }

    #[test]
    fn a_question_mark_starts_a_query_and_bad_hosts_are_ignored() {
        assert_eq!(key_of("reg?.example.com").as_deref(), Some("reg"));
        assert_eq!(key_of("reg.example.com#frag").as_deref(), Some("reg.example.com"));
        assert_eq!(key_of("reg.example.com:abc"), None);
        assert_eq!(key_of("reg example.com"), None);
        assert_eq!(key_of("reg[0-9].example.com"), None);
        assert_eq!(key_of("reg.example.com/%zz"), None);
        assert_eq!(key_of("user:pw@reg.example.com").as_deref(), Some("reg.example.com"));
    }

    #[test]
    fn the_lookup_order_is_reverse_byte_order_not_most_specific_first() {
        let k = ring(&["*.example.com/app", "reg.example.com", "reg.example.com/app", "example.com"]);
        assert_eq!(k.keys(), ["reg.example.com/app", "reg.example.com", "example.com", "*.example.com/app"]);
        assert_eq!(k.lookup("reg.example.com/app"), ["reg.example.com/app", "reg.example.com", "*.example.com/app"]);
    }

    #[test]
    fn globs_match_whole_host_parts_with_equal_ports_and_a_path_prefix() {
        assert!(urls_match("*.example.com", "reg.example.com/team/app"));
        assert!(!urls_match("*.example.com", "a.reg.example.com/app"));
        assert!(!urls_match("*.example.com", "example.com/app"));
        assert!(urls_match("reg*.example.com", "registry.example.com/app"));
        assert!(!urls_match("reg.example.com", "reg.example.com:5000/app"));
        assert!(urls_match("reg.example.com:5000", "reg.example.com:5000/app"));
        assert!(urls_match("reg.example.com/team", "reg.example.com/teams/app"));
        assert!(!urls_match("reg.example.com/team", "reg.example.com/other/app"));
        assert!(urls_match("localhost:5000", "localhost:5000/app"));
    }

    #[test]
    fn docker_hub_falls_back_to_index_docker_io_only_when_nothing_matched() {
        let k = ring(&["https://index.docker.io/v1/"]);
        assert_eq!(k.lookup("docker.io/library/nginx"), ["https://index.docker.io/v1/"]);
        assert!(k.lookup("reg.example.com/app").is_empty());
        let k = ring(&["https://index.docker.io/v1/", "docker.io"]);
        assert_eq!(k.lookup("docker.io/library/nginx"), ["docker.io"]);
        // `localhost` has no `.` or `:`, so the kubelet takes it for Docker Hub.
        let k = ring(&["https://index.docker.io/v1/"]);
        assert_eq!(k.lookup("localhost/app"), ["https://index.docker.io/v1/"]);
        assert!(k.lookup("localhost:5000/app").is_empty());
    }

    #[test]
    fn credentials_under_one_key_keep_the_order_they_were_added() {
        let mut k: Keyring<&str> = Keyring::default();
        k.add([("reg.example.com", "first")]);
        k.add([("https://reg.example.com/v2/", "second")]);
        assert_eq!(k.lookup("reg.example.com/app"), ["first", "second"]);
        assert_eq!(k.keys(), ["reg.example.com"]);
    }

    #[test]
    fn glob_parts_match_as_filepath_match_does() {
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(!glob_match("abc", "abd"));
        assert!(glob_match("*reg*", "myregistry"));
    }

    /// The cases of the kubelet's own keyring tests (pkg/credentialprovider/keyring_test.go: TestUrlsMatch,
    /// TestDockerKeyringForGlob, TestKeyringMiss, TestIsDefaultRegistryMatch, TestDockerKeyringLookup,
    /// TestIssue3797), with the outcomes that file expects.
    #[test]
    fn the_cases_of_the_kubelets_keyring_tests_come_out_as_they_expect() {
        for (glob, target, expected) in [
            ("*.kubernetes.io", "prefix.kubernetes.io", true),
            ("prefix.*.io", "prefix.kubernetes.io", true),
            ("prefix.kubernetes.*", "prefix.kubernetes.io", true),
            ("*-good.kubernetes.io", "prefix-good.kubernetes.io", true),
            ("*.kubernetes.io/blah", "prefix.kubernetes.io/blah", true),
            ("prefix.*.io/foo", "prefix.kubernetes.io/foo/bar", true),
            ("*.kubernetes.io:1111/blah", "prefix.kubernetes.io:1111/blah", true),
            ("prefix.*.io:1111/foo", "prefix.kubernetes.io:1111/foo/bar", true),
            ("*.kubernetes.io", "kubernetes.io", false),
            ("*.*.kubernetes.io", "prefix.kubernetes.io", false),
            ("*.*.kubernetes.io", "kubernetes.io", false),
            ("kubernetes.io", "kubernetes.com", false),
            ("k*.io", "quay.io", false),
            ("*.kubernetes.io:1234/blah", "prefix.kubernetes.io:1111/blah", false),
            ("prefix.*.io/foo", "prefix.kubernetes.io:1111/foo/bar", false),
        ] {
            assert_eq!(urls_match(glob, target), expected, "{glob} vs {target}");
        }
        // Keys as written in a docker config, each found for its target + "/foo/bar" (TestDockerKeyringForGlob).
        for (key, target) in [
            ("https://hello.kubernetes.io", "hello.kubernetes.io"),
            ("https://*.docker.io", "prefix.docker.io"),
            ("https://prefix.*.io", "prefix.docker.io"),
            ("https://prefix.docker.*", "prefix.docker.io"),
            ("https://*.docker.io/path", "prefix.docker.io/path"),
            ("https://prefix.*.io/path", "prefix.docker.io/path/subpath"),
            ("https://prefix.docker.*/path", "prefix.docker.io/path"),
            ("https://*.docker.io:8888", "prefix.docker.io:8888"),
            ("https://prefix.*.io:8888", "prefix.docker.io:8888"),
            ("https://prefix.docker.*:8888", "prefix.docker.io:8888"),
            ("https://*.docker.io/path:1111", "prefix.docker.io/path:1111"),
            ("https://*.docker.io/v1/", "prefix.docker.io/path:1111"),
            ("https://*.docker.io/v2/", "prefix.docker.io/path:1111"),
            ("https://prefix.docker.*/path:1111", "prefix.docker.io/path:1111"),
            ("prefix.docker.io:1111", "prefix.docker.io:1111/path"),
            ("*.docker.io:1111", "prefix.docker.io:1111/path"),
        ] {
            assert_eq!(ring(&[key]).lookup(&format!("{target}/foo/bar")), [key], "{key} for {target}");
        }
        // TestKeyringMiss.
        for (key, target) in [
            ("https://hello.kubernetes.io", "world.mesos.org"),
            ("https://*.docker.com", "prefix.docker.io"),
            ("https://suffix.*.io", "prefix.docker.io"),
            ("https://prefix.docker.c*", "prefix.docker.io"),
            ("https://prefix.*.io/path:1111", "prefix.docker.io/path/subpath:1111"),
            ("suffix.*.io", "prefix.docker.io"),
        ] {
            assert!(ring(&[key]).lookup(&format!("{target}/foo/bar")).is_empty(), "{key} for {target}");
        }
        // Docker Hub's key: not for another host, the fallback for unqualified and qualified Hub names.
        let hub = ring(&["https://index.docker.io/v1/"]);
        assert!(hub.lookup("world.mesos.org/foo/bar").is_empty());
        assert_eq!(hub.lookup("google/docker-registry").len(), 1);
        assert_eq!(hub.lookup("jenkins").len(), 1);
        assert_eq!(hub.lookup("index.docker.io/google/docker-registry").len(), 1);
        for (image, expected) in [
            ("foo/bar", true),
            ("docker.io/foo/bar", true),
            ("index.docker.io/foo/bar", true),
            ("foo", true),
            ("", false),
            ("registry.tld/foo/bar", false),
            ("registry:5000/foo/bar", false),
            ("myhostdocker.io/foo/bar", false),
        ] {
            assert_eq!(is_default_registry_match(image), expected, "{image:?}");
        }
        // TestDockerKeyringLookup: grace under bar.example.com/pong, ada under bar.example.com.
        let mut k: Keyring<&str> = Keyring::default();
        k.add([("bar.example.com/pong", "grace"), ("bar.example.com", "ada")]);
        for (image, expected) in [
            ("bar.example.com", &["ada"][..]),
            ("bar.example.com/pong", &["grace", "ada"][..]),
            ("bar.example.com/ping", &["ada"][..]),
            ("bar.example.com/pongz", &["grace", "ada"][..]),
            ("bar.example.com/pong/pang", &["grace", "ada"][..]),
            ("example.com", &[][..]),
            ("foo.example.com", &[][..]),
        ] {
            assert_eq!(k.lookup(image), expected, "{image}");
        }
        // TestIssue3797: a key with a scheme and /v1/ serves its whole host.
        let quay = ring(&["https://quay.io/v1/"]);
        for image in ["quay.io", "quay.io/foo", "quay.io/foo/bar"] {
            assert_eq!(quay.lookup(image).len(), 1, "{image}");
        }
    }
}
