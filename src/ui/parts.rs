//! Lines made of parts ("pass 5/6", "#384", "by amy") that are shown whole or not at all: a
//! part cut in the middle ("pass 1/2…" of "pass 1/20") says something false.

/// The parts, in order, that fit `width` joined by `sep`, stopping at the first that does not.
/// Empty when not even the first fits.
pub fn whole<'a>(parts: impl IntoIterator<Item = &'a str>, sep: &str, width: usize) -> String {
    let parts: Vec<&str> = parts.into_iter().filter(|p| !p.is_empty()).collect();
    parts[..fitting(&parts, sep, width)].join(sep)
}

/// How many of the parts, from the first, fit `width` joined by `sep`.
pub fn fitting(parts: &[&str], sep: &str, width: usize) -> usize {
    let sep = sep.chars().count();
    let mut used = 0;
    for (shown, part) in parts.iter().enumerate() {
        used += part.chars().count() + if shown == 0 { 0 } else { sep };
        if used > width {
            return shown;
        }
    }
    parts.len()
}

#[cfg(test)]
mod tests {
    use super::whole;

    #[test]
    fn parts_are_kept_whole_and_in_order() {
        let parts = ["passing", "pass 1/20", "#384", "by amy"];
        assert_eq!(whole(parts, " ", 40), "passing pass 1/20 #384 by amy");
        assert_eq!(whole(parts, " ", 19), "passing pass 1/20");
        assert_eq!(whole(parts, " ", 16), "passing");
        assert_eq!(whole(parts, " ", 6), "");
        assert_eq!(whole(["a", "", "b"], " · ", 5), "a · b");
        assert_eq!(
            whole(["résumé", "ü"], " ", 8),
            "résumé ü",
            "counted in characters"
        );
        assert_eq!(super::fitting(&parts, " ", 19), 2);
        assert_eq!(super::fitting(&parts, " ", 99), 4);
    }
}
