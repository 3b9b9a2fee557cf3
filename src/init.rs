//! `andon init`: a commented starter config from a few flags, checked by the real parser
//! before it is written.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// What `andon init` is told about the user's feeds. Each flag may be repeated.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InitArgs {
    /// A GitHub Actions repository, as owner/name (token from $GITHUB_TOKEN).
    #[arg(long, value_name = "OWNER/REPO")]
    pub github: Vec<String>,
    /// A GitLab project, as group/project or its numeric id (token from $GITLAB_TOKEN).
    #[arg(long, value_name = "GROUP/PROJECT")]
    pub gitlab: Vec<String>,
    /// The API root of a self-managed GitLab for every --gitlab, e.g.
    /// https://gitlab.example.com/api/v4 (a bare host gets /api/v4). Default: gitlab.com.
    #[arg(long, value_name = "URL", requires = "gitlab")]
    pub api_url: Option<String>,
    /// A Jenkins server or folder URL.
    #[arg(long, value_name = "URL")]
    pub jenkins: Vec<String>,
    /// A cctray feed URL (cc.xml, cctray.xml).
    #[arg(long, value_name = "URL")]
    pub cctray: Vec<String>,
    /// A Prometheus server holding DORA event gauges.
    #[arg(long, value_name = "URL")]
    pub prometheus: Vec<String>,
    /// The title shown on the screen.
    #[arg(long)]
    pub title: Option<String>,
    /// Where to write the config (default: the path andon reads, $ANDON_CONFIG or
    /// $XDG_CONFIG_HOME/andon/config.toml). `--config PATH` works too.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    pub force: bool,
}

/// A flag's value that cannot go into a config, with the flag it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitError(pub String);

impl std::fmt::Display for InitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InitError {}

struct Entry {
    name: String,
    body: String,
}

/// The config text for `args`. Every value is validated here and the result is parsed by the
/// config loader, so what is written is what `andon check` accepts.
pub fn render(args: &InitArgs) -> Result<String, InitError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for repo in &args.github {
        let repo = owner_name(repo, "--github", "owner/repo")?;
        entries.push(Entry {
            name: unique(&mut names, repo.rsplit('/').next().unwrap_or(&repo)),
            body: format!(
                "kind = \"github\"\nrepo = {}\n\
                 # branch = \"main\"\n\
                 # workflows = [\"CI\"]           # default: every workflow with runs on the branch\n\
                 # environment = \"production\"   # deployments counted for DORA\n\
                 token_env = \"GITHUB_TOKEN\"     # read access to actions, deployments and issues\n",
                quote(&repo)
            ),
        });
    }
    let gitlab_api = args.api_url.as_deref().map(gitlab_api_url).transpose()?;
    for project in &args.gitlab {
        let project = gitlab_project(project)?;
        let api = gitlab_api
            .as_ref()
            .map_or(String::new(), |url| format!("api_url = {}\n", quote(url)));
        entries.push(Entry {
            name: unique(&mut names, project.rsplit('/').next().unwrap_or(&project)),
            body: format!(
                "kind = \"gitlab\"\nproject = {}\n{api}\
                 # branch = \"main\"\n\
                 # environment = \"production\"\n\
                 token_env = \"GITLAB_TOKEN\"     # a read_api token\n",
                quote(&project)
            ),
        });
    }
    for url in &args.jenkins {
        let url = http_url(url, "--jenkins")?;
        entries.push(Entry {
            name: unique(&mut names, &host_name(&url, "jenkins")),
            body: format!(
                "kind = \"jenkins\"\nurl = {}\n\
                 # jobs = [\"team/app\"]          # default: every job\n\
                 # deploy_job = \"team/deploy-prod\"\n\
                 # user = \"radiator\"            # basic auth: a user and an API token\n\
                 # token_env = \"JENKINS_TOKEN\"\n",
                quote(&url)
            ),
        });
    }
    for url in &args.cctray {
        let url = http_url(url, "--cctray")?;
        entries.push(Entry {
            name: unique(&mut names, &host_name(&url, "cctray")),
            body: format!("kind = \"cctray\"\nurl = {}\n", quote(&url)),
        });
    }
    for url in &args.prometheus {
        let url = http_url(url, "--prometheus")?;
        entries.push(Entry {
            name: unique(&mut names, &host_name(&url, "prometheus")),
            body: format!(
                "kind = \"prometheus\"\nurl = {}\n\
                 # events = {{ deploy = \"deploy_timestamp\", commit = \"commit_timestamp\" }}\n\
                 # board = {{ query = \"ci_stage_status\" }}\n",
                quote(&url)
            ),
        });
    }
    let title = match &args.title {
        Some(t) if t.trim().is_empty() || t.chars().any(crate::sanitize::is_unsafe) => {
            return Err(InitError(
                "--title must be a non-empty line of text".to_string(),
            ));
        }
        Some(t) => t.trim().to_string(),
        None => "Delivery".to_string(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# andon configuration, written by `andon init`. Check it with `andon check`.\n\
         # Every key: README.md, or `andon schema` for your editor.\n\
         title = {}\n\n\
         [dora]\n\
         window = \"30d\"                 # the period the four keys cover\n\
         # benchmark = \"2023\"           # or \"2021\": the DORA report the tiers come from\n\n\
         [board]\n\
         stages = [\"build\", \"test\", \"deploy\"]\n\
         # wip_limits = {{ test = 2 }}\n\n\
         # [display]\n\
         # theme = \"default\"            # light | high-contrast | colourblind | ansi | monochrome\n\
         # kiosk = true                 # wall mode, as --kiosk",
        quote(&title)
    );
    if entries.is_empty() {
        let _ = writeln!(
            out,
            "\n# No feed given: the simulated demo source. Add yours, e.g.\n\
             # [[source]]\n\
             # name = \"shop\"\n\
             # kind = \"github\"\n\
             # repo = \"owner/shop\"\n\
             # token_env = \"GITHUB_TOKEN\"\n\
             [[source]]\n\
             name = \"demo\"\n\
             kind = \"demo\""
        );
    }
    for entry in &entries {
        let _ = write!(
            out,
            "\n[[source]]\nname = {}\n{}# interval = \"30s\"\n",
            quote(&entry.name),
            entry.body
        );
    }
    crate::setup::parse(&out, "(andon init)")
        .map_err(|e| InitError(format!("the generated config does not parse: {e}")))?;
    Ok(out)
}

/// The environment variables the config reads tokens from, in order, without repeats.
pub fn token_envs(args: &InitArgs) -> Vec<&'static str> {
    let mut envs = Vec::new();
    if !args.github.is_empty() {
        envs.push("GITHUB_TOKEN");
    }
    if !args.gitlab.is_empty() {
        envs.push("GITLAB_TOKEN");
    }
    envs
}

/// Writes `text` to `path`, creating its folder; an existing file is kept unless `force`.
pub fn write(path: &Path, text: &str, force: bool) -> Result<(), InitError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| InitError(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        // Atomic: a file that appears meanwhile is not overwritten either.
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            InitError(format!(
                "{} exists; keeping it (use --force to replace it, or --output PATH)",
                path.display()
            ))
        } else {
            InitError(format!("cannot write {}: {e}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .map_err(|e| InitError(format!("cannot write {}: {e}", path.display())))
}

/// What to run after `init` wrote `path`: `default` says whether andon finds it unaided.
pub fn next_steps(path: &Path, default: bool, args: &InitArgs) -> String {
    let config = if default {
        String::new()
    } else {
        format!(" --config {}", shell_word(&path.display().to_string()))
    };
    let mut out = format!("wrote {}\nnext:\n", path.display());
    for env in token_envs(args) {
        if std::env::var_os(env).is_none_or(|v| v.is_empty()) {
            let _ = writeln!(
                out,
                "  export {env}=...        # the token the config names"
            );
        }
    }
    let _ = writeln!(out, "  andon check{config}      # what will be polled");
    let _ = writeln!(out, "  andon --once{config}     # the state, once");
    let _ = writeln!(out, "  andon{config}            # the live screen");
    out
}

fn quote(text: &str) -> String {
    // TOML basic strings share JSON's escapes for everything a flag can carry.
    serde_json::Value::String(text.to_string()).to_string()
}

fn shell_word(text: &str) -> String {
    if text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

fn unique(names: &mut Vec<String>, wanted: &str) -> String {
    let base = if wanted.trim().is_empty() {
        "source"
    } else {
        wanted.trim()
    };
    let mut name = base.to_string();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    names.push(name.clone());
    name
}

fn plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn owner_name(value: &str, flag: &str, shape: &str) -> Result<String, InitError> {
    let value = value.trim();
    let parts: Vec<&str> = value.split('/').collect();
    if parts.len() == 2 && parts.iter().all(|p| plain(p)) {
        Ok(value.to_string())
    } else {
        Err(InitError(format!(
            "{flag} {value:?} is not of the form {shape}"
        )))
    }
}

fn gitlab_project(value: &str) -> Result<String, InitError> {
    let value = value.trim();
    let parts: Vec<&str> = value.split('/').collect();
    let id = !value.is_empty() && value.chars().all(|c| c.is_ascii_digit());
    if id || (parts.len() >= 2 && parts.iter().all(|p| plain(p))) {
        Ok(value.to_string())
    } else {
        Err(InitError(format!(
            "--gitlab {value:?} is not of the form group/project (subgroups allowed) or a numeric id"
        )))
    }
}

fn http_url(value: &str, flag: &str) -> Result<String, InitError> {
    let value = value.trim();
    let bad = || {
        InitError(format!(
            "{flag} {value:?} is not an http:// or https:// URL with a host"
        ))
    };
    let url = reqwest::Url::parse(value).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(InitError(format!(
            "{flag}: keep credentials out of the URL; the config takes user and token_env"
        )));
    }
    Ok(value.trim_end_matches('/').to_string())
}

fn gitlab_api_url(value: &str) -> Result<String, InitError> {
    let url = http_url(value, "--api-url")?;
    let path_empty =
        reqwest::Url::parse(&url).is_ok_and(|u| u.path() == "/" || u.path().is_empty());
    Ok(if path_empty {
        format!("{url}/api/v4")
    } else {
        url
    })
}

/// A source name from a URL's host: its first label ("ci" for ci.example.com), or the kind for
/// an address or localhost.
fn host_name(url: &str, kind: &str) -> String {
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    let address = host.starts_with('[') || host.parse::<std::net::Ipv4Addr>().is_ok();
    if address || host.is_empty() || host == "localhost" {
        return kind.to_string();
    }
    host.split('.').next().unwrap_or(&host).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setup::SourceKind;

    fn args() -> InitArgs {
        InitArgs::default()
    }

    #[test]
    fn every_kind_renders_to_a_config_the_parser_accepts() {
        let args = InitArgs {
            github: vec!["acme/shop".into(), "other/shop".into()],
            gitlab: vec!["group/sub/web".into()],
            api_url: Some("https://gitlab.example.com".into()),
            jenkins: vec!["https://ci.example.com/job/team/".into()],
            cctray: vec!["http://gocd.example.com:8153/go/cctray.xml".into()],
            prometheus: vec!["http://127.0.0.1:9090".into()],
            title: Some("Shop \"delivery\"".into()),
            ..args()
        };
        let text = render(&args).unwrap();
        let config = crate::setup::parse(&text, "x.toml").unwrap();
        assert_eq!(config.title, "Shop \"delivery\"");
        let names: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["shop", "shop-2", "web", "ci", "gocd", "prometheus"]);
        let SourceKind::Gitlab(gitlab) = &config.sources[2].kind else {
            panic!("{:?}", config.sources[2].kind)
        };
        assert_eq!(gitlab.api_url, "https://gitlab.example.com/api/v4");
        assert_eq!(gitlab.project, "group/sub/web");
        let SourceKind::Jenkins(jenkins) = &config.sources[3].kind else {
            panic!()
        };
        assert_eq!(jenkins.url, "https://ci.example.com/job/team");
    }

    #[test]
    fn no_flag_gives_the_demo() {
        let config = crate::setup::parse(&render(&args()).unwrap(), "x.toml").unwrap();
        assert!(matches!(config.sources[..], [ref s] if matches!(s.kind, SourceKind::Demo { .. })));
    }

    #[test]
    fn bad_values_name_their_flag() {
        let cases = [
            (
                InitArgs {
                    github: vec!["shop".into()],
                    ..args()
                },
                "--github \"shop\"",
            ),
            (
                InitArgs {
                    github: vec!["a/b/c".into()],
                    ..args()
                },
                "--github",
            ),
            (
                InitArgs {
                    github: vec!["a/b\"\n[x]".into()],
                    ..args()
                },
                "--github",
            ),
            (
                InitArgs {
                    gitlab: vec!["web".into()],
                    ..args()
                },
                "--gitlab",
            ),
            (
                InitArgs {
                    jenkins: vec!["ci.example.com".into()],
                    ..args()
                },
                "--jenkins",
            ),
            (
                InitArgs {
                    cctray: vec!["ftp://x/cc.xml".into()],
                    ..args()
                },
                "--cctray",
            ),
            (
                InitArgs {
                    prometheus: vec!["http://".into()],
                    ..args()
                },
                "--prometheus",
            ),
            (
                InitArgs {
                    jenkins: vec!["https://me:secret@ci.example.com".into()],
                    ..args()
                },
                "keep credentials out",
            ),
            (
                InitArgs {
                    gitlab: vec!["g/p".into()],
                    api_url: Some("gitlab".into()),
                    ..args()
                },
                "--api-url",
            ),
            (
                InitArgs {
                    title: Some("a\nb".into()),
                    ..args()
                },
                "--title",
            ),
        ];
        for (args, expected) in cases {
            let err = render(&args).expect_err(expected);
            assert!(err.0.contains(expected), "{err} lacks {expected}");
        }
    }

    #[test]
    fn an_existing_file_is_kept_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deep/er/config.toml");
        write(&path, "one", false).unwrap();
        let err = write(&path, "two", false).unwrap_err();
        assert!(
            err.0.contains("exists") && err.0.contains("--force"),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "one");
        write(&path, "three", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "three");
    }

    #[test]
    fn next_steps_quote_the_path_for_the_shell() {
        let text = next_steps(Path::new("/tmp/my conf.toml"), false, &args());
        assert!(
            text.contains("andon check --config '/tmp/my conf.toml'"),
            "{text}"
        );
        let text = next_steps(
            Path::new("/home/u/.config/andon/config.toml"),
            true,
            &args(),
        );
        assert!(text.contains("  andon check "), "{text}");
        assert!(!text.contains("--config"), "{text}");
    }
}
