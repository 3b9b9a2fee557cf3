//! The demo source's logs: for each failed stage, a plausible tail of a job log, as raw as a
//! CI server would send it (colours, a progress bar rewritten with `\r`, a credential a careless
//! script printed), so the log view and `andon why` show what they do on the README's command.

/// What the demo's log is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLog {
    pub seed: u64,
    pub pipeline: String,
    pub run: String,
    pub stage: String,
    pub author: Option<String>,
}

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31;1m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36;1m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";

impl DemoLog {
    fn pick(&self, n: u64) -> u64 {
        let mut hash = self.seed ^ 0x51_7c_c1_b7_27_22_0a_95;
        for byte in self.pipeline.bytes().chain(self.run.bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
        hash % n.max(1)
    }

    /// The raw log, ANSI and all.
    pub fn render(&self) -> String {
        let name = &self.pipeline;
        let module = name.replace('-', "_");
        let line = 20 + self.pick(180);
        let who = self.author.as_deref().unwrap_or("ci");
        let mut log = String::new();
        let mut push = |text: String| {
            log.push_str(&text);
            log.push('\n');
        };
        push(format!(
            "Running with runner 17.2.0 on demo-runner-{}",
            self.pick(9) + 1
        ));
        push(format!("{CYAN}$ git checkout {}{RESET}", self.run));
        push(format!("HEAD is now at {} (by {who})", &self.hex()[..8]));
        push("Restoring cache... 10%\rRestoring cache... 55%\rRestoring cache... 100%".into());
        match self.stage.as_str() {
            "build" => {
                push(format!("{CYAN}$ cargo build --release --locked{RESET}"));
                push(format!("{GREEN}   Compiling{RESET} serde v1.0.219"));
                push(format!("{GREEN}   Compiling{RESET} tokio v1.45.1"));
                push(format!(
                    "{GREEN}   Compiling{RESET} {name} v0.9.{} (/builds/{name})",
                    self.pick(30)
                ));
                push(format!(
                    "{RED}error[E0308]{RESET}{BOLD}: mismatched types{RESET}"
                ));
                push(format!("  --> src/{module}/posting.rs:{line}:25"));
                push("   |".into());
                push(format!(
                    "{line} |     let total: u64 = amounts.iter().sum::<i64>();"
                ));
                push(format!(
                    "   |                ---   {RED}^^^^^^^^^^^^^^^^^^^^^^^^^^ expected `u64`, found `i64`{RESET}"
                ));
                push(format!(
                    "{RED}error{RESET}{BOLD}: could not compile `{name}` (lib) due to 1 previous error{RESET}"
                ));
                push(format!("{RED}ERROR: Job failed: exit code 101{RESET}"));
            }
            "test" => {
                push(format!("{CYAN}$ pytest -q tests/{RESET}"));
                push(format!(
                    "{GREEN}........................................{RESET} [ 86%]"
                ));
                push(format!(
                    "{RED}F{RESET}.....                                    [100%]"
                ));
                push("=================================== FAILURES ===================================".into());
                push(format!(
                    "_____________________________ test_{module}_rounding _____________________________"
                ));
                push(format!(
                    "tests/test_{module}.py:{line}: in test_{module}_rounding"
                ));
                push("    assert charge(12.345) == 12.35".into());
                push(format!(
                    "{RED}E   AssertionError: assert 12.34 == 12.35{RESET}"
                ));
                push(format!(
                    "{RED}FAILED{RESET} tests/test_{module}.py::test_{module}_rounding - AssertionError"
                ));
                push(format!(
                    "{RED}1 failed{RESET}, {GREEN}45 passed{RESET} in 3.{}s",
                    self.pick(90) + 10
                ));
                push(format!("{RED}ERROR: Job failed: exit code 1{RESET}"));
            }
            "deploy" => {
                push(format!(
                    "{CYAN}$ kubectl -n prod set image deploy/{name} app=registry/{name}:{}{RESET}",
                    &self.hex()[..12]
                ));
                push(format!("deployment.apps/{name} image updated"));
                push(format!(
                    "{CYAN}$ curl -sv -H \"Authorization: Bearer dmo_{}\" https://deploy.example.com/hooks/{name}{RESET}",
                    self.hex()
                ));
                push(format!("> Authorization: Bearer dmo_{}", self.hex()));
                push("< HTTP/2 202".into());
                push(format!(
                    "{CYAN}$ kubectl -n prod rollout status deploy/{name} --timeout=120s{RESET}"
                ));
                push(format!(
                    "Waiting for deployment \"{name}\" rollout to finish: 1 of 3 updated replicas are available..."
                ));
                push(format!(
                    "{YELLOW}Warning: pod {name}-7d9f{}-x2k4 is in CrashLoopBackOff{RESET}",
                    self.pick(9)
                ));
                push(format!(
                    "{RED}error: deployment \"{name}\" exceeded its progress deadline{RESET}"
                ));
                push(format!("{RED}ERROR: Job failed: exit code 1{RESET}"));
            }
            _ => {
                push(format!(
                    "{CYAN}$ ./scripts/smoke https://{name}.example.com{RESET}"
                ));
                push(format!("GET /healthz 200 in {}ms", self.pick(80) + 12));
                push(format!("GET /api/v1/{module}/recent 503 in 30001ms"));
                push(format!(
                    "{RED}smoke test failed: /api/v1/{module}/recent answered 503 after 3 retries{RESET}"
                ));
                push(format!("{RED}ERROR: Job failed: exit code 2{RESET}"));
            }
        }
        log
    }

    fn hex(&self) -> String {
        format!(
            "{:016x}{:016x}",
            self.pick(u64::MAX),
            self.pick(u64::MAX - 7).rotate_left(17)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::text::clean;

    fn log(stage: &str) -> DemoLog {
        DemoLog {
            seed: 7,
            pipeline: "ledger".into(),
            run: "#1234".into(),
            stage: stage.into(),
            author: Some("chen".into()),
        }
    }

    #[test]
    fn every_stage_has_a_log_that_ends_in_its_error() {
        for stage in ["build", "test", "deploy", "verify"] {
            let text = clean(log(stage).render().as_bytes(), false, &[]);
            let last = text.lines.last().unwrap();
            assert!(last.error, "{stage}: {}", last.text());
            assert!(last.text().starts_with("ERROR: Job failed"), "{stage}");
            assert!(text.lines.iter().all(|l| !l.text().contains('\x1b')));
        }
    }

    #[test]
    fn the_printed_credential_is_redacted_and_the_progress_bar_rewritten() {
        let text = clean(log("deploy").render().as_bytes(), false, &[]);
        let all: Vec<String> = text.lines.iter().map(|l| l.text()).collect();
        assert!(
            all.iter()
                .any(|l| l == "> Authorization: Bearer [redacted]"),
            "{all:#?}"
        );
        assert!(all.iter().all(|l| !l.contains("dmo_")));
        assert!(all.iter().any(|l| l == "Restoring cache... 100%"));
    }

    #[test]
    fn the_same_run_has_the_same_log() {
        assert_eq!(log("test").render(), log("test").render());
    }
}
