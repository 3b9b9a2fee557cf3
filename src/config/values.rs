//! Values as the config writes them: durations, byte sizes, URLs and API hosts.

use std::time::Duration;

use toml::Spanned;

use super::{ConfigError, Locate};

/// "16MiB", "512 KiB", "2MB", "1000000": a byte count; None when it cannot be read.
pub fn byte_size(text: &str) -> Option<usize> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: usize = text[..digits].parse().ok()?;
    let unit: usize = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "kib" => 1024,
        "m" | "mb" => 1000 * 1000,
        "mib" => 1024 * 1024,
        "g" | "gb" => 1000 * 1000 * 1000,
        "gib" => 1024 * 1024 * 1024,
        _ => return None,
    };
    number.checked_mul(unit)
}

/// The longest duration any setting takes: ten years. Beyond it, clocks and timers overflow
/// (a window of 300 million years has no start date) long before anyone means it.
pub const MAX_DURATION: Duration = Duration::from_secs(3650 * 86_400);

pub fn duration(
    value: &Spanned<String>,
    field: &str,
    err: &Locate,
) -> Result<Duration, ConfigError> {
    let parsed = humantime::parse_duration(value.get_ref().trim()).map_err(|e| {
        err(
            value.span(),
            field,
            format!(
                "{:?} is not a duration ({e}); write e.g. \"30s\", \"5m\", \"30d\"",
                value.get_ref()
            ),
        )
    })?;
    if parsed > MAX_DURATION {
        return Err(err(
            value.span(),
            field,
            format!(
                "{:?} is too long: at most 3650d (ten years)",
                value.get_ref()
            ),
        ));
    }
    Ok(parsed)
}

/// A source's URL as the config writes it: http:// or https://, nothing a terminal would obey
/// (it is shown by `check` and on the screen), without a trailing slash.
pub fn http_url(text: &str) -> Result<String, String> {
    let text = text.trim();
    if !(text.starts_with("http://") || text.starts_with("https://")) {
        return Err(format!("{text:?} is not an http:// or https:// URL"));
    }
    if text.chars().any(crate::sanitize::is_unsafe) {
        return Err(format!("{text:?} holds a control character"));
    }
    Ok(text.trim_end_matches('/').to_string())
}

/// The host (and port, when not the scheme's) of a CI API, whose request budget every source
/// on that host shares.
pub fn api_host(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

/// Whether a `[http.hosts]` key names `host` as `api_host` gives it; the scheme's
/// default port may be written or not.
pub fn host_matches(key: &str, host: &str) -> bool {
    let key = key
        .strip_suffix(":443")
        .or_else(|| key.strip_suffix(":80"))
        .unwrap_or(key);
    key.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_sizes() {
        assert_eq!(byte_size("16MiB"), Some(16 * 1024 * 1024));
        assert_eq!(byte_size(" 2 mb "), Some(2_000_000));
        assert_eq!(byte_size("1000"), Some(1000));
        assert_eq!(byte_size("1.5MiB"), None);
        assert_eq!(byte_size("MiB"), None);
        assert_eq!(byte_size("99999999999999999999GiB"), None);
    }
}
