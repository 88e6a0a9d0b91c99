//! Container image references, parsed and normalised the way the kubelet and
//! containerd see them.
//!
//! This is a hand-written port of the grammar and normalisation rules of
//! `github.com/distribution/reference` (`regexp.go`, `reference.go`,
//! `normalize.go`, `helpers.go`, the version Kubernetes vendors), digest
//! validation from `github.com/opencontainers/go-digest` v1.0.0 (`digest.go`,
//! `algorithm.go`), and the kubelet's image defaulting rules
//! (`pkg/util/parsers/parsers.go` `ParseImageName`, `pkg/apis/core/v1/defaults.go`
//! `SetDefaults_Container`, `pkg/kubelet/images/image_manager.go`
//! `applyDefaultImageTag`). No regular expressions are used: each production of
//! the grammar is a small byte-level matcher that accepts exactly the language
//! of the corresponding Go regular expression, and the captures are split the
//! way Go's leftmost-first matcher splits them. Every function is total: any
//! input, however malformed, yields `Ok` or `Err`, never a panic.

use std::fmt;
use std::str::FromStr;

/// `RepositoryNameTotalLengthMax` in `reference.go`: the longest repository
/// path (the name without its domain) that `Parse` accepts.
pub const REPOSITORY_NAME_TOTAL_LENGTH_MAX: usize = 255;

/// `defaultDomain` in `normalize.go`: the registry familiar names resolve to.
pub const DEFAULT_DOMAIN: &str = "docker.io";

/// `legacyDefaultDomain` in `normalize.go`: rewritten to [`DEFAULT_DOMAIN`].
pub const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";

/// `officialRepoPrefix` in `normalize.go`: namespace of single-component
/// Docker Hub names ("nginx" -> "library/nginx").
pub const OFFICIAL_REPO_PREFIX: &str = "library/";

/// `defaultTag` in `normalize.go` and `DefaultImageTag` in the kubelet's
/// `pkg/util/parsers/parsers.go`.
pub const DEFAULT_TAG: &str = "latest";

/// `localhost` in `regexp.go`: always treated as a domain by `splitDockerDomain`.
const LOCALHOST: &str = "localhost";

/// `tag = [\w][\w.-]{0,127}` in `regexp.go`: at most 128 characters.
const TAG_MAX_LEN: usize = 128;

/// `[[:xdigit:]]{32,}` in `digestPat` (`regexp.go`): at least 128 bits of hex.
const DIGEST_HEX_MIN_LEN: usize = 32;

/// `identifier = [a-f0-9]{64}` in `regexp.go`.
const IDENTIFIER_LEN: usize = 64;

/// Errors of `distribution/reference` and `go-digest`, one variant per Go error
/// value or formatted error, with Go's exact message text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImageRefError {
    /// `ErrReferenceInvalidFormat` (`reference.go`): the input does not match
    /// the reference grammar.
    #[error("invalid reference format")]
    InvalidReferenceFormat,
    /// `ErrTagInvalidFormat` (`reference.go`), returned by `WithTag`.
    #[error("invalid tag format")]
    TagInvalidFormat,
    /// `ErrDigestInvalidFormat` of `reference.go` (not go-digest's), returned by
    /// `WithDigest`.
    #[error("invalid digest format")]
    ReferenceDigestInvalidFormat,
    /// `ErrNameContainsUppercase` (`reference.go`): `Parse` failed, but would
    /// have succeeded on the lower-cased input.
    #[error("repository name must be lowercase")]
    NameContainsUppercase,
    /// `ErrNameEmpty` (`reference.go`): `Parse("")`. `ParseNormalizedNamed("")`
    /// reports [`ImageRefError::InvalidReferenceFormat`] instead, because it
    /// parses `"docker.io/library/"`.
    #[error("repository name must have at least one component")]
    NameEmpty,
    /// `ErrNameTooLong` (`reference.go`): the repository path (without domain)
    /// is longer than [`REPOSITORY_NAME_TOTAL_LENGTH_MAX`].
    #[error("repository name must not be more than 255 characters")]
    NameTooLong,
    /// `ErrNameNotCanonical` (`reference.go`), returned by `ParseNamed`.
    #[error("repository name must be canonical")]
    NameNotCanonical,
    /// The formatted error of `ParseNormalizedNamed` (`normalize.go`) when the
    /// remote name (everything after the domain up to the first `:`) changes
    /// under lower-casing.
    #[error("invalid reference format: repository name ({remote}) must be lowercase")]
    RepositoryNameNotLowercase {
        /// The offending remote name, e.g. `"library/Nginx"`.
        remote: String,
    },
    /// The formatted error of `ParseNormalizedNamed` (`normalize.go`) for an
    /// input that is a bare 64-character lowercase hex identifier.
    #[error("invalid repository name ({input}), cannot specify 64-byte hexadecimal strings")]
    HexIdentifierNotAllowed {
        /// The rejected input.
        input: String,
    },
    /// The formatted error of `ParseNormalizedNamed` (`normalize.go`) when
    /// `Parse` yields a reference without a name. Kept for parity: it cannot
    /// occur, because the normalised string always carries a name.
    #[error("reference {reference} has no name")]
    NoName {
        /// The nameless reference.
        reference: String,
    },
    /// go-digest `ErrDigestInvalidFormat` (`digest.go`).
    #[error("invalid checksum digest format")]
    DigestInvalidFormat,
    /// go-digest v1.0.0 `ErrDigestInvalidLength` (`digest.go`): the encoded
    /// part is not twice the hash size (64/96/128 for sha256/384/512).
    #[error("invalid checksum digest length")]
    DigestInvalidLength,
    /// go-digest `ErrDigestUnsupported` (`digest.go`): well-formed, but not
    /// sha256, sha384 or sha512.
    #[error("unsupported digest algorithm")]
    DigestUnsupported,
}

/// A normalised image reference (ParseNormalizedNamed result).
///
/// Mirrors the `Named` value returned by `ParseNormalizedNamed` in
/// `normalize.go`: `registry` is `reference.Domain`, `repository` is
/// `reference.Path`, and tag/digest are kept exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageRef {
    /// Registry host with optional port, e.g. "docker.io", "localhost:5000", "[::1]:5000".
    ///
    /// Empty only in the corner case Go also produces: the first path element
    /// looked like a host to `splitDockerDomain` (it contains a `.`), but is not
    /// a valid domain while still being a valid path component, e.g.
    /// `"foo_bar.com/app"` (see `regexp_test.go` `TestFullNameRegexp`).
    pub registry: String,
    /// Repository path below the registry, e.g. "library/nginx".
    pub repository: String,
    /// Tag as written (None when absent; NOT defaulted).
    pub tag: Option<String>,
    /// Digest as written, e.g. "sha256:<64 hex>".
    pub digest: Option<String>,
}

impl ImageRef {
    /// `ParseNormalizedNamed` (`normalize.go`): parses a familiar or fully
    /// qualified reference, filling in `docker.io` and `library/` the way the
    /// kubelet and containerd do. The tag is not defaulted.
    pub fn parse(input: &str) -> Result<ImageRef, ImageRefError> {
        if is_identifier(input) {
            return Err(ImageRefError::HexIdentifierNotAllowed { input: input.to_owned() });
        }
        let (domain, remainder) = split_docker_domain(input);
        let remote = remainder.split_once(':').map_or(remainder.as_str(), |(remote, _)| remote);
        if changes_when_lowercased(remote) {
            return Err(ImageRefError::RepositoryNameNotLowercase { remote: remote.to_owned() });
        }
        Self::parse_reference(&format!("{domain}/{remainder}"))
    }

    /// `Parse` (`reference.go`): parses a reference without any Docker Hub
    /// normalisation, so `"nginx"` has an empty registry and repository
    /// `"nginx"`. Checks, in Go's order: empty input, grammar (with the
    /// lower-case retry that yields `ErrNameContainsUppercase`), path length,
    /// then the digest through go-digest.
    pub fn parse_reference(input: &str) -> Result<ImageRef, ImageRefError> {
        if input.is_empty() {
            return Err(ImageRefError::NameEmpty);
        }
        let Some(m) = match_reference(input) else {
            let lowered = go_to_lower(input);
            if lowered != input && match_reference(&lowered).is_some() {
                return Err(ImageRefError::NameContainsUppercase);
            }
            return Err(ImageRefError::InvalidReferenceFormat);
        };
        if m.path.len() > REPOSITORY_NAME_TOTAL_LENGTH_MAX {
            return Err(ImageRefError::NameTooLong);
        }
        if let Some(digest) = m.digest {
            validate_digest(digest)?;
        }
        Ok(ImageRef {
            registry: m.domain.to_owned(),
            repository: m.path.to_owned(),
            tag: m.tag.map(str::to_owned),
            digest: m.digest.map(str::to_owned),
        })
    }

    /// `ParseNamed` (`reference.go`): like [`ImageRef::parse`], but the input
    /// must already be in canonical form (`named.String() == s`), otherwise
    /// `ErrNameNotCanonical`.
    pub fn parse_named(input: &str) -> Result<ImageRef, ImageRefError> {
        let parsed = Self::parse(input)?;
        if parsed.named_string() != input {
            return Err(ImageRefError::NameNotCanonical);
        }
        Ok(parsed)
    }

    /// `repository.Name()` (`reference.go`): domain and path joined by `/`,
    /// e.g. "docker.io/library/nginx"; just the path when the domain is empty.
    pub fn name(&self) -> String {
        if self.registry.is_empty() {
            self.repository.clone()
        } else {
            format!("{}/{}", self.registry, self.repository)
        }
    }

    /// The tag the kubelet acts on: the written tag, `"latest"` when neither a
    /// tag nor a digest is given, `None` for a digest-only reference. Mirrors
    /// `ParseImageName` (`pkg/util/parsers/parsers.go`) and
    /// `applyDefaultImageTag` (`pkg/kubelet/images/image_manager.go`).
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => Some(tag.as_str()),
            (None, Some(_)) => None,
            (None, None) => Some(DEFAULT_TAG),
        }
    }

    /// What the runtime resolves and pulls: `name@digest` when a digest is
    /// present (any tag is dropped), else `name:effective_tag`. This is
    /// `ParseDockerRef(...).String()` (`normalize.go`), which containerd's CRI
    /// plugin applies to the image string the kubelet sends.
    pub fn pull_ref(&self) -> String {
        match (&self.digest, self.effective_tag()) {
            (Some(digest), _) => format!("{}@{}", self.name(), digest),
            (None, Some(tag)) => format!("{}:{}", self.name(), tag),
            (None, None) => self.name(),
        }
    }

    /// `TagNameOnly(named).String()` (`normalize.go`): `name[:tag][@digest]`
    /// with the tag defaulted to `latest` only when neither tag nor digest is
    /// given, e.g. "docker.io/library/nginx:latest".
    pub fn normalized(&self) -> String {
        if self.tag.is_none() && self.digest.is_none() {
            format!("{}:{}", self.name(), DEFAULT_TAG)
        } else {
            self.named_string()
        }
    }

    /// `String()` of the parsed value (`reference.go` `repository`,
    /// `taggedReference`, `canonicalReference`, `reference`):
    /// `name[:tag][@digest]` with nothing defaulted.
    pub fn named_string(&self) -> String {
        let mut out = self.name();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// `FamiliarName` (`helpers.go`, via `familiarizeName` in `normalize.go`):
    /// drops `docker.io/`, and `library/` for single-level official images.
    pub fn familiar_name(&self) -> String {
        if self.registry != DEFAULT_DOMAIN {
            return self.name();
        }
        match self.repository.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_owned(),
            _ => self.repository.clone(),
        }
    }

    /// `FamiliarString` (`helpers.go`): the familiar name followed by the tag
    /// and digest as written, e.g. "nginx:1.25" or "busybox:latest@sha256:…".
    pub fn familiar_string(&self) -> String {
        let mut out = self.familiar_name();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }

    /// `WithTag` (`reference.go`): replaces the tag, keeping any digest;
    /// `ErrTagInvalidFormat` unless the tag matches `[\w][\w.-]{0,127}`.
    pub fn with_tag(&self, tag: &str) -> Result<ImageRef, ImageRefError> {
        if !is_tag(tag) {
            return Err(ImageRefError::TagInvalidFormat);
        }
        Ok(ImageRef { tag: Some(tag.to_owned()), ..self.clone() })
    }

    /// `WithDigest` (`reference.go`): replaces the digest, keeping any tag;
    /// `ErrDigestInvalidFormat` unless it matches the grammar's `digestPat`
    /// (no go-digest algorithm check, as in Go).
    pub fn with_digest(&self, digest: &str) -> Result<ImageRef, ImageRefError> {
        if !is_digest_pattern(digest) {
            return Err(ImageRefError::ReferenceDigestInvalidFormat);
        }
        Ok(ImageRef { digest: Some(digest.to_owned()), ..self.clone() })
    }
}

/// Same as [`ImageRef::normalized`], i.e. `TagNameOnly(named).String()`
/// (`normalize.go`).
impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized())
    }
}

/// [`ImageRef::parse`], i.e. `ParseNormalizedNamed` (`normalize.go`).
impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageRef::parse(s)
    }
}

/// `applyDefaultImageTag` (`pkg/kubelet/images/image_manager.go`): the image
/// string the kubelet itself sends over CRI. It validates with
/// `ParseNormalizedNamed` but appends `:latest` to the input *as written*
/// (no `docker.io/library/` prefix) when there is neither tag nor digest.
pub fn apply_default_image_tag(image: &str) -> Result<String, ImageRefError> {
    let parsed = ImageRef::parse(image)?;
    if parsed.tag.is_none() && parsed.digest.is_none() {
        Ok(format!("{image}:{DEFAULT_TAG}"))
    } else {
        Ok(image.to_owned())
    }
}

/// `Digest.Validate` (`go-digest` v1.0.0 `digest.go`, with `Algorithm.Validate`
/// from `algorithm.go`): sha256, sha384 and sha512 are available and need
/// exactly 64, 96 or 128 lowercase hex characters; any other well-formed
/// algorithm is unsupported.
pub fn validate_digest(digest: &str) -> Result<(), ImageRefError> {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return Err(ImageRefError::DigestInvalidFormat);
    };
    if algorithm.is_empty() || encoded.is_empty() {
        return Err(ImageRefError::DigestInvalidFormat);
    }
    let hex_len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            return if is_go_digest_anchored(algorithm, encoded) {
                Err(ImageRefError::DigestUnsupported)
            } else {
                Err(ImageRefError::DigestInvalidFormat)
            };
        }
    };
    if encoded.len() != hex_len {
        return Err(ImageRefError::DigestInvalidLength);
    }
    if !encoded.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(ImageRefError::DigestInvalidFormat);
    }
    Ok(())
}

/// imagePullPolicy values (core/v1 PullPolicy).
///
/// Mirrors `PullAlways`, `PullIfNotPresent` and `PullNever` in
/// `k8s.io/api/core/v1/types.go`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PullPolicy {
    /// `PullAlways`: resolve the reference against the registry on every start.
    Always,
    /// `PullIfNotPresent`: pull only when the image is not on the node.
    IfNotPresent,
    /// `PullNever`: never pull; fail if the image is absent.
    Never,
}

impl PullPolicy {
    /// The API string (`"Always"`, `"IfNotPresent"`, `"Never"`) as in
    /// `k8s.io/api/core/v1/types.go`.
    pub fn as_str(&self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }

    /// Parses the exact, case-sensitive API string, as API validation
    /// (`validatePullPolicy` in `pkg/apis/core/validation/validation.go`)
    /// accepts it; anything else is `None`.
    pub fn parse(s: &str) -> Option<PullPolicy> {
        match s {
            "Always" => Some(PullPolicy::Always),
            "IfNotPresent" => Some(PullPolicy::IfNotPresent),
            "Never" => Some(PullPolicy::Never),
            _ => None,
        }
    }
}

/// The API string, as [`PullPolicy::as_str`].
impl fmt::Display for PullPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// SetDefaults_Container: tag (after ParseImageName defaulting) == "latest" => Always else IfNotPresent; unparsable name => IfNotPresent.
///
/// Mirrors `SetDefaults_Container` in `pkg/apis/core/v1/defaults.go`, which
/// ignores the `ParseImageName` error and compares the (then empty) tag.
/// A digest does not override an explicit `:latest` tag.
pub fn default_pull_policy(image: &str) -> PullPolicy {
    match ImageRef::parse(image) {
        Ok(parsed) if parsed.effective_tag() == Some(DEFAULT_TAG) => PullPolicy::Always,
        _ => PullPolicy::IfNotPresent,
    }
}

// ---------------------------------------------------------------------------
// normalize.go helpers
// ---------------------------------------------------------------------------

/// `splitDockerDomain` (`normalize.go`). Returns the domain and the remainder
/// (remote name plus any tag and digest).
fn split_docker_domain(name: &str) -> (&str, String) {
    let Some((maybe_domain, maybe_remote)) = name.split_once('/') else {
        return (DEFAULT_DOMAIN, format!("{OFFICIAL_REPO_PREFIX}{name}"));
    };
    let (domain, remote) = if maybe_domain == LOCALHOST {
        (maybe_domain, maybe_remote)
    } else if maybe_domain == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, maybe_remote)
    } else if maybe_domain.contains(['.', ':']) || changes_when_lowercased(maybe_domain) {
        (maybe_domain, maybe_remote)
    } else {
        (DEFAULT_DOMAIN, name)
    };
    if domain == DEFAULT_DOMAIN && !remote.contains('/') {
        (domain, format!("{OFFICIAL_REPO_PREFIX}{remote}"))
    } else {
        (domain, remote.to_owned())
    }
}

/// `strings.ToLower(s) != s` in Go: some character has a different lowercase.
fn changes_when_lowercased(s: &str) -> bool {
    s.chars().any(|c| {
        let mut lower = c.to_lowercase();
        !(lower.next() == Some(c) && lower.next().is_none())
    })
}

/// Go's `strings.ToLower`, as far as it can matter to the ASCII-only grammar:
/// ASCII letters fold, and the two non-ASCII letters whose simple lowercase is
/// ASCII (U+0130 -> 'i', KELVIN SIGN U+212A -> 'k') fold as Go folds them.
/// Other characters can never match the grammar, so they are kept.
fn go_to_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0130}' => 'i',
            '\u{212A}' => 'k',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// `anchoredIdentifierRegexp` (`regexp.go`): `^[a-f0-9]{64}$`.
fn is_identifier(s: &str) -> bool {
    s.len() == IDENTIFIER_LEN && s.bytes().all(is_lower_alnum_hex)
}

fn is_lower_alnum_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

// ---------------------------------------------------------------------------
// regexp.go grammar
// ---------------------------------------------------------------------------

/// Captures of `referenceRegexp` plus the split of `anchoredNameRegexp`.
struct ReferenceMatch<'a> {
    domain: &'a str,
    path: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// `referenceRegexp` (`regexp.go`):
/// `^(namePat)(?::(tag))?(?:@(digestPat))?$`, followed by the
/// `anchoredNameRegexp` split of the name.
///
/// The captures are unambiguous: `@` occurs only as the digest separator;
/// the tag cannot contain `/` or `:`, and the name's last path component
/// cannot contain `:`, so the tag separator is the first `:` after the last
/// `/`.
fn match_reference(s: &str) -> Option<ReferenceMatch<'_>> {
    let (before_digest, digest) = match s.split_once('@') {
        Some((head, digest)) => (head, Some(digest)),
        None => (s, None),
    };
    if let Some(digest) = digest {
        if !is_digest_pattern(digest) {
            return None;
        }
    }
    let (name, tag) = split_tag(before_digest)?;
    if let Some(tag) = tag {
        if !is_tag(tag) {
            return None;
        }
    }
    let (domain, path) = split_name(name)?;
    Some(ReferenceMatch { domain, path, tag, digest })
}

/// Splits `name[:tag]` at the first `:` following the last `/`.
fn split_tag(s: &str) -> Option<(&str, Option<&str>)> {
    let last_segment_start = s.rfind('/').map_or(0, |i| i + 1);
    let Some(offset) = s.get(last_segment_start..)?.find(':') else {
        return Some((s, None));
    };
    let (name, rest) = s.split_at_checked(last_segment_start + offset)?;
    Some((name, rest.strip_prefix(':')))
}

/// `anchoredNameRegexp` (`regexp.go`):
/// `^(?:(domainAndPort)/)?(remoteName)$`. The optional domain group is
/// greedy, so the first element is the domain whenever it can be one.
fn split_name(name: &str) -> Option<(&str, &str)> {
    if let Some((first, rest)) = name.split_once('/') {
        if is_domain_and_port(first) && is_remote_name(rest) {
            return Some((first, rest));
        }
    }
    if is_remote_name(name) {
        Some(("", name))
    } else {
        None
    }
}

/// `domainAndPort = host optionalPort` with
/// `host = domainName | \[[a-fA-F0-9:]+\]` and `optionalPort = (?::[0-9]+)?`.
fn is_domain_and_port(s: &str) -> bool {
    let (host_ok, port) = if let Some(bracketed) = s.strip_prefix('[') {
        let Some((inner, after)) = bracketed.split_once(']') else {
            return false;
        };
        let inner_ok = !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        let port = if after.is_empty() {
            None
        } else {
            match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            }
        };
        (inner_ok, port)
    } else {
        match s.split_once(':') {
            Some((host, port)) => (is_domain_name(host), Some(port)),
            None => (is_domain_name(s), None),
        }
    };
    host_ok
        && match port {
            Some(p) => !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
            None => true,
        }
}

/// `domainName = domainNameComponent (\. domainNameComponent)*`.
fn is_domain_name(s: &str) -> bool {
    s.split('.').all(is_domain_component)
}

/// `domainNameComponent = [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]`.
fn is_domain_component(s: &str) -> bool {
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        }
        _ => false,
    }
}

/// `remoteName = pathComponent (/ pathComponent)*`.
fn is_remote_name(s: &str) -> bool {
    s.split('/').all(is_path_component)
}

/// `pathComponent = [a-z0-9]+ (separator [a-z0-9]+)*` with
/// `separator = [._]|__|[-]+`.
fn is_path_component(s: &str) -> bool {
    fn alnum(b: u8) -> bool {
        b.is_ascii_lowercase() || b.is_ascii_digit()
    }
    let bytes = s.as_bytes();
    if !bytes.first().is_some_and(|b| alnum(*b)) {
        return false;
    }
    // The separator run in progress: its byte and its length.
    let mut separator: Option<(u8, usize)> = None;
    for &b in bytes {
        if alnum(b) {
            if let Some((kind, run)) = separator.take() {
                let allowed = match kind {
                    b'.' => run == 1,
                    b'_' => run <= 2,
                    _ => true, // any number of dashes
                };
                if !allowed {
                    return false;
                }
            }
        } else if matches!(b, b'.' | b'_' | b'-') {
            match &mut separator {
                Some((kind, run)) if *kind == b => *run += 1,
                Some(_) => return false,
                None => separator = Some((b, 1)),
            }
        } else {
            return false;
        }
    }
    separator.is_none()
}

/// `tag = [\w][\w.-]{0,127}` (`\w` is ASCII `[0-9A-Za-z_]` in Go).
fn is_tag(s: &str) -> bool {
    fn word(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b == b'_'
    }
    let bytes = s.as_bytes();
    bytes.len() <= TAG_MAX_LEN
        && bytes.first().is_some_and(|b| word(*b))
        && bytes.iter().all(|b| word(*b) || *b == b'.' || *b == b'-')
}

/// `digestPat = [A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}`.
fn is_digest_pattern(s: &str) -> bool {
    let Some((algorithm, hex)) = s.split_once(':') else {
        return false;
    };
    is_reference_algorithm(algorithm) && hex.len() >= DIGEST_HEX_MIN_LEN && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The algorithm part of `digestPat`: components `[A-Za-z][A-Za-z0-9]*`
/// joined by single `[-_+.]` separators.
fn is_reference_algorithm(s: &str) -> bool {
    let mut expect_letter = true;
    for b in s.bytes() {
        if expect_letter {
            if !b.is_ascii_alphabetic() {
                return false;
            }
            expect_letter = false;
        } else if matches!(b, b'-' | b'_' | b'+' | b'.') {
            expect_letter = true;
        } else if !b.is_ascii_alphanumeric() {
            return false;
        }
    }
    !expect_letter
}

/// go-digest `DigestRegexpAnchored` (`digest.go`), given the input already
/// split at its first `:`:
/// `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`.
fn is_go_digest_anchored(algorithm: &str, encoded: &str) -> bool {
    fn alg_char(b: u8) -> bool {
        b.is_ascii_lowercase() || b.is_ascii_digit()
    }
    let mut expect_char = true;
    for b in algorithm.bytes() {
        if alg_char(b) {
            expect_char = false;
        } else if matches!(b, b'.' | b'+' | b'_' | b'-') && !expect_char {
            expect_char = true;
        } else {
            return false;
        }
    }
    !expect_char
        && !encoded.is_empty()
        && encoded.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ImageRefError as E;

    /// `sha256:` followed by 64 `f`, as used throughout `reference_test.go`.
    const DIGEST_F: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    /// The digest of `TestParseReferenceWithTagAndDigest` in `normalize_test.go`.
    const DIGEST_86: &str = "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa";
    /// The digest of `TestParseAnyReference` in `normalize_test.go`.
    const DIGEST_DB: &str = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";
    /// The digest of `TestReferenceRegexp` in `regexp_test.go`.
    const DIGEST_BE: &str = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912";
    const HEX64_DB: &str = "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

    fn ok(
        registry: &str,
        repository: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> Result<ImageRef, ImageRefError> {
        Ok(ImageRef {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        })
    }

    fn lowercase_err(remote: &str) -> Result<ImageRef, ImageRefError> {
        Err(E::RepositoryNameNotLowercase { remote: remote.to_owned() })
    }

    fn shorten(input: &str) -> String {
        if input.chars().count() > 80 {
            format!("{}… ({} bytes)", input.chars().take(80).collect::<String>(), input.len())
        } else {
            input.to_owned()
        }
    }

    /// `ParseNormalizedNamed(input)` must give `expect`; successful results
    /// must also survive a round trip through their own string form.
    #[track_caller]
    fn check(input: &str, expect: Result<ImageRef, ImageRefError>) {
        let got = ImageRef::parse(input);
        assert_eq!(got, expect, "ParseNormalizedNamed({:?})", shorten(input));
        if let Ok(parsed) = got {
            assert_eq!(
                ImageRef::parse(&parsed.named_string()).as_ref(),
                Ok(&parsed),
                "round trip of {:?}",
                shorten(input)
            );
        }
    }

    /// `Parse(input)` (no normalisation) must give `expect`.
    #[track_caller]
    fn check_unnormalized(input: &str, expect: Result<ImageRef, ImageRefError>) {
        assert_eq!(ImageRef::parse_reference(input), expect, "Parse({:?})", shorten(input));
    }

    #[test]
    fn test_digest_constants_are_well_formed() {
        for d in [DIGEST_F, DIGEST_86, DIGEST_DB, DIGEST_BE] {
            assert_eq!(d.len(), "sha256:".len() + 64, "{d}");
            assert_eq!(validate_digest(d), Ok(()), "{d}");
        }
        assert!(is_identifier(HEX64_DB));
    }

    #[test]
    fn familiar_names_resolve_to_docker_hub_library() {
        check("nginx", ok("docker.io", "library/nginx", None, None));
        check("debian", ok("docker.io", "library/debian", None, None));
        check("library/debian", ok("docker.io", "library/debian", None, None));
        check("docker.io/debian", ok("docker.io", "library/debian", None, None));
        check("docker.io/library/debian", ok("docker.io", "library/debian", None, None));
        check("index.docker.io/debian", ok("docker.io", "library/debian", None, None));
        check("index.docker.io/library/debian", ok("docker.io", "library/debian", None, None));
        check("ubuntu-12.04-base", ok("docker.io", "library/ubuntu-12.04-base", None, None));
        check("index.docker.io/library/ubuntu-12.04-base", ok("docker.io", "library/ubuntu-12.04-base", None, None));
        check("foo", ok("docker.io", "library/foo", None, None));
        check("dbcc1", ok("docker.io", "library/dbcc1", None, None));
        check("test_com", ok("docker.io", "library/test_com", None, None));
        check(
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            ok("docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", None, None),
        );
    }

    #[test]
    fn user_namespaces_stay_on_docker_hub_without_library_prefix() {
        check("docker/docker", ok("docker.io", "docker/docker", None, None));
        check("docker.io/docker/docker", ok("docker.io", "docker/docker", None, None));
        check("index.docker.io/docker/docker", ok("docker.io", "docker/docker", None, None));
        check("fooo/bar", ok("docker.io", "fooo/bar", None, None));
        check("index.docker.io/fooo/bar", ok("docker.io", "fooo/bar", None, None));
        check("nonlibrary/ubuntu", ok("docker.io", "nonlibrary/ubuntu", None, None));
        check("other/library", ok("docker.io", "other/library", None, None));
        check("library/foo/bar", ok("docker.io", "library/foo/bar", None, None));
        check("docker.io/library/foo/bar", ok("docker.io", "library/foo/bar", None, None));
        check("store/foo/bar", ok("docker.io", "store/foo/bar", None, None));
        check("test_com/foo", ok("docker.io", "test_com/foo", None, None));
        check("docker/migrator", ok("docker.io", "docker/migrator", None, None));
        check(
            "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            ok("docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", None, None),
        );
    }

    #[test]
    fn path_components_accept_the_documented_separators() {
        check("docker-rules/docker", ok("docker.io", "docker-rules/docker", None, None));
        check("docker---rules/docker", ok("docker.io", "docker---rules/docker", None, None));
        check("doc/docker", ok("docker.io", "doc/docker", None, None));
        check("d/docker", ok("docker.io", "d/docker", None, None));
        check("team/t", ok("docker.io", "team/t", None, None));
        check("dock__er/docker", ok("docker.io", "dock__er/docker", None, None));
        check("do__cker/docker", ok("docker.io", "do__cker/docker", None, None));
        check(
            "example.com/some_separator__underscore/myimage",
            ok("example.com", "some_separator__underscore/myimage", None, None),
        );
        check(
            "registry.io/foo/project--id.module--name.ver---sion--name",
            ok("registry.io", "foo/project--id.module--name.ver---sion--name", None, None),
        );
        check("b.gcr.io/test.example.com/my-app", ok("b.gcr.io", "test.example.com/my-app", None, None));
        check("example.com/xn--7o8h.com/myimage", ok("example.com", "xn--7o8h.com/myimage", None, None));
    }

    #[test]
    fn path_components_reject_bad_separators_and_empty_parts() {
        let invalid = Err(E::InvalidReferenceFormat);
        check("-docker", invalid.clone());
        check("-foo", invalid.clone());
        check("-docker/docker", invalid.clone());
        check("docker-/docker", invalid.clone());
        check("-docker-/docker", invalid.clone());
        check("____/____", invalid.clone());
        check("_docker/_docker", invalid.clone());
        check("docker_/docker_", invalid.clone());
        check("dock..er/docker", invalid.clone());
        check("dock_.er/docker", invalid.clone());
        check("dock-.er/docker", invalid.clone());
        check("dock___er/docker", invalid.clone());
        check("docker/", invalid.clone());
        check("docker///docker", invalid.clone());
        check("docker.io/docker///docker", invalid.clone());
        check("a//a/a", invalid.clone());
        check("example.com/__underscore/myimage", invalid.clone());
        check("example.com/..dots/myimage", invalid.clone());
        check("example.com/.dots/myimage", invalid.clone());
        check("example.com/nodouble..dots/myimage", invalid.clone());
        check("foo.com/a-/a/a", invalid.clone());
        check("foo/-bar", invalid.clone());
        check("aa/asdf$$^/aa", invalid.clone());
        check("https://github.com/docker/docker", invalid);
    }

    #[test]
    fn registries_with_dots_ports_or_localhost_are_domains() {
        check("127.0.0.1:5000/docker/docker", ok("127.0.0.1:5000", "docker/docker", None, None));
        check("127.0.0.1:5000/library/debian", ok("127.0.0.1:5000", "library/debian", None, None));
        check("127.0.0.1:5000/debian", ok("127.0.0.1:5000", "debian", None, None));
        check("192.168.0.1:8/debian", ok("192.168.0.1:8", "debian", None, None));
        check("192.168.0.2:25000/debian", ok("192.168.0.2:25000", "debian", None, None));
        check("127.0.0.1:8000/private/moonbase", ok("127.0.0.1:8000", "private/moonbase", None, None));
        check("127.0.0.1:8000/privatebase", ok("127.0.0.1:8000", "privatebase", None, None));
        check("example.com/private/moonbase", ok("example.com", "private/moonbase", None, None));
        check("example.com/privatebase", ok("example.com", "privatebase", None, None));
        check("example.com:8000/private/moonbase", ok("example.com:8000", "private/moonbase", None, None));
        check("example.com:8000/privatebasee", ok("example.com:8000", "privatebasee", None, None));
        check("test.com/foo", ok("test.com", "foo", None, None));
        check("test.com:8080/foo", ok("test.com:8080", "foo", None, None));
        check("test-com:8080/foo", ok("test-com:8080", "foo", None, None));
        check("test:5000/repo", ok("test:5000", "repo", None, None));
        check("xn--n3h.com/foo", ok("xn--n3h.com", "foo", None, None));
        check("xn--n3h.com:18080/foo", ok("xn--n3h.com:18080", "foo", None, None));
        check("sub-dom1.foo.com/bar/baz/quux", ok("sub-dom1.foo.com", "bar/baz/quux", None, None));
        check("192.168.1.1/repo", ok("192.168.1.1", "repo", None, None));
        check("localhost/foo", ok("localhost", "foo", None, None));
        check("localhost:5000/a/b:t", ok("localhost:5000", "a/b", Some("t"), None));
        check("myregistry.io:443/x", ok("myregistry.io:443", "x", None, None));
        // Ports are digits only and are not range-checked (regexp_test.go TestDomainRegexp).
        check("192.168.1.1:75050/x", ok("192.168.1.1:75050", "x", None, None));
        check("192.168.1.1:750050/x", ok("192.168.1.1:750050", "x", None, None));
        check("test.com:http/x", Err(E::InvalidReferenceFormat));
        check("localhost:http/name", Err(E::InvalidReferenceFormat));
        check("-docker.io/docker/docker", Err(E::InvalidReferenceFormat));
        check("ab-.com/x", Err(E::InvalidReferenceFormat));
        check("ab.-com/x", Err(E::InvalidReferenceFormat));
    }

    #[test]
    fn uppercase_first_element_is_taken_as_a_registry() {
        check("Docker/docker", ok("Docker", "docker", None, None));
        check("DOCKER/docker", ok("DOCKER", "docker", None, None));
        check("Foo/bar", ok("Foo", "bar", None, None));
        check("FOO/bar", ok("FOO", "bar", None, None));
        // "Docker.io" is not the literal default domain, so no library/ prefix.
        check("Docker.io/x", ok("Docker.io", "x", None, None));
        check("Asdf.com/foo/bar", ok("Asdf.com", "foo/bar", None, None));
    }

    #[test]
    fn single_element_names_never_become_registries() {
        // splitDockerDomain's fast path: no "/" means docker.io/library/<input>.
        check("localhost", ok("docker.io", "library/localhost", None, None));
        check("localhost:5000", ok("docker.io", "library/localhost", Some("5000"), None));
        check("test.com:tag", ok("docker.io", "library/test.com", Some("tag"), None));
        check("test.com:5000", ok("docker.io", "library/test.com", Some("5000"), None));
        check("192.168.0.1", ok("docker.io", "library/192.168.0.1", None, None));
        check("192.168.0.1:80", ok("docker.io", "library/192.168.0.1", Some("80"), None));
        check("192.168.1.1:tag", ok("docker.io", "library/192.168.1.1", Some("tag"), None));
        check("foo_bar.com:8080", ok("docker.io", "library/foo_bar.com", Some("8080"), None));
        check(
            &format!("localhost:8080@{DIGEST_BE}"),
            ok("docker.io", "library/localhost", Some("8080"), Some(DIGEST_BE)),
        );
        check(&format!("localhost@{DIGEST_BE}"), ok("docker.io", "library/localhost", None, Some(DIGEST_BE)));
        // A bare "sha256:<hex>" is a repository named sha256 with a hex tag.
        check(&format!("sha256:{HEX64_DB}"), ok("docker.io", "library/sha256", Some(HEX64_DB), None));
    }

    #[test]
    fn first_element_that_is_not_a_valid_domain_falls_back_to_a_path() {
        // splitDockerDomain picks "foo_bar.com" as domain (it has a "."), but
        // Parse's anchoredNameRegexp cannot use it as one, so the whole name is
        // a domain-less path (regexp_test.go: "foo_bar.com" -> ["", "foo_bar.com"]).
        check("foo_bar.com/app", ok("", "foo_bar.com/app", None, None));
        check("foo/foo_bar.com:8080", ok("docker.io", "foo/foo_bar.com", Some("8080"), None));
        check("foo_bar.com:8080/app", Err(E::InvalidReferenceFormat));
        check("bad_hostname.com:8080/myapp:tag", Err(E::InvalidReferenceFormat));
        check("do__cker:8080/docker", Err(E::InvalidReferenceFormat));
        // Uppercase in such a first element: Parse fails, its lower-case form parses.
        check("Foo_Bar/x", Err(E::NameContainsUppercase));
    }

    #[test]
    fn ipv6_registries_need_brackets_and_a_path() {
        check("[fc00::1]:5000/docker", ok("[fc00::1]:5000", "docker", None, None));
        check("[fc00::1]:5000/docker/docker", ok("[fc00::1]:5000", "docker/docker", None, None));
        check(
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            ok("[fc00:1:2:3:4:5:6:7]:5000", "library/debian", None, None),
        );
        check("[2001:db8::1]/repo", ok("[2001:db8::1]", "repo", None, None));
        check("[2001:db8:1:2:3:4:5:6]/repo:tag", ok("[2001:db8:1:2:3:4:5:6]", "repo", Some("tag"), None));
        check("[2001:db8::1]:5000/repo", ok("[2001:db8::1]:5000", "repo", None, None));
        check("[2001:db8::1]:5000/repo:tag", ok("[2001:db8::1]:5000", "repo", Some("tag"), None));
        check(&format!("[2001:db8::1]:5000/repo@{DIGEST_F}"), ok("[2001:db8::1]:5000", "repo", None, Some(DIGEST_F)));
        check(
            &format!("[2001:db8::1]:5000/repo:tag@{DIGEST_F}"),
            ok("[2001:db8::1]:5000", "repo", Some("tag"), Some(DIGEST_F)),
        );
        check("[2001:db8::]:5000/repo", ok("[2001:db8::]:5000", "repo", None, None));
        check("[::1]:5000/repo", ok("[::1]:5000", "repo", None, None));
        check("[fd00123123123]:75050/x", ok("[fd00123123123]:75050", "x", None, None));
        check(
            "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505/x",
            ok("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505", "x", None, None),
        );
        let invalid = Err(E::InvalidReferenceFormat);
        check("[fc00::1]", invalid.clone());
        check("[fc00::1]:5000", invalid.clone());
        check("[2001:db8::1]:tag", invalid.clone());
        check("fc00::1:5000/debian", invalid.clone());
        check("[fe80::1%eth0]:5000/debian", invalid.clone());
        check("[fe80::1%@invalidzone]:5000/repo", invalid.clone());
        check("[2001:db8:3:4::192.0.2.33]:5000/debian", invalid.clone());
        check("[fd00:1:2::3]75050/x", invalid.clone());
        check("[fd00:1:2::3]::75050/x", invalid.clone());
        check("[]:5000/x", invalid);
    }

    #[test]
    fn tags_follow_the_tag_grammar() {
        check("lowercase:Uppercase", ok("docker.io", "library/lowercase", Some("Uppercase"), None));
        check("test.com/repo:tag", ok("test.com", "repo", Some("tag"), None));
        check("test:5000/repo:tag", ok("test:5000", "repo", Some("tag"), None));
        check("192.168.1.1:5000/repo:5050", ok("192.168.1.1:5000", "repo", Some("5050"), None));
        check(
            "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
            ok("sub-dom1.foo.com", "bar/baz/quux", Some("some-long-tag"), None),
        );
        check(
            "b.gcr.io/test.example.com/my-app:test.example.com",
            ok("b.gcr.io", "test.example.com/my-app", Some("test.example.com"), None),
        );
        check("xn--n3h.com/myimage:xn--n3h.com", ok("xn--n3h.com", "myimage", Some("xn--n3h.com"), None));
        check("app:_underscore_first", ok("docker.io", "library/app", Some("_underscore_first"), None));
        check(&format!("app:{}", "t".repeat(128)), ok("docker.io", "library/app", Some(&"t".repeat(128)), None));
        let invalid = Err(E::InvalidReferenceFormat);
        check(&format!("app:{}", "t".repeat(129)), invalid.clone());
        check("registry.com:8080/myapp:invalid~tag", invalid.clone());
        check("app:-dash-first", invalid.clone());
        check("app:.dot-first", invalid.clone());
        check("app:a:b", invalid.clone());
        check(":justtag", invalid);
    }

    #[test]
    fn digests_are_validated_like_go_digest() {
        check(&format!("test:5000/repo@{DIGEST_F}"), ok("test:5000", "repo", None, Some(DIGEST_F)));
        check(&format!("test:5000/repo:tag@{DIGEST_F}"), ok("test:5000", "repo", Some("tag"), Some(DIGEST_F)));
        check(
            &format!("busybox:latest@{DIGEST_86}"),
            ok("docker.io", "library/busybox", Some("latest"), Some(DIGEST_86)),
        );
        check(&format!("redis@{DIGEST_DB}"), ok("docker.io", "library/redis", None, Some(DIGEST_DB)));
        check(&format!("someuser/myapp@{DIGEST_DB}"), ok("docker.io", "someuser/myapp", None, Some(DIGEST_DB)));
        check(
            &format!("other.com/named@sha256:{}", "1234567890098765432112345667890098765432112345667890098765432112"),
            ok(
                "other.com",
                "named",
                None,
                Some("sha256:1234567890098765432112345667890098765432112345667890098765432112"),
            ),
        );
        let sha384 = format!("sha384:{}", "a".repeat(96));
        check(&format!("a@{sha384}"), ok("docker.io", "library/a", None, Some(&sha384)));
        let sha512 = format!("sha512:{}", "f".repeat(128));
        check(
            &format!("xn--7o8h.com/myimage:xn--7o8h.com@{sha512}"),
            ok("xn--7o8h.com", "myimage", Some("xn--7o8h.com"), Some(&sha512)),
        );
        check(&format!("repo@sha256:{}", "f".repeat(34)), Err(E::DigestInvalidLength));
        check(&format!("repo@sha256:{}", "f".repeat(65)), Err(E::DigestInvalidLength));
        check(&format!("repo@sha512:{}", "f".repeat(64)), Err(E::DigestInvalidLength));
        check(&format!("repo@sha256:{}", "F".repeat(64)), Err(E::DigestInvalidFormat));
        check(&format!("validname@invaliddigest:{}", "f".repeat(64)), Err(E::DigestUnsupported));
        check(&format!("repo@md5:{}", "f".repeat(32)), Err(E::DigestUnsupported));
        check(&format!("repo@sha256+b64:{}", "f".repeat(64)), Err(E::DigestUnsupported));
        // An uppercase algorithm after a tag reaches go-digest, whose regexp rejects it...
        check(&format!("repo:t@SHA256:{}", "f".repeat(64)), Err(E::DigestInvalidFormat));
        // ...but without a tag it is part of the "remote" that must be lowercase.
        check(&format!("repo@SHA256:{}", "f".repeat(64)), lowercase_err("library/repo@SHA256"));
        let invalid = Err(E::InvalidReferenceFormat);
        check(&format!("repo@sha256:{}", "f".repeat(31)), invalid.clone());
        check("registry.com:8080/myapp@sha256:badbadbadbad", invalid.clone());
        check("registry.com:8080/myapp@bad", invalid.clone());
        check("registry.com:8080/myapp@2bad", invalid.clone());
        check(&format!("repo@sha256:{}", "g".repeat(64)), invalid.clone());
        check(&format!("repo@{DIGEST_F}@{DIGEST_F}"), invalid.clone());
        check(&format!("@{DIGEST_F}"), invalid);
    }

    #[test]
    fn uppercase_repository_names_are_rejected_with_go_messages() {
        check("Uppercase:tag", lowercase_err("library/Uppercase"));
        check("library/Nginx", lowercase_err("library/Nginx"));
        check("docker/Docker", lowercase_err("docker/Docker"));
        check("docker.io/docker/Docker", lowercase_err("docker/Docker"));
        check("test:5000/Uppercase/lowercase:tag", lowercase_err("Uppercase/lowercase"));
        check("Foo/FarB", lowercase_err("FarB"));
        check(
            "7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C",
            lowercase_err("library/7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C"),
        );
    }

    #[test]
    fn bare_hex_identifiers_are_not_repository_names() {
        check(
            "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
            Err(E::HexIdentifierNotAllowed {
                input: "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a".to_owned(),
            }),
        );
        check(HEX64_DB, Err(E::HexIdentifierNotAllowed { input: HEX64_DB.to_owned() }));
        // 63 and 65 hex characters are ordinary names.
        check(&HEX64_DB[..63], ok("docker.io", &format!("library/{}", &HEX64_DB[..63]), None, None));
        check(&format!("{HEX64_DB}a"), ok("docker.io", &format!("library/{HEX64_DB}a"), None, None));
    }

    #[test]
    fn repository_path_length_is_limited_to_255_excluding_the_domain() {
        check(&format!("example.com/{}", "a".repeat(255)), ok("example.com", &"a".repeat(255), None, None));
        check(&format!("example.com/{}:tag", "a".repeat(255)), ok("example.com", &"a".repeat(255), Some("tag"), None));
        check(&format!("example.com/{}", "a".repeat(256)), Err(E::NameTooLong));
        check(&format!("domain/{}:tag", "a".repeat(256)), Err(E::NameTooLong));
        // "library/" (8 bytes) counts towards the limit.
        check(&"a".repeat(247), ok("docker.io", &format!("library/{}", "a".repeat(247)), None, None));
        check(&"a".repeat(248), Err(E::NameTooLong));
        check(&format!("{}a:tag", "a/".repeat(128)), Err(E::NameTooLong));
        check(
            &format!("{}a:tag-puts-this-over-max", "a/".repeat(127)),
            ok("docker.io", &format!("{}a", "a/".repeat(127)), Some("tag-puts-this-over-max"), None),
        );
        check("this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255/docker", Err(E::NameTooLong));
        // Length is checked before the digest.
        check(&format!("example.com/{}@sha256:{}", "a".repeat(256), "f".repeat(10 + 32)), Err(E::NameTooLong));
    }

    #[test]
    fn empty_and_punctuation_only_inputs_are_invalid_format() {
        let invalid = Err(E::InvalidReferenceFormat);
        check("", invalid.clone());
        check(":", invalid.clone());
        check("@", invalid.clone());
        check("/", invalid.clone());
        check("a:", invalid.clone());
        check("a@", invalid.clone());
        check("/a", invalid.clone());
        check("a/", invalid.clone());
        check("a^a", invalid);
    }

    #[test]
    fn unnormalized_parse_matches_reference_test_go() {
        check_unnormalized("test_com", ok("", "test_com", None, None));
        check_unnormalized("test.com:tag", ok("", "test.com", Some("tag"), None));
        check_unnormalized("test.com:5000", ok("", "test.com", Some("5000"), None));
        check_unnormalized("test.com/repo:tag", ok("test.com", "repo", Some("tag"), None));
        check_unnormalized("test:5000/repo", ok("test:5000", "repo", None, None));
        check_unnormalized(
            &format!("test:5000/repo:tag@{DIGEST_F}"),
            ok("test:5000", "repo", Some("tag"), Some(DIGEST_F)),
        );
        check_unnormalized("", Err(E::NameEmpty));
        check_unnormalized(":justtag", Err(E::InvalidReferenceFormat));
        check_unnormalized(&format!("@{DIGEST_F}"), Err(E::InvalidReferenceFormat));
        check_unnormalized(&format!("repo@sha256:{}", "f".repeat(34)), Err(E::DigestInvalidLength));
        check_unnormalized(&format!("validname@invaliddigest:{}", "f".repeat(64)), Err(E::DigestUnsupported));
        check_unnormalized("Uppercase:tag", Err(E::NameContainsUppercase));
        check_unnormalized("test:5000/Uppercase/lowercase:tag", Err(E::NameContainsUppercase));
        // The FIXME of reference_test.go: "Uppercase" is taken as a domain.
        check_unnormalized("Uppercase/lowercase:tag", ok("Uppercase", "lowercase", Some("tag"), None));
        check_unnormalized("lowercase:Uppercase", ok("", "lowercase", Some("Uppercase"), None));
        check_unnormalized(&format!("domain/{}:tag", "a".repeat(256)), Err(E::NameTooLong));
        check_unnormalized(
            &format!("{}a:tag-puts-this-over-max", "a/".repeat(127)),
            ok("a", &format!("{}a", "a/".repeat(126)), Some("tag-puts-this-over-max"), None),
        );
        check_unnormalized("foo_bar.com:8080", ok("", "foo_bar.com", Some("8080"), None));
        check_unnormalized("foo/foo_bar.com:8080", ok("foo", "foo_bar.com", Some("8080"), None));
        check_unnormalized("192.168.1.1", ok("", "192.168.1.1", None, None));
        check_unnormalized("192.168.1.1:5000/repo:5050", ok("192.168.1.1:5000", "repo", Some("5050"), None));
        check_unnormalized("[2001:db8::1]", Err(E::InvalidReferenceFormat));
        check_unnormalized("[2001:db8::1]:5000", Err(E::InvalidReferenceFormat));
        check_unnormalized("[::1]:5000/repo", ok("[::1]:5000", "repo", None, None));
        check_unnormalized("a/a/a/a", ok("a", "a/a/a", None, None));
        check_unnormalized("short", ok("", "short", None, None));
        // Go's strings.ToLower folds KELVIN SIGN and U+0130 to ASCII letters.
        check_unnormalized("\u{212A}8s/x", Err(E::NameContainsUppercase));
        check_unnormalized("\u{0130}mage_x/y", Err(E::NameContainsUppercase));
    }

    #[test]
    fn parse_named_requires_canonical_input() {
        assert_eq!(
            ImageRef::parse_named("docker.io/library/nginx:1.25").map(|r| r.pull_ref()),
            Ok("docker.io/library/nginx:1.25".to_owned())
        );
        assert_eq!(ImageRef::parse_named("nginx"), Err(E::NameNotCanonical));
        assert_eq!(ImageRef::parse_named("docker.io/nginx"), Err(E::NameNotCanonical));
        assert_eq!(ImageRef::parse_named("index.docker.io/library/nginx"), Err(E::NameNotCanonical));
        assert_eq!(ImageRef::parse_named("Nginx"), lowercase_err("library/Nginx"));
    }

    #[track_caller]
    fn check_render(input: &str, pull_ref: &str, normalized: &str, effective_tag: Option<&str>) {
        let parsed = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(parsed.pull_ref(), pull_ref, "pull_ref of {input:?}");
        assert_eq!(parsed.normalized(), normalized, "normalized of {input:?}");
        assert_eq!(parsed.to_string(), normalized, "Display of {input:?}");
        assert_eq!(parsed.effective_tag(), effective_tag, "effective_tag of {input:?}");
    }

    #[test]
    fn pull_ref_and_normalized_forms_default_the_tag_only_without_digest() {
        let dg = DIGEST_86;
        check_render("nginx", "docker.io/library/nginx:latest", "docker.io/library/nginx:latest", Some("latest"));
        check_render("nginx:1.25", "docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25", Some("1.25"));
        check_render(
            &format!("nginx@{dg}"),
            &format!("docker.io/library/nginx@{dg}"),
            &format!("docker.io/library/nginx@{dg}"),
            None,
        );
        check_render(
            &format!("busybox:latest@{dg}"),
            &format!("docker.io/library/busybox@{dg}"),
            &format!("docker.io/library/busybox:latest@{dg}"),
            Some("latest"),
        );
        check_render("localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t", Some("t"));
        check_render("myregistry.io:443/x", "myregistry.io:443/x:latest", "myregistry.io:443/x:latest", Some("latest"));
        check_render("[::1]:5000/repo", "[::1]:5000/repo:latest", "[::1]:5000/repo:latest", Some("latest"));
        check_render(
            "someuser/myapp",
            "docker.io/someuser/myapp:latest",
            "docker.io/someuser/myapp:latest",
            Some("latest"),
        );
        check_render("foo_bar.com/app", "foo_bar.com/app:latest", "foo_bar.com/app:latest", Some("latest"));
    }

    #[test]
    fn familiar_forms_strip_docker_hub_defaults() {
        let cases = [
            ("docker.io/library/redis", "redis", "redis"),
            ("docker.io/someuser/myapp:v1", "someuser/myapp", "someuser/myapp:v1"),
            ("library/foo/bar", "library/foo/bar", "library/foo/bar"),
            ("127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase"),
            ("Foo/bar", "Foo/bar", "Foo/bar"),
        ];
        for (input, name, string) in cases {
            let parsed = ImageRef::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(parsed.familiar_name(), name, "{input:?}");
            assert_eq!(parsed.familiar_string(), string, "{input:?}");
        }
        let shortref = format!("busybox:latest@{DIGEST_86}");
        let parsed = ImageRef::parse(&shortref).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.familiar_string(), shortref);
        assert_eq!(parsed.named_string(), format!("docker.io/library/{shortref}"));
    }

    #[test]
    fn kubelet_applies_latest_to_the_image_as_written() {
        assert_eq!(apply_default_image_tag("busybox"), Ok("busybox:latest".to_owned()));
        assert_eq!(apply_default_image_tag("busybox:1"), Ok("busybox:1".to_owned()));
        let digested = format!("busybox@{DIGEST_86}");
        assert_eq!(apply_default_image_tag(&digested), Ok(digested.clone()));
        assert_eq!(apply_default_image_tag("Busybox"), lowercase_err("library/Busybox").map(|_| String::new()));
    }

    #[test]
    fn with_tag_and_with_digest_validate_their_argument() {
        let base = ImageRef::parse("test.com:8000/foo").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(base.with_tag("TAG5").map(|r| r.named_string()), Ok("test.com:8000/foo:TAG5".to_owned()));
        assert_eq!(base.with_tag("-foo"), Err(E::TagInvalidFormat));
        let short = "sha256:1234567890098765432112345667890098765";
        let both = base.with_digest(short).and_then(|r| r.with_tag("TAG5"));
        assert_eq!(both.map(|r| r.named_string()), Ok(format!("test.com:8000/foo:TAG5@{short}")));
        assert_eq!(base.with_digest("foo"), Err(E::ReferenceDigestInvalidFormat));
    }

    #[test]
    fn error_messages_match_go_text() {
        let cases = [
            (E::InvalidReferenceFormat, "invalid reference format"),
            (E::TagInvalidFormat, "invalid tag format"),
            (E::ReferenceDigestInvalidFormat, "invalid digest format"),
            (E::NameContainsUppercase, "repository name must be lowercase"),
            (E::NameEmpty, "repository name must have at least one component"),
            (E::NameTooLong, "repository name must not be more than 255 characters"),
            (E::NameNotCanonical, "repository name must be canonical"),
            (E::RepositoryNameNotLowercase { remote: "library/Nginx".into() }, "invalid reference format: repository name (library/Nginx) must be lowercase"),
            (E::HexIdentifierNotAllowed { input: HEX64_DB.into() }, "invalid repository name (dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c), cannot specify 64-byte hexadecimal strings"),
            (E::NoName { reference: DIGEST_F.into() }, "reference sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff has no name"),
            (E::DigestInvalidFormat, "invalid checksum digest format"),
            (E::DigestInvalidLength, "invalid checksum digest length"),
            (E::DigestUnsupported, "unsupported digest algorithm"),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
        }
    }

    #[test]
    fn validate_digest_mirrors_go_digest_on_raw_strings() {
        let cases: [(&str, Result<(), ImageRefError>); 9] = [
            (DIGEST_F, Ok(())),
            ("", Err(E::DigestInvalidFormat)),
            (":abc", Err(E::DigestInvalidFormat)),
            ("sha256:", Err(E::DigestInvalidFormat)),
            ("sha256", Err(E::DigestInvalidFormat)),
            ("foo:bar=", Err(E::DigestUnsupported)),
            ("Foo:bar", Err(E::DigestInvalidFormat)),
            ("sha256:abc", Err(E::DigestInvalidLength)),
            ("sha384:abc", Err(E::DigestInvalidLength)),
        ];
        for (input, expect) in cases {
            assert_eq!(validate_digest(input), expect, "{input:?}");
        }
    }

    #[track_caller]
    fn check_policy(image: &str, expect: PullPolicy) {
        assert_eq!(default_pull_policy(image), expect, "default_pull_policy({image:?})");
    }

    #[test]
    fn pull_policy_defaults_to_always_only_for_latest() {
        let dg = DIGEST_86;
        check_policy(&format!("app@{dg}"), PullPolicy::IfNotPresent);
        check_policy("app", PullPolicy::Always);
        check_policy("app:latest", PullPolicy::Always);
        check_policy(&format!("app:latest@{dg}"), PullPolicy::Always);
        check_policy("app:v1", PullPolicy::IfNotPresent);
        check_policy(&format!("app:v1@{dg}"), PullPolicy::IfNotPresent);
        check_policy("app:Latest", PullPolicy::IfNotPresent);
        check_policy("registry.example.com:5000/team/app", PullPolicy::Always);
        check_policy("localhost:5000", PullPolicy::IfNotPresent);
        check_policy("App", PullPolicy::IfNotPresent);
        check_policy("", PullPolicy::IfNotPresent);
        check_policy(HEX64_DB, PullPolicy::IfNotPresent);
        check_policy("app@sha256:bad", PullPolicy::IfNotPresent);
    }

    #[test]
    fn pull_policy_strings_round_trip() {
        for policy in [PullPolicy::Always, PullPolicy::IfNotPresent, PullPolicy::Never] {
            assert_eq!(PullPolicy::parse(policy.as_str()), Some(policy));
            assert_eq!(policy.to_string(), policy.as_str());
        }
        assert_eq!(PullPolicy::parse("always"), None);
        assert_eq!(PullPolicy::parse(""), None);
        assert_eq!(PullPolicy::parse("IfNotPresent "), None);
    }

    #[test]
    fn odd_inputs_return_errors_without_panicking() {
        let long = "a".repeat(100_000);
        let long_tag = format!("a:{}", "b".repeat(10_000));
        let long_digest = format!("a@sha256:{}", "f".repeat(10_000));
        let many_slashes = "/".repeat(10_000);
        let odd: Vec<&str> = vec![
            "",
            ":",
            "@",
            "a:",
            "a@",
            "/a",
            "a//b",
            "::",
            "@@",
            ":@",
            "@:",
            "[",
            "]",
            "[]",
            "[:]",
            "a:b:c",
            "a@b@c",
            "a/:b",
            "a:/b",
            "\u{0}",
            "\n",
            " nginx",
            "nginx ",
            "ngïnx",
            "日本/語",
            "🐳",
            "\u{212A}",
            "\u{0130}",
            "a\u{0301}",
            &long,
            &long_tag,
            &long_digest,
            &many_slashes,
        ];
        for input in odd {
            let got = ImageRef::parse(input);
            assert!(got.is_err(), "{:?} unexpectedly parsed as {got:?}", shorten(input));
            let _ = ImageRef::parse_reference(input);
            let _ = ImageRef::parse_named(input);
            let _ = validate_digest(input);
            let _ = apply_default_image_tag(input);
            assert_eq!(default_pull_policy(input), PullPolicy::IfNotPresent);
        }
    }

    #[test]
    fn every_short_string_over_a_tricky_alphabet_parses_consistently() {
        // Exhaustive over all strings of length <= 4: never panics, and every
        // success round-trips through both its plain and its canonical form.
        let alphabet = ['a', 'A', '0', ':', '/', '@', '.', '-', '_', '[', ']', 'é'];
        let mut inputs = vec![String::new()];
        let mut frontier = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for prefix in &frontier {
                for c in alphabet {
                    let mut s = prefix.clone();
                    s.push(c);
                    next.push(s);
                }
            }
            inputs.extend(next.iter().cloned());
            frontier = next;
        }
        let mut accepted = 0usize;
        for input in &inputs {
            let _ = ImageRef::parse_reference(input);
            if let Ok(parsed) = ImageRef::parse(input) {
                accepted += 1;
                let canonical = parsed.named_string();
                assert_eq!(ImageRef::parse(&canonical).as_ref(), Ok(&parsed), "{input:?}");
                assert_eq!(ImageRef::parse_named(&canonical).as_ref(), Ok(&parsed), "{input:?}");
                assert!(!parsed.repository.is_empty(), "{input:?}");
                assert_eq!(ImageRef::parse(&parsed.normalized()).map(|r| r.normalized()), Ok(parsed.normalized()));
            }
        }
        assert!(accepted > 100, "only {accepted} accepted");
    }
}
