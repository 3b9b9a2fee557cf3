//! Finds secrets in a log line: the source's own token wherever it occurs, and the shapes
//! tokens commonly take (GitHub, GitLab, Slack, AWS, Buildkite, npm keys, `Bearer` and `Basic`
//! credentials, a URL's user and password). Pure.

use std::ops::Range;

/// What a secret is replaced with.
pub const MASK: &str = "[redacted]";

/// Prefixes of well-known token formats; the token runs on over `[A-Za-z0-9_-]`.
const PREFIXES: [&str; 17] = [
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glrt-",
    "glptt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "bkua_",
    "npm_",
    "AKIA",
    "sk_live_",
];
/// Shortest run after a prefix that counts as a token (GitHub's are 36, GitLab's 20).
const MIN_TOKEN: usize = 16;
/// Shortest credential after `Bearer ` or `Basic `.
const MIN_CREDENTIAL: usize = 8;
/// Secrets shorter than this are not searched for: they would mask ordinary words.
const MIN_SECRET: usize = 6;

fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn credential_char(c: u8) -> bool {
    token_char(c) || matches!(c, b'.' | b'~' | b'+' | b'/' | b'=')
}

/// Byte ranges of `line` to mask, sorted and not overlapping.
pub fn find(line: &str, secrets: &[&str]) -> Vec<Range<usize>> {
    let bytes = line.as_bytes();
    let mut found: Vec<Range<usize>> = Vec::new();
    for secret in secrets.iter().filter(|s| s.len() >= MIN_SECRET) {
        let mut from = 0;
        while let Some(at) = line[from..].find(secret) {
            found.push(from + at..from + at + secret.len());
            from += at + secret.len();
        }
    }
    for prefix in PREFIXES {
        let mut from = 0;
        while let Some(at) = line[from..].find(prefix) {
            let start = from + at;
            let body = start + prefix.len();
            let end = run(bytes, body, token_char);
            let at_word_start = start == 0 || !token_char(bytes[start - 1]);
            if at_word_start && end - body >= MIN_TOKEN {
                found.push(start..end);
            }
            from = end.max(start + 1);
        }
    }
    let lower = line.to_ascii_lowercase();
    for scheme in ["bearer ", "basic ", "private-token: ", "token "] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(scheme) {
            let body = from + at + scheme.len();
            let end = run(bytes, body, credential_char);
            if end - body >= MIN_CREDENTIAL && (scheme != "token " || has_digit(&line[body..end])) {
                found.push(body..end);
            }
            from = end.max(body);
        }
    }
    found.extend(userinfo(line));
    merge(found)
}

fn has_digit(text: &str) -> bool {
    text.bytes().any(|b| b.is_ascii_digit())
}

fn run(bytes: &[u8], from: usize, accept: fn(u8) -> bool) -> usize {
    let mut end = from;
    while end < bytes.len() && accept(bytes[end]) {
        end += 1;
    }
    end
}

/// `user:password@` in `scheme://user:password@host`.
fn userinfo(line: &str) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = line[from..].find("://") {
        let start = from + at + 3;
        let authority_end = line[start..]
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .map_or(line.len(), |i| start + i);
        if let Some(at_sign) = line[start..authority_end].rfind('@')
            && line[start..start + at_sign].contains(':')
        {
            found.push(start..start + at_sign);
        }
        from = start;
    }
    found
}

fn merge(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut merged: Vec<Range<usize>> = Vec::new();
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// `line` with every secret masked.
pub fn redact(line: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut at = 0;
    for range in find(line, secrets) {
        out.push_str(&line[at..range.start]);
        out.push_str(MASK);
        at = range.end;
    }
    out.push_str(&line[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shapes_are_masked() {
        let cases = [
            (
                "token ghp_0123456789abcdefghijABCDEFGHIJ012345 used",
                "token [redacted] used",
            ),
            (
                "export GL=glpat-xxxxxxxxxxxxxxxxxxxx;",
                "export GL=[redacted];",
            ),
            (
                "Authorization: Bearer eyJhbGciOi.J9.sig_x-y",
                "Authorization: Bearer [redacted]",
            ),
            ("AUTHORIZATION: basic ***", "AUTHORIZATION: basic ***"),
            (
                "git remote add origin https://ci:s3cr3t@git.example.com/x.git",
                "git remote add origin https://[redacted]@git.example.com/x.git",
            ),
            ("aws AKIAIOSFODNN7EXAMPLE1 key", "aws [redacted] key"),
        ];
        for (line, want) in cases {
            assert_eq!(redact(line, &[]), want, "{line}");
        }
    }

    #[test]
    fn the_sources_own_token_is_masked_wherever_it_is() {
        assert_eq!(
            redact("a=hunter2hunter2;b=xhunter2hunter2x", &["hunter2hunter2"]),
            "a=[redacted];b=x[redacted]x"
        );
        assert_eq!(redact("short abc", &["abc"]), "short abc");
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for line in [
            "Bearer of bad news",
            "ghp_short",
            "token: ***",
            "the token expired",
            "https://github.com/actions/virtual-environments/releases/tag/ubuntu20%2F20220614.0",
            "email me@example.com: done",
        ] {
            assert_eq!(redact(line, &[]), line);
        }
    }

    #[test]
    fn never_panics_on_unicode_boundaries() {
        let line = "é ghp_éééééééééééééééééé https://ü:ü@ü bearer ééééééééé";
        let _ = redact(line, &["éé"]);
    }
}
