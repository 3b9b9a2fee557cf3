//! Real job names onto the board's columns. Jobs are called `test (Python 3.11)`, `Linux
//! (ubuntu, 3.11)` or `Deploy to prod`: a column per name makes nineteen unreadable columns. A
//! name goes to the board stage it equals, else to the first whose patterns match it (the
//! `[board] match` patterns, else the defaults below for stages called build, test, deploy or
//! verify), else to a column of its own while the board has room, else to `other`.

use crate::config::BoardConfig;

/// The column that gathers the names nothing else takes.
pub const OTHER: &str = "other";

/// Patterns for the usual stage names when the config gives none (case-insensitive globs).
fn default_patterns(stage: &str) -> &'static [&'static str] {
    match stage.to_ascii_lowercase().as_str() {
        "build" => &["*build*", "*compile*", "*assemble*", "*docker*", "*image*"],
        "test" => &[
            "*test*",
            "*lint*",
            "*check*",
            "*spec*",
            "*unit*",
            "*e2e*",
            "*coverage*",
            "*qa*",
        ],
        "deploy" => &[
            "*deploy*",
            "*release*",
            "*publish*",
            "*rollout*",
            "*promote*",
            "*ship*",
        ],
        "verify" => &[
            "*verify*",
            "*smoke*",
            "*canary*",
            "*health*",
            "*acceptance*",
        ],
        _ => &[],
    }
}

pub struct StageMap {
    /// Board stages with their patterns, in board order.
    stages: Vec<(String, Vec<String>)>,
    max_columns: usize,
}

impl StageMap {
    pub fn new(board: &BoardConfig) -> StageMap {
        let stages = board
            .stages
            .iter()
            .map(|stage| {
                let patterns = match board.matches.get(stage) {
                    Some(patterns) => patterns.clone(),
                    None => default_patterns(stage)
                        .iter()
                        .map(|p| p.to_string())
                        .collect(),
                };
                (stage.clone(), patterns)
            })
            .collect();
        StageMap {
            stages,
            max_columns: board.max_columns,
        }
    }

    /// The column for a stage or job called `name`, adding it to `columns` when it is new.
    pub fn column(&self, columns: &mut Vec<String>, name: &str) -> usize {
        if let Some(index) = columns.iter().position(|c| c == name) {
            return index;
        }
        let target = self
            .stages
            .iter()
            .find(|(stage, _)| stage.eq_ignore_ascii_case(name))
            .or_else(|| {
                self.stages
                    .iter()
                    .find(|(_, patterns)| patterns.iter().any(|p| glob_matches(p, name)))
            })
            .map(|(stage, _)| stage.as_str());
        let name = match target {
            Some(stage) => stage,
            None if columns.len() + 1 < self.max_columns || self.stages.is_empty() => name,
            None => OTHER,
        };
        match columns.iter().position(|c| c == name) {
            Some(index) => index,
            None => {
                columns.push(name.to_string());
                columns.len() - 1
            }
        }
    }
}

/// `*` any run of characters, `?` one; case-insensitive; the whole name must match.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let name: Vec<char> = name.to_lowercase().chars().collect();
    // Classic two-pointer glob with backtracking to the last `*`: linear-ish, no recursion.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == name[n]) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((star_p, star_n)) = star {
            p = star_p + 1;
            n = star_n + 1;
            star = Some((star_p, star_n + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(stages: &[&str], max_columns: usize) -> BoardConfig {
        BoardConfig {
            stages: stages.iter().map(|s| s.to_string()).collect(),
            max_columns,
            ..BoardConfig::default()
        }
    }

    fn place(map: &StageMap, columns: &mut Vec<String>, names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| {
                let index = map.column(columns, n);
                columns[index].clone()
            })
            .collect()
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*test*", "test (Python 3.11)"));
        assert!(glob_matches("Deploy to *", "deploy to prod"));
        assert!(glob_matches("l?nt", "LINT"));
        assert!(!glob_matches("*deploy", "deploy docs now"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("a*b*c", "abca"));
    }

    #[test]
    fn real_job_names_land_in_the_usual_stages() {
        let config = board(&["build", "test", "deploy", "verify"], 8);
        let map = StageMap::new(&config);
        let mut columns = config.stages.clone();
        let placed = place(
            &map,
            &mut columns,
            &[
                "Build wheels",
                "test (Python 3.7)",
                "test (Python 3.11-dev)",
                "lint",
                "Deploy to prod",
                "smoke tests",
                "Linux (ubuntu, 3.11)",
            ],
        );
        assert_eq!(
            placed,
            [
                "build",
                "test",
                "test",
                "test",
                "deploy",
                "test",
                "Linux (ubuntu, 3.11)"
            ]
        );
        assert_eq!(columns.len(), 5);
    }

    #[test]
    fn configured_patterns_replace_the_defaults_and_the_rest_is_grouped() {
        let mut config = board(&["build", "test", "deploy"], 5);
        config
            .matches
            .insert("test".into(), vec!["Linux*".into(), "Windows*".into()]);
        let map = StageMap::new(&config);
        let mut columns = config.stages.clone();
        let placed = place(
            &map,
            &mut columns,
            &[
                "Linux (ubuntu, 3.11)",
                "Windows (2022)",
                "unit",
                "docs",
                "changelog",
            ],
        );
        assert_eq!(placed, ["test", "test", "unit", "other", "other"]);
        assert_eq!(columns, ["build", "test", "deploy", "unit", "other"]);
    }

    #[test]
    fn without_board_stages_every_name_is_its_own_column() {
        let config = board(&[], 2);
        let map = StageMap::new(&config);
        let mut columns = Vec::new();
        place(&map, &mut columns, &["a", "b", "c"]);
        assert_eq!(columns, ["a", "b", "c"]);
    }
}
