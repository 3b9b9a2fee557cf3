//! `andon schema` stays in step with the config parser: every key the parser takes is in the
//! schema, the schema takes no key the parser rejects, per source kind too; and the schema
//! accepts every config the tests and the sample use, and rejects a misspelt key.
//!
//! The validator below implements the draft 2020-12 keywords the schema uses and fails on any
//! other, so a keyword it does not know cannot pass unchecked.

use std::collections::BTreeSet;

use andon::config;
use andon::schema::{COMMON_SOURCE_KEYS, schema, source_kinds};
use andon::setup;
use serde_json::{Value, json};

// ---- a small validator ----

const ANNOTATIONS: &[&str] = &["$schema", "title", "description", "examples", "format"];

fn validate(schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    let Some(keywords) = schema.as_object() else {
        panic!("schema at {at} is not an object: {schema}");
    };
    for (keyword, rule) in keywords {
        match keyword.as_str() {
            k if ANNOTATIONS.contains(&k) => {}
            "type" => {
                let ok = match rule.as_str().unwrap() {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_i64() || value.is_u64(),
                    other => panic!("type {other} not handled"),
                };
                if !ok {
                    errors.push(format!("{at}: expected {rule}, got {value}"));
                }
            }
            "enum" => {
                if !rule.as_array().unwrap().contains(value) {
                    errors.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "const" => {
                if rule != value {
                    errors.push(format!("{at}: {value} is not {rule}"));
                }
            }
            "minimum" | "maximum" => {
                if let Some(n) = value.as_f64() {
                    let bound = rule.as_f64().unwrap();
                    if (keyword == "minimum" && n < bound) || (keyword == "maximum" && n > bound) {
                        errors.push(format!("{at}: {n} is beyond {keyword} {bound}"));
                    }
                }
            }
            "minLength" => {
                if let Some(s) = value.as_str()
                    && (s.chars().count() as u64) < rule.as_u64().unwrap()
                {
                    errors.push(format!("{at}: shorter than {rule}"));
                }
            }
            "pattern" => {
                if let Some(s) = value.as_str()
                    && !matches_pattern(rule.as_str().unwrap(), s)
                {
                    errors.push(format!("{at}: {s:?} does not match {rule}"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in rule.as_array().unwrap() {
                        if !object.contains_key(key.as_str().unwrap()) {
                            errors.push(format!("{at}: missing required {key}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (key, sub) in rule.as_object().unwrap() {
                        if let Some(v) = object.get(key) {
                            validate(sub, v, &format!("{at}.{key}"), errors);
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = value.as_object() {
                    let known = schema.get("properties").and_then(Value::as_object);
                    for (key, v) in object {
                        if known.is_some_and(|k| k.contains_key(key)) {
                            continue;
                        }
                        match rule {
                            Value::Bool(false) => {
                                errors.push(format!("{at}: unknown key {key:?}"));
                            }
                            Value::Bool(true) => {}
                            sub => validate(sub, v, &format!("{at}.{key}"), errors),
                        }
                    }
                }
            }
            "propertyNames" => {
                if let Some(object) = value.as_object() {
                    for key in object.keys() {
                        validate(rule, &json!(key), &format!("{at} key {key:?}"), errors);
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        validate(rule, item, &format!("{at}[{i}]"), errors);
                    }
                }
            }
            "allOf" => {
                for sub in rule.as_array().unwrap() {
                    validate(sub, value, at, errors);
                }
            }
            "if" => {
                let mut failed = Vec::new();
                validate(rule, value, at, &mut failed);
                let branch = if failed.is_empty() { "then" } else { "else" };
                if let Some(sub) = schema.get(branch) {
                    validate(sub, value, at, errors);
                }
            }
            "then" | "else" => {}
            other => panic!("keyword {other:?} at {at} is not handled by this validator"),
        }
    }
}

/// The only patterns the schema uses: an anchored prefix, or `^[^/]+/[^/]+$`.
fn matches_pattern(pattern: &str, s: &str) -> bool {
    match pattern {
        "^https?://" => s.starts_with("http://") || s.starts_with("https://"),
        "^[^/]+/[^/]+$" => {
            let parts: Vec<&str> = s.split('/').collect();
            parts.len() == 2 && parts.iter().all(|p| !p.is_empty())
        }
        other => panic!("pattern {other} is not handled by this validator"),
    }
}

fn schema_errors(toml_text: &str) -> Vec<String> {
    let value: Value = toml::from_str(toml_text).expect("TOML");
    let mut errors = Vec::new();
    validate(&schema(), &value, "$", &mut errors);
    errors
}

// ---- what the parser says ----

/// The keys the parser takes in a table, from its own "unknown field" message.
fn parser_keys(config_with_bogus_key: &str) -> BTreeSet<String> {
    let err = setup::parse(config_with_bogus_key, "t.toml").expect_err(config_with_bogus_key);
    let message = err.message;
    assert!(message.contains("unknown field `zz_bogus`"), "{message}");
    let expected = message
        .split_once("expected")
        .unwrap_or_else(|| panic!("no expected list in {message}"))
        .1;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

fn schema_keys(pointer: &str) -> BTreeSet<String> {
    let schema = schema();
    let node = schema
        .pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer}"));
    assert_eq!(
        node.get("additionalProperties"),
        Some(&json!(false)),
        "{pointer} must be closed"
    );
    node["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

const SOURCE: &str = "[[source]]\nname = \"s\"\nkind = \"demo\"\n";

#[test]
fn every_table_has_exactly_the_keys_the_parser_takes() {
    let tables = [
        ("zz_bogus = 1\n".to_string(), ""),
        ("[dora]\nzz_bogus = 1\n".to_string(), "/properties/dora"),
        ("[board]\nzz_bogus = 1\n".to_string(), "/properties/board"),
        (
            "[display]\nzz_bogus = 1\n".to_string(),
            "/properties/display",
        ),
        (
            "[[page]]\nname = \"p\"\nzz_bogus = 1\n".to_string(),
            "/properties/page/items",
        ),
        ("[http]\nzz_bogus = 1\n".to_string(), "/properties/http"),
        (
            "[http.hosts.\"api.github.com\"]\nbudget_per_hour = 1\nzz_bogus = 1\n".to_string(),
            "/properties/http/properties/hosts/additionalProperties",
        ),
        (
            format!("{SOURCE}zz_bogus = 1\n"),
            "/properties/source/items",
        ),
        (
            format!("{SOURCE}events = {{ zz_bogus = \"x\" }}\n"),
            "/properties/source/items/properties/events",
        ),
        (
            format!("{SOURCE}board = {{ query = \"up\", zz_bogus = \"x\" }}\n"),
            "/properties/source/items/properties/board",
        ),
    ];
    for (text, pointer) in tables {
        assert_eq!(
            schema_keys(pointer),
            parser_keys(&text),
            "schema {pointer:?} vs parser"
        );
    }
}

/// A valid value of each source key, in TOML.
fn sample(key: &str) -> &'static str {
    match key {
        "url" | "api_url" => "\"http://127.0.0.1:9\"",
        "interval" | "timeout" | "backoff_max" => "\"5m\"",
        "lookback" => "\"90d\"",
        "stale_after" | "seed" | "depth" => "3",
        "max_body" => "\"1MiB\"",
        "insecure" | "deploy_pipeline" => "true",
        "events" => "{ deploy = \"d\" }",
        "board" => "{ query = \"up\" }",
        "workflows" | "jobs" => "[\"a\"]",
        "repo" | "project" => "\"o/r\"",
        "token" => "\"t\"",
        "token_env" => "\"ANDON_TEST_TOKEN\"",
        "token_file" => "\"/nonexistent/token\"",
        "user" | "name" | "stage" | "organization" | "pipeline" | "branch" | "environment"
        | "incident_label" | "deploy_job" => "\"x\"",
        other => panic!("no sample value for source key {other:?}: add one"),
    }
}

fn source_of(kind: &str, required: &[&str], extra: Option<&str>) -> String {
    let mut text = format!("[[source]]\nname = \"s\"\nkind = \"{kind}\"\n");
    for key in required.iter().copied().chain(extra) {
        if !text.contains(&format!("\n{key} =")) {
            text.push_str(&format!("{key} = {}\n", sample(key)));
        }
    }
    if extra == Some("user") {
        text.push_str("token_env = \"ANDON_TEST_TOKEN\"\n");
    }
    text
}

#[test]
fn each_kind_admits_in_the_schema_what_the_parser_takes_for_it() {
    let all_keys = schema_keys("/properties/source/items");
    let kinds = source_kinds();
    let schema_kinds: Vec<&str> = kinds.iter().map(|(k, _, _)| *k).collect();
    let message = setup::parse("[[source]]\nname = \"s\"\nkind = \"zz_bogus\"\n", "t.toml")
        .unwrap_err()
        .message;
    let parser_kinds: BTreeSet<&str> = message
        .split_once("expected one of ")
        .unwrap_or_else(|| panic!("{message}"))
        .1
        .split(", ")
        .map(str::trim)
        .collect();
    assert_eq!(
        parser_kinds,
        schema_kinds.iter().copied().collect::<BTreeSet<_>>()
    );
    let mut wrong = Vec::new();
    for (kind, _, required) in &kinds {
        let bare = source_of(kind, required, None);
        setup::parse(&bare, "t.toml").unwrap_or_else(|e| panic!("{bare}\n{e}"));
        assert_eq!(schema_errors(&bare), Vec::<String>::new(), "{bare}");
        // Each key the schema requires, the parser needs too.
        for key in required {
            let others: Vec<&str> = required.iter().copied().filter(|k| k != key).collect();
            let without = source_of(kind, &others, None);
            assert!(setup::parse(&without, "t.toml").is_err(), "{without}");
            assert_ne!(schema_errors(&without), Vec::<String>::new(), "{without}");
        }
        for key in &all_keys {
            if ["name", "kind", "ca_file"].contains(&key.as_str()) {
                continue; // in every source; a ca_file must be a real PEM file
            }
            let text = source_of(kind, required, Some(key));
            let parsed = setup::parse(&text, "t.toml");
            let schema_ok = schema_errors(&text).is_empty();
            match (&parsed, schema_ok) {
                (Ok(_), false) => wrong.push(format!(
                    "(\"{kind}\", \"{key}\"): the parser takes it, the schema does not"
                )),
                (Err(e), true) => wrong.push(format!(
                    "{kind}.{key}: the schema admits it, the parser says {e}"
                )),
                _ => {}
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    for key in COMMON_SOURCE_KEYS {
        assert!(all_keys.contains(*key), "{key}");
    }
}

// ---- the configs in use ----

#[test]
fn the_sample_config_and_init_output_pass_and_a_misspelt_key_fails() {
    assert_eq!(schema_errors(config::DEMO_CONFIG), Vec::<String>::new());
    let init = andon::init::render(&andon::init::InitArgs {
        github: vec!["a/b".into()],
        gitlab: vec!["g/p".into()],
        jenkins: vec!["http://127.0.0.1:8080".into()],
        cctray: vec!["http://127.0.0.1:8153/cc.xml".into()],
        prometheus: vec!["http://127.0.0.1:9090".into()],
        ..Default::default()
    })
    .unwrap();
    assert_eq!(schema_errors(&init), Vec::<String>::new());
    for (text, expected) in [
        ("[dora]\nwindw = \"30d\"\n", "$.dora: unknown key \"windw\""),
        ("titel = \"x\"\n", "$: unknown key \"titel\""),
        (
            "[[source]]\nname = \"s\"\nkind = \"github\"\nrepo = \"a/b\"\ntoken_evn = \"T\"\n",
            "$.source[0]: unknown key \"token_evn\"",
        ),
        (
            "[[source]]\nname = \"s\"\nkind = \"githb\"\n",
            "$.source[0].kind: \"githb\" is not one of",
        ),
        (
            "[[source]]\nname = \"s\"\nkind = \"jenkins\"\nurl = \"http://j\"\nrepo = \"a/b\"\n",
            "$.source[0] key \"repo\"",
        ),
    ] {
        let errors = schema_errors(text);
        assert!(
            errors.iter().any(|e| e.starts_with(expected)),
            "{text}: {errors:?}"
        );
        assert!(setup::parse(text, "t.toml").is_err(), "{text}");
    }
}

/// Every TOML config written in the tests and the sources, as string literals: those the parser
/// accepts must pass the schema, those with a key the parser refuses must fail it.
#[test]
fn every_config_the_tests_accept_passes_the_schema() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        collect_rust_files(&std::path::Path::new(root).join(dir), &mut files);
    }
    let (mut accepted, mut refused) = (0, 0);
    for file in &files {
        let code = std::fs::read_to_string(file).unwrap();
        for literal in string_literals(&code) {
            if !literal.contains("[[source]]") && !literal.contains("[dora]") {
                continue;
            }
            let text = fill_placeholders(&literal);
            if let Err(e) = setup::parse(&text, "t.toml") {
                // A key the parser does not know, or does not take for the kind, the schema
                // must refuse too; other rejections (a bad value) are beyond a schema.
                let misplaced = ["unknown field", "applies only to", "does not apply to"];
                if misplaced.iter().any(|m| e.message.contains(m)) {
                    assert_ne!(schema_errors(&text), Vec::<String>::new(), "{e}:\n{text}");
                    refused += 1;
                }
                continue;
            }
            let errors = schema_errors(&text);
            assert_eq!(errors, Vec::<String>::new(), "{}:\n{text}", file.display());
            accepted += 1;
        }
    }
    eprintln!(
        "{accepted} configs in {} files pass the schema, {refused} with a misplaced key fail it",
        files.len()
    );
    // Guard against the scan quietly finding nothing.
    assert!(accepted >= 20, "only {accepted} configs found");
    assert!(
        refused >= 10,
        "only {refused} configs with a misplaced key found"
    );
}

fn collect_rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Rust string literals: `"..."` with escapes and line continuations, and `r#"..."#`.
fn string_literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !code.is_char_boundary(i) {
            i += 1;
        } else if code[i..].starts_with("r#\"") {
            let start = i + 3;
            let end = code[start..].find("\"#").map_or(code.len(), |e| start + e);
            out.push(code[start..end].to_string());
            i = end + 2;
        } else if bytes[i] == b'\'' && i + 2 < bytes.len() && bytes[i + 2] == b'\'' {
            i += 3; // a char literal such as '"'
        } else if code[i..].starts_with("'\\") {
            i += code[i + 1..].find('\'').map_or(code.len(), |e| i + e + 2) - i;
        } else if code[i..].starts_with("//") {
            i = code[i..].find('\n').map_or(code.len(), |e| i + e);
        } else if bytes[i] == b'"' {
            let mut text = String::new();
            let mut chars = code[i + 1..].char_indices();
            let mut end = code.len();
            while let Some((j, c)) = chars.next() {
                match c {
                    '"' => {
                        end = i + 1 + j + 1;
                        break;
                    }
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => text.push('\n'),
                        Some('t') => text.push('\t'),
                        Some('\n') => {
                            // A line continuation skips the next line's leading whitespace.
                            let rest = chars.as_str();
                            let skip = rest.len() - rest.trim_start().len();
                            for _ in 0..rest[..skip].chars().count() {
                                chars.next();
                            }
                        }
                        Some(other) => text.push(other),
                        None => {}
                    },
                    c => text.push(c),
                }
            }
            out.push(text);
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// `format!` placeholders become a loopback URL; `{{` and `}}` their brace.
fn fill_placeholders(literal: &str) -> String {
    let mut out = String::new();
    let mut rest = literal;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        if let Some(tail) = after.strip_prefix("{{") {
            out.push('{');
            rest = tail;
            continue;
        }
        match after.find('}') {
            Some(close)
                if after[1..close]
                    .chars()
                    .all(|c| c.is_alphanumeric() || "_.:?#".contains(c)) =>
            {
                out.push_str("http://127.0.0.1:9");
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out.replace("}}", "}")
}
