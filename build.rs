//! Names the commit the binary was built from, for `andon --version`.
//!
//! From a git checkout of this crate: the short commit of HEAD (uncommitted edits are not marked:
//! cargo would not rerun this script for them).
//! From a crate tarball or any other tree: "unknown commit". `ANDON_COMMIT` overrides both,
//! for packagers who build from an exported tree.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ANDON_COMMIT");
    let commit = match std::env::var("ANDON_COMMIT") {
        Ok(commit) if !commit.trim().is_empty() => Some(commit.trim().to_string()),
        _ => git_commit(),
    };
    let version = env!("CARGO_PKG_VERSION");
    let line = match commit {
        Some(commit) => format!("{version} (commit {commit})"),
        None => format!("{version} (unknown commit)"),
    };
    println!("cargo:rustc-env=ANDON_VERSION_LINE={line}");
}

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?;
    Some(text.trim().to_string())
}

fn git_commit() -> Option<String> {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    // A crate unpacked inside some other repository must not take that repository's commit.
    let top = git(&["-C", &manifest_dir, "rev-parse", "--show-toplevel"])?;
    let same = |a: &str, b: &str| match (Path::new(a).canonicalize(), Path::new(b).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, &manifest_dir) {
        return None;
    }
    let commit = git(&["-C", &manifest_dir, "rev-parse", "--short=12", "HEAD"])?;
    watch_git(&manifest_dir);
    Some(commit)
}

/// Reruns this script when HEAD moves: a new commit or a checkout.
fn watch_git(manifest_dir: &str) {
    let Some(git_dir) = git(&["-C", manifest_dir, "rev-parse", "--absolute-git-dir"]) else {
        return;
    };
    let git_dir = Path::new(&git_dir);
    println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
    let common = git(&[
        "-C",
        manifest_dir,
        "rev-parse",
        "--path-format=absolute",
        "--git-common-dir",
    ])
    .map(std::path::PathBuf::from)
    .unwrap_or_else(|| git_dir.to_path_buf());
    println!(
        "cargo:rerun-if-changed={}",
        common.join("packed-refs").display()
    );
    if let Some(head_ref) = git(&["-C", manifest_dir, "symbolic-ref", "-q", "HEAD"]) {
        println!("cargo:rerun-if-changed={}", common.join(head_ref).display());
    }
}
