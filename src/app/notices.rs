//! The notices under the banner ("✓ api back to green after 42 min", a key's hint), each shown
//! until its time is up. A poll can turn thousands of pipelines green at once; no screen shows
//! more than a few lines of notices, so only the newest are kept one by one and the greens
//! beyond them are counted in a single line.

use std::collections::VecDeque;
use std::time::Instant;

/// Notices kept one by one; more than the tallest banner shows.
pub const LISTED: usize = 12;

#[derive(Debug)]
struct Notice {
    text: String,
    until: Instant,
    green: bool,
}

#[derive(Debug, Default)]
pub struct Notices {
    listed: VecDeque<Notice>,
    /// How many greens no longer listed are still within their time, and the last of those
    /// times.
    folded: Option<(usize, Instant)>,
}

impl Notices {
    /// A key's hint or a collector's answer, shown until `until`.
    pub fn hint(&mut self, text: String, until: Instant) {
        self.push(Notice {
            text,
            until,
            green: false,
        });
    }

    /// A pipeline back to green, shown until `until`.
    pub fn green(&mut self, text: String, until: Instant) {
        self.push(Notice {
            text,
            until,
            green: true,
        });
    }

    fn push(&mut self, notice: Notice) {
        self.listed.push_back(notice);
        if self.listed.len() <= LISTED {
            return;
        }
        // One in, one out; a hint that old has had its moment, a green still counts.
        if let Some(oldest) = self.listed.pop_front()
            && oldest.green
        {
            let (count, until) = self.folded.get_or_insert((0, oldest.until));
            *count += 1;
            *until = (*until).max(oldest.until);
        }
    }

    /// Drops what is past its time; true when anything went.
    pub fn expire(&mut self, now: Instant) -> bool {
        let before = self.listed.len();
        self.listed.retain(|n| n.until > now);
        let folded_gone = self.folded.is_some_and(|(_, until)| until <= now);
        if folded_gone {
            self.folded = None;
        }
        folded_gone || self.listed.len() != before
    }

    /// The lines to show: the count of the greens not listed first (they are the oldest), then
    /// the listed, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        let folded = self
            .folded
            .map(|(count, _)| format!("✓ {count} more back to green"));
        folded
            .into_iter()
            .chain(self.listed.iter().map(|n| n.text.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn lines(notices: &Notices) -> Vec<String> {
        notices.lines().collect()
    }

    #[test]
    fn a_few_notices_are_listed_in_the_order_they_came() {
        let now = Instant::now();
        let mut notices = Notices::default();
        notices.green("✓ api back to green".into(), now + Duration::from_secs(600));
        notices.hint("nothing is failing".into(), now + Duration::from_secs(8));
        assert_eq!(
            lines(&notices),
            ["✓ api back to green", "nothing is failing"]
        );
        assert!(notices.expire(now + Duration::from_secs(8)));
        assert_eq!(lines(&notices), ["✓ api back to green"]);
        assert!(
            !notices.expire(now + Duration::from_secs(9)),
            "nothing went"
        );
        assert!(notices.expire(now + Duration::from_secs(600)));
        assert!(lines(&notices).is_empty());
    }

    #[test]
    fn thousands_of_greens_keep_the_newest_listed_and_count_the_others() {
        let now = Instant::now();
        let mut notices = Notices::default();
        for i in 0..10_000 {
            notices.green(
                format!("✓ service-{i} back to green"),
                now + Duration::from_secs(600 + i),
            );
        }
        let shown = lines(&notices);
        assert_eq!(shown.len(), LISTED + 1);
        assert_eq!(
            shown[0],
            format!("✓ {} more back to green", 10_000 - LISTED)
        );
        assert_eq!(shown[LISTED], "✓ service-9999 back to green");
        // The count lasts as long as the newest green it counts.
        let last_folded = 600 + (10_000 - LISTED as u64 - 1);
        assert!(!notices.expire(now + Duration::from_secs(last_folded - 1)));
        assert!(lines(&notices)[0].contains("more back to green"));
        assert!(notices.expire(now + Duration::from_secs(last_folded)));
        assert_eq!(lines(&notices).len(), LISTED);
        assert!(!lines(&notices)[0].contains("more"));
    }

    #[test]
    fn hints_pushed_out_by_newer_notices_are_not_counted_as_greens() {
        let now = Instant::now();
        let mut notices = Notices::default();
        notices.hint("nothing is failing".into(), now + Duration::from_secs(8));
        for i in 0..LISTED {
            notices.green(
                format!("✓ s{i} back to green"),
                now + Duration::from_secs(600),
            );
        }
        let shown = lines(&notices);
        assert_eq!(shown.len(), LISTED);
        assert!(shown.iter().all(|l| l.starts_with("✓ s")), "{shown:?}");
    }
}
