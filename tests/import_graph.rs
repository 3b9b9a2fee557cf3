//! The crate's modules import one another without a loop: each `use crate::…`, `super::…` and
//! `crate::…` path outside tests is an edge from the module that writes it to the module it
//! names, and the graph of those edges has no cycle. A loop is how "config knows the sources and
//! the sources know config" starts; this test names it the day it is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src`, as its module path (`sources::github`, `crate` for lib.rs).
fn modules(root: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source is UTF-8");
                found.insert(module_of(root, &path), without_tests(&text));
            }
        }
    }
    found
}

fn module_of(root: &Path, path: &Path) -> String {
    let relative: PathBuf = path
        .strip_prefix(root)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    if parts.is_empty() {
        "crate".to_string()
    } else {
        parts.join("::")
    }
}

/// The text before a `#[cfg(test)]` module: tests may reach anywhere.
fn without_tests(text: &str) -> String {
    let mut kept = String::new();
    for line in text.lines() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        if line.trim_start().starts_with("//") {
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

/// The paths a module's text names: `crate::a::b`, `super::c`, and each item of a
/// `use crate::{a, b::c}` group, as written.
fn paths_in(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let bytes: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < bytes.len() {
        let rest: String = bytes[i..bytes.len().min(i + 7)].iter().collect();
        let boundary = i == 0 || !(bytes[i - 1].is_alphanumeric() || bytes[i - 1] == '_');
        if boundary && (rest.starts_with("crate::") || rest.starts_with("super::")) {
            let start = i;
            while i < bytes.len() && (bytes[i].is_alphanumeric() || ":_{}, \n".contains(bytes[i])) {
                if bytes[i] == '{' {
                    // A group: take it whole, to its matching brace.
                    let mut depth = 0;
                    while i < bytes.len() {
                        match bytes[i] {
                            '{' => depth += 1,
                            '}' => {
                                depth -= 1;
                                if depth == 0 {
                                    i += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        i += 1;
                    }
                    break;
                }
                if bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == ',' || bytes[i] == '}' {
                    break;
                }
                i += 1;
            }
            let written: String = bytes[start..i].iter().collect();
            paths.extend(expand(&written));
        } else {
            i += 1;
        }
    }
    paths
}

/// `crate::{a, b::{c, d}}` as `crate::a`, `crate::b::c`, `crate::b::d`.
fn expand(written: &str) -> Vec<String> {
    let Some(open) = written.find('{') else {
        return vec![written.trim_end_matches("::").to_string()];
    };
    let prefix = &written[..open];
    let inner = &written[open + 1..written.rfind('}').unwrap_or(written.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (at, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .map(|item| item.split(" as ").next().unwrap_or("").trim())
        .filter(|item| !item.is_empty() && *item != "self")
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .collect()
}

/// The module a path lands in: its longest prefix that is a module.
fn target(path: &str, from: &str, known: &BTreeMap<String, String>) -> Option<String> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<&str> = Vec::new();
    match segments.first() {
        Some(&"crate") => {
            segments.remove(0);
        }
        Some(&"super") => {
            base = from.split("::").collect();
            while segments.first() == Some(&"super") {
                segments.remove(0);
                base.pop();
            }
        }
        _ => return None,
    }
    base.extend(segments);
    (1..=base.len())
        .rev()
        .map(|n| base[..n].join("::"))
        .find(|candidate| known.contains_key(candidate))
}

/// Edges between modules, leaving out a module naming its own ancestors or itself.
fn graph(known: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    known
        .iter()
        .map(|(module, text)| {
            let edges = paths_in(text)
                .iter()
                .filter_map(|path| target(path, module, known))
                .filter(|to| to != module && !module.starts_with(&format!("{to}::")))
                .filter(|to| to != "crate")
                .collect();
            (module.clone(), edges)
        })
        .collect()
}

/// A cycle through the graph, as the modules in order, if there is one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut found = path[start..].to_vec();
                found.push(node.to_string());
                return Some(found);
            }
            None => {}
        }
        marks.insert(node.to_string(), Mark::Open);
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, marks, path) {
                return Some(found);
            }
        }
        path.pop();
        marks.insert(node.to_string(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn the_modules_import_one_another_without_a_loop() {
    let known = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(known.contains_key("sources::github"), "{:?}", known.keys());
    let graph = graph(&known);
    assert!(
        graph["view"].contains("model"),
        "the reader sees edges: {:?}",
        graph["view"]
    );
    if let Some(found) = cycle(&graph) {
        panic!("an import loop: {}", found.join(" -> "));
    }
}

#[test]
fn the_reader_finds_a_loop_when_there_is_one() {
    let known: BTreeMap<String, String> = [
        ("a", "use crate::b::Thing;\n"),
        ("b", "use crate::{c::{self, Other}, d};\n"),
        ("c", "fn f() { super::a::g(); }\n"),
        ("d", "#[cfg(test)]\nmod tests { use crate::a; }\n"),
    ]
    .into_iter()
    .map(|(m, t)| (m.to_string(), without_tests(t)))
    .collect();
    let graph = graph(&known);
    assert_eq!(graph["b"], BTreeSet::from(["c".into(), "d".into()]));
    assert!(graph["d"].is_empty(), "tests are left out");
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
