//! `andon check`: what the config says would be polled, in words.

use std::fmt::Write as _;

use crate::setup::Config;

pub fn describe(config: &Config) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "config ok: {}", config.origin);
    let _ = writeln!(out, "title: {}", config.title);
    let _ = writeln!(
        out,
        "dora: window {}, benchmark {}",
        humantime::format_duration(config.dora.window),
        config.dora.benchmark.label()
    );
    if !config.board.stages.is_empty() {
        let _ = writeln!(out, "board stages: {}", config.board.stages.join(" → "));
    }
    let _ = writeln!(out, "sources ({}):", config.sources.len());
    for s in &config.sources {
        let target = s.kind.describe();
        let _ = writeln!(
            out,
            "  {}  {}  {}  every {}, timeout {}",
            s.name,
            s.kind.name(),
            target,
            humantime::format_duration(s.interval),
            humantime::format_duration(s.timeout)
        );
        for note in s.kind.notes() {
            let _ = writeln!(out, "    {note}");
        }
        if let Some(Err(why)) = s.kind.auth().map(|a| a.token()) {
            let _ = writeln!(
                out,
                "    note: {why}; the source fails until it is (set it where andon runs)"
            );
        }
        if let Some(ca) = &s.transport.ca_file {
            let _ = writeln!(out, "    TLS: system roots and {}", ca.display());
        }
        if s.transport.insecure {
            let _ = writeln!(out, "    TLS: NOT VERIFIED (insecure = true)");
        }
    }
    if config.sources.is_empty() {
        let _ = writeln!(out, "  (none: the screen will show NO DATA)");
    }
    let serve = &config.serve;
    let _ = writeln!(
        out,
        "andon serve: listens on {}{}, history in {} (kept {})",
        serve.listen,
        if serve.allow_remote {
            " (remote allowed)"
        } else {
            ""
        },
        crate::serve::state_dir(serve).map_or("(no state dir)".to_string(), |d| d
            .join(crate::serve::store::FILE_NAME)
            .display()
            .to_string()),
        humantime::format_duration(serve.retention)
    );
    let budgets = host_budgets(config);
    if !budgets.is_empty() {
        let _ = writeln!(out, "request budget per host (shared by its sources):");
        for (host, budget, names) in budgets {
            let _ = writeln!(out, "  {host}  {budget} requests/h  ({})", names.join(", "));
        }
    }
    out
}

/// Each CI API host with its budget and the sources sharing it, in host order.
fn host_budgets(config: &Config) -> Vec<(String, u32, Vec<String>)> {
    let mut hosts: Vec<(String, u32, Vec<String>)> = Vec::new();
    for s in &config.sources {
        let Some(host) = s.kind.api_host() else {
            continue;
        };
        match hosts.iter_mut().find(|(h, _, _)| *h == host) {
            Some((_, _, names)) => names.push(s.name.clone()),
            None => hosts.push((host, s.transport.budget_per_hour, vec![s.name.clone()])),
        }
    }
    hosts.sort();
    hosts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_of_each_api_host_is_printed_with_the_sources_sharing_it() {
        let config = crate::setup::parse(
            "[http]\nbudget_per_hour = 1500\n\
             [http.hosts.\"api.github.com\"]\nbudget_per_hour = 1000\n\
             [[source]]\nname = \"shop\"\nkind = \"github\"\nrepo = \"o/shop\"\n\
             [[source]]\nname = \"web\"\nkind = \"github\"\nrepo = \"o/web\"\n\
             [[source]]\nname = \"ci\"\nkind = \"jenkins\"\nurl = \"http://ci.example.org:8080\"\n\
             deploy_job = \"team/deploy-prod\"\n\
             [[source]]\nname = \"ship\"\nkind = \"buildkite\"\norganization = \"o\"\npipeline = \"ship\"\n\
             deploy_pipeline = true\n\
             [[source]]\nname = \"demo\"\nkind = \"demo\"\n",
            "a.toml",
        )
        .unwrap();
        let text = describe(&config);
        let budgets: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.starts_with("request budget per host"))
            .collect();
        assert_eq!(
            budgets,
            [
                "request budget per host (shared by its sources):",
                "  api.buildkite.com  1500 requests/h  (ship)",
                "  api.github.com  1000 requests/h  (shop, web)",
                "  ci.example.org:8080  1500 requests/h  (ci)",
            ]
        );
        assert!(
            text.contains("    DORA: passed builds are production deployments (no lead time"),
            "{text}"
        );
        assert!(
            text.contains(
                "    DORA: successful builds of team/deploy-prod are production deployments \
                 of app \"team/deploy-prod\"; lead time from their change sets"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_token_that_cannot_be_read_is_a_note_naming_where_it_was_looked_for() {
        let config = crate::setup::parse(
            "[[source]]\nname = \"shop\"\nkind = \"github\"\nrepo = \"o/shop\"\n\
             token_env = \"ANDON_TEST_TOKEN_NEVER_SET\"\n\
             [[source]]\nname = \"web\"\nkind = \"gitlab\"\nproject = \"g/web\"\n\
             token_file = \"/nonexistent/andon-token\"\n\
             [[source]]\nname = \"ci\"\nkind = \"jenkins\"\nurl = \"http://127.0.0.1:1\"\n",
            "a.toml",
        )
        .unwrap();
        let text = describe(&config);
        let notes: Vec<&str> = text.lines().filter(|l| l.contains("note:")).collect();
        assert_eq!(notes.len(), 2, "{text}");
        assert!(
            notes[0].contains("token_env ANDON_TEST_TOKEN_NEVER_SET is not set"),
            "{text}"
        );
        assert!(
            notes[1].contains("cannot read token_file /nonexistent/andon-token"),
            "{text}"
        );
    }

    #[test]
    fn no_api_host_no_budget_lines() {
        let config = crate::setup::load(None).unwrap();
        assert!(!describe(&config).contains("request budget"));
    }
}
