//! Text from servers, made safe for a terminal, a log line and a shell's environment.
//!
//! Every string a source delivers is untrusted: a build name, an author or a commit message can
//! carry ESC, CSI, OSC or C1 sequences that would move the cursor, retitle the window, plant a
//! clickable link or ring the bell when drawn raw. `snapshot` cleans a whole poll result once,
//! where it enters the app (the poller), so the TUI, `--once`, JSON and the attention command
//! all see the same clean strings; `reason` does the same for a failed poll's words.

use std::borrow::Cow;

use crate::model::{
    Acknowledgement, Change, Deployment, Incident, PastRun, Pipeline, Snapshot, StageRun, Upstream,
};

/// Whether `c` may not reach a terminal: C0 controls (ESC, BEL, CR, LF, TAB among them), DEL,
/// C1 controls (U+0080..U+009F, which some terminals obey like ESC sequences), and the Unicode
/// bidirectional overrides that reorder what the viewer reads.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `text` without control characters. Line breaks and tabs become one space each, so words
/// stay apart; everything else unsafe is dropped. Borrowed when there was nothing to clean.
pub fn text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if is_unsafe(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

fn clean(value: &mut String) {
    if let Cow::Owned(cleaned) = text(value) {
        *value = cleaned;
    }
}

fn clean_opt(value: &mut Option<String>) {
    if let Some(value) = value {
        clean(value);
    }
}

/// A link from a server: cleaned, and without a `user:password@` part, which no screen, log or
/// shell should be handed (the query stays: links need it, and it is the server's own).
pub fn link(value: &mut String) {
    clean(value);
    // Only an `@` makes a user part; parsing every link of every poll to find none costs more
    // than the rest of the cleaning.
    if !value.contains('@') {
        return;
    }
    if let Ok(mut url) = reqwest::Url::parse(value)
        && (!url.username().is_empty() || url.password().is_some())
    {
        let _ = url.set_username("");
        let _ = url.set_password(None);
        *value = url.to_string();
    }
}

/// Cleans every string of a poll result in place.
pub fn snapshot(snapshot: &mut Snapshot) {
    let Snapshot {
        pipelines,
        events,
        upstream,
    } = snapshot;
    pipelines.iter_mut().for_each(pipeline);
    for Upstream {
        name,
        kind,
        state,
        error,
        cause: _,
        since: _,
        last_success: _,
        insecure: _,
    } in upstream
    {
        clean(name);
        clean(kind);
        clean(state);
        clean_opt(error);
    }
    for Deployment {
        app,
        image_sha,
        commit,
        finished_at: _,
        marked: _,
    } in &mut events.deployments
    {
        clean(app);
        clean_opt(image_sha);
        clean_opt(commit);
    }
    for Change {
        app,
        commit,
        image_sha,
        committed_at: _,
    } in &mut events.changes
    {
        clean(app);
        clean(commit);
        clean_opt(image_sha);
    }
    for Incident {
        app,
        id,
        opened_at: _,
        resolved_at: _,
    } in &mut events.incidents
    {
        clean(app);
        clean(id);
    }
}

fn pipeline(pipeline: &mut Pipeline) {
    // Destructured in full, so a new field cannot be added without deciding how it is cleaned.
    let Pipeline {
        name,
        status: _,
        building: _,
        stage,
        url,
        last_build_at: _,
        label,
        stages,
        breakers,
        commit,
        author,
        started_at: _,
        finished_at: _,
        previous,
        no_verdict: _,
        failing_since: _,
        stale: _,
        acknowledged,
    } = pipeline;
    clean(name);
    clean_opt(stage);
    if let Some(url) = url {
        link(url);
    }
    clean_opt(label);
    for StageRun {
        name,
        status: _,
        started_at: _,
        finished_at: _,
        queued: _,
        job,
    } in stages
    {
        clean(name);
        clean_opt(job);
    }
    breakers.iter_mut().for_each(clean);
    clean_opt(commit);
    clean_opt(author);
    if let Some(Acknowledgement { by, at: _ }) = acknowledged {
        clean(by);
        if let Some((cut, _)) = by.char_indices().nth(Acknowledgement::MAX_BY) {
            by.truncate(cut);
        }
    }
    for PastRun {
        id,
        passed: _,
        commit,
    } in previous
    {
        clean(id);
        clean_opt(commit);
    }
}

/// A URL fit for the screen and the log: no user, password, query string or fragment, which is
/// where tokens hide. Text that does not parse as a URL is cut the same way by hand.
pub fn redact(url: &str) -> String {
    if let Ok(mut parsed) = reqwest::Url::parse(url) {
        let clean = parsed.username().is_empty()
            && parsed.password().is_none()
            && parsed.query().is_none()
            && parsed.fragment().is_none();
        if clean {
            return url.to_string();
        }
        if parsed.has_host() {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
        }
        parsed.set_query(None);
        parsed.set_fragment(None);
        return parsed.to_string();
    }
    let cut = url.find(['?', '#']).map_or(url, |i| &url[..i]);
    match (cut.find("://"), cut.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}{}", &cut[..scheme_end + 3], &cut[at + 1..])
        }
        _ => cut.to_string(),
    }
}

/// Redacts every URL-looking word of a message.
pub fn redact_words(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            let bare = word.trim_matches(|c| c == '(' || c == ')');
            if bare.contains("://") {
                word.replace(bare, &redact(bare))
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::BuildStatus;

    const HOSTILE: &str = "a\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]8;;http://evil\u{1b}\\b\u{9b}31m\u{90}c\u{7f}d\te\u{202e}f";

    #[test]
    fn every_control_character_goes_and_nothing_that_starts_an_escape_stays() {
        let cleaned = text(HOSTILE);
        assert!(!cleaned.chars().any(is_unsafe), "{cleaned:?}");
        assert_eq!(cleaned, "a[2J]0;pwned]8;;http://evil\\b31mcd ef");
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            assert!(is_unsafe(c), "{:#x}", c as u32);
        }
        assert!(matches!(text("plain ✓ text"), Cow::Borrowed(_)));
    }

    #[test]
    fn links_lose_credentials_but_keep_their_query() {
        let mut url = "https://bob:s3cret@ci.example.org/job/7?view=log\u{1b}[1m".to_string();
        link(&mut url);
        assert_eq!(url, "https://ci.example.org/job/7?view=log[1m");
        for (given, kept) in [
            ("https://t0ken@ci/x", "https://ci/x"),
            ("https:\\\\bob:pw@ci\\x", "https://ci/x"),
            ("https://ci/users/@bob", "https://ci/users/@bob"),
            ("https://ci/users/%40bob", "https://ci/users/%40bob"),
        ] {
            let mut url = given.to_string();
            link(&mut url);
            assert_eq!(url, kept, "{given}");
        }
    }

    #[test]
    fn a_snapshot_is_cleaned_in_every_string() {
        let mut p = Pipeline::new(HOSTILE, BuildStatus::Failing);
        p.stage = Some(HOSTILE.into());
        p.url = Some(format!("https://ci/{HOSTILE}"));
        p.label = Some(HOSTILE.into());
        p.stages = vec![StageRun::new(HOSTILE, crate::model::StageStatus::Failed)];
        p.breakers = vec![HOSTILE.into()];
        p.commit = Some(HOSTILE.into());
        p.author = Some(HOSTILE.into());
        p.previous = vec![PastRun {
            id: HOSTILE.into(),
            passed: true,
            commit: Some(HOSTILE.into()),
        }];
        let at = chrono::Utc::now();
        p.acknowledged = Some(Acknowledgement {
            by: HOSTILE.into(),
            at,
        });
        let mut s = Snapshot {
            pipelines: vec![p],
            ..Snapshot::default()
        };
        s.events.deployments.push(Deployment {
            app: HOSTILE.into(),
            image_sha: Some(HOSTILE.into()),
            commit: Some(HOSTILE.into()),
            finished_at: at,
            marked: None,
        });
        s.events.changes.push(Change {
            app: HOSTILE.into(),
            commit: HOSTILE.into(),
            image_sha: Some(HOSTILE.into()),
            committed_at: at,
        });
        s.events.incidents.push(Incident {
            app: HOSTILE.into(),
            id: HOSTILE.into(),
            opened_at: at,
            resolved_at: None,
        });
        snapshot(&mut s);
        let debug = format!("{s:?}");
        assert!(!debug.contains("\\u{1b}"), "{debug}");
        assert!(!debug.contains("\\u{7}"), "{debug}");
        assert!(!debug.contains("\\u{9b}"), "{debug}");
        assert!(!debug.contains("\\u{90}"), "{debug}");
        assert!(!debug.contains("\\u{7f}"), "{debug}");
        assert!(!debug.contains("\\u{202e}"), "{debug}");
    }

    #[test]
    fn a_relayed_acknowledgement_keeps_a_name_not_a_message() {
        let mut p = Pipeline::new("api", BuildStatus::Failing);
        p.acknowledged = Some(Acknowledgement {
            by: format!("mallory{}", "é".repeat(5_000)),
            at: chrono::Utc::now(),
        });
        let mut s = Snapshot {
            pipelines: vec![p],
            ..Snapshot::default()
        };
        snapshot(&mut s);
        let by = &s.pipelines[0].acknowledged.as_ref().unwrap().by;
        assert_eq!(by.chars().count(), Acknowledgement::MAX_BY);
        assert!(by.starts_with("mallory"));
    }
}
