//! Hand-made block letters for the Andon banner and digits for the wall's key figures,
//! readable across a room.

const HEIGHT: usize = 5;

fn glyph(c: char) -> Option<[&'static str; HEIGHT]> {
    Some(match c {
        'A' => [" ███ ", "█   █", "█████", "█   █", "█   █"],
        'D' => ["████ ", "█   █", "█   █", "█   █", "████ "],
        'E' => ["█████", "█    ", "████ ", "█    ", "█████"],
        'G' => [" ████", "█    ", "█  ██", "█   █", " ████"],
        'I' => ["█████", "  █  ", "  █  ", "  █  ", "█████"],
        'L' => ["█    ", "█    ", "█    ", "█    ", "█████"],
        'N' => ["█   █", "██  █", "█ █ █", "█  ██", "█   █"],
        'O' => [" ███ ", "█   █", "█   █", "█   █", " ███ "],
        'P' => ["████ ", "█   █", "████ ", "█    ", "█    "],
        'R' => ["████ ", "█   █", "████ ", "█  █ ", "█   █"],
        'S' => [" ████", "█    ", " ███ ", "    █", "████ "],
        'T' => ["█████", "  █  ", "  █  ", "  █  ", "  █  "],
        ' ' => ["   ", "   ", "   ", "   ", "   "],
        '0' => [" ███ ", "█   █", "█   █", "█   █", " ███ "],
        '1' => ["  █  ", " ██  ", "  █  ", "  █  ", " ███ "],
        '2' => ["████ ", "    █", " ███ ", "█    ", "█████"],
        '3' => ["████ ", "    █", " ███ ", "    █", "████ "],
        '4' => ["█   █", "█   █", "█████", "    █", "    █"],
        '5' => ["█████", "█    ", "████ ", "    █", "████ "],
        '6' => [" ███ ", "█    ", "████ ", "█   █", " ███ "],
        '7' => ["█████", "    █", "   █ ", "  █  ", "  █  "],
        '8' => [" ███ ", "█   █", " ███ ", "█   █", " ███ "],
        '9' => [" ███ ", "█   █", " ████", "    █", " ███ "],
        '.' => [" ", " ", " ", " ", "█"],
        _ => return None,
    })
}

/// Width in cells of `text` at horizontal scale `sx`, or None when a letter has no glyph.
fn width(text: &str, sx: usize) -> Option<usize> {
    let mut total = 0;
    for (i, c) in text.chars().enumerate() {
        if i > 0 {
            total += sx;
        }
        total += glyph(c)?[0].chars().count() * sx;
    }
    Some(total)
}

/// `text` in block letters, as large as fits in `max_width` x `max_height` (at most 4x wide and
/// 3x tall). None when even the smallest size does not fit, or a letter has no glyph.
pub fn render(text: &str, max_width: usize, max_height: usize) -> Option<Vec<String>> {
    for sy in (1..=3).rev() {
        if HEIGHT * sy > max_height {
            continue;
        }
        for sx in (sy..=(2 * sy).min(4)).rev() {
            if width(text, sx)? <= max_width {
                return Some(draw(text, sx, sy));
            }
        }
    }
    None
}

fn draw(text: &str, sx: usize, sy: usize) -> Vec<String> {
    let mut rows = Vec::with_capacity(HEIGHT * sy);
    for row in 0..HEIGHT {
        let mut line = String::new();
        for (i, c) in text.chars().enumerate() {
            if i > 0 {
                line.push_str(&" ".repeat(sx));
            }
            if let Some(g) = glyph(c) {
                for cell in g[row].chars() {
                    for _ in 0..sx {
                        line.push(cell);
                    }
                }
            }
        }
        for _ in 0..sy {
            rows.push(line.clone());
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_banner_word_has_glyphs_and_fits_80_columns() {
        for word in ["LINE STOPPED", "ALL GREEN", "NO DATA", "STALE"] {
            let rows = render(word, 78, 5).unwrap_or_else(|| panic!("{word}"));
            assert_eq!(rows.len(), 5);
            assert!(rows.iter().all(|r| r.chars().count() <= 78), "{word}");
        }
    }

    #[test]
    fn it_grows_with_the_room_and_gives_up_when_there_is_none() {
        let small = render("ALL GREEN", 80, 5).unwrap();
        let big = render("ALL GREEN", 250, 15).unwrap();
        assert!(big.len() > small.len());
        assert!(big[0].chars().count() > small[0].chars().count());
        assert!(big[0].chars().count() <= 250);
        assert_eq!(render("LINE STOPPED", 40, 5), None);
        assert_eq!(render("LINE STOPPED", 200, 4), None);
        assert_eq!(render("fixed?", 200, 20), None);
    }
}
