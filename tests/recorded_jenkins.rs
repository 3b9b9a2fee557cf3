//! The Jenkins source on answers kept by client libraries and by the Stage View plugin's own
//! tests (origins in tests/fixtures/SOURCES.md): folders, organisation folders and multibranch
//! projects are walked into or named as unread, never shown as a job that cannot be green.

mod support;

use andon::model::{BuildStatus, StageStatus};
use andon::setup::SourceKind;
use andon::sources::jenkins::{self, Root};
use support::ci::fixture;

fn recorded(name: &str) -> String {
    fixture("jenkins/recorded", name)
}

#[test]
fn folders_and_multibranch_projects_are_not_cards() {
    let text = recorded("jenkins-rest-jobsInRootFolder.json");
    let pipelines = jenkins::read_jobs(&text, &[]).unwrap();
    let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Test Tool",
            "Test Docker Slave",
            "Test Free Style",
            "Test Workflow Job"
        ]
    );
    assert_eq!(pipelines[2].status, BuildStatus::Failing, "color red");
    // The answer lists the folder and the multibranch project without their jobs: they are
    // named as unread, for the source to say so.
    let root: Root = serde_json::from_str(&text).unwrap();
    assert_eq!(
        jenkins::unread_folders(&root),
        ["Test MultiBranch Project", "Test Folder"]
    );
}

#[test]
fn a_folder_answer_lists_its_jobs() {
    let pipelines =
        jenkins::read_jobs(&recorded("jenkins-rest-jobsInJenkinsFolder.json"), &[]).unwrap();
    assert_eq!(pipelines.len(), 1);
    assert_eq!(pipelines[0].name, "Test Project");
}

/// Organisation folder > multibranch project > branches, told apart by `_class` alone (the
/// shape an organisation folder answers with; class names as the plugins export them).
#[test]
fn organisation_folders_nest_at_any_depth() {
    let text = r#"{"_class":"hudson.model.Hudson","jobs":[
        {"_class":"jenkins.branch.OrganizationFolder","name":"acme","jobs":[
          {"_class":"org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject","name":"shop","jobs":[
            {"_class":"org.jenkinsci.plugins.workflow.job.WorkflowJob","name":"main","color":"blue"},
            {"_class":"org.jenkinsci.plugins.workflow.job.WorkflowJob","name":"PR-7","color":"red_anime"}]},
          {"_class":"org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject","name":"empty","jobs":[]}]},
        {"_class":"com.cloudbees.hudson.plugins.folder.Folder","name":"deep"}]}"#;
    let pipelines = jenkins::read_jobs(text, &[]).unwrap();
    let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["acme/shop/main", "acme/shop/PR-7"]);
    assert!(pipelines[1].building);
    let root: Root = serde_json::from_str(text).unwrap();
    assert_eq!(jenkins::unread_folders(&root), ["deep"]);
}

fn wfapi_run(file: &str, name: &str) -> String {
    let runs: Vec<serde_json::Value> = serde_json::from_str(&recorded(file)).unwrap();
    runs.into_iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("{file} has no run {name}"))
        .to_string()
}

#[test]
fn stage_view_runs_give_real_stage_names_and_states() {
    let failed =
        jenkins::read_wfapi(&wfapi_run("stage-view-04_rest_api_runs_failed.json", "#3")).unwrap();
    let stages: Vec<(&str, StageStatus)> =
        failed.iter().map(|s| (s.name.as_str(), s.status)).collect();
    assert_eq!(
        stages,
        [
            ("Dev", StageStatus::Passed),
            ("QA", StageStatus::Passed),
            ("Staging", StageStatus::Failed)
        ]
    );
    let running = jenkins::read_wfapi(&wfapi_run(
        "stage-view-07_rest_api_runs_in_progress.json",
        "#1",
    ))
    .unwrap();
    assert_eq!(running[1].name, "Production");
    assert_eq!(running[1].status, StageStatus::Running);
    assert!(running[1].finished_at.is_none());
}

#[test]
fn the_tree_depth_is_configurable_and_bounded() {
    let config = |extra: &str| {
        andon::setup::parse(
            &format!("[[source]]\nname = \"j\"\nkind = \"jenkins\"\nurl = \"http://ci\"\n{extra}"),
            "a.toml",
        )
    };
    let depth_of = |c: andon::setup::Config| match &c.sources[0].kind {
        SourceKind::Jenkins(j) => j.depth,
        _ => unreachable!(),
    };
    assert_eq!(depth_of(config("").unwrap()), jenkins::DEFAULT_DEPTH);
    assert_eq!(depth_of(config("depth = 6\n").unwrap()), 6);
    for bad in ["depth = 0\n", "depth = 11\n", "depth = -1\n"] {
        let e = config(bad).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (5, "source[0].depth"), "{bad}");
    }
    let e = andon::setup::parse(
        "[[source]]\nname = \"g\"\nkind = \"cctray\"\nurl = \"http://ci/cc.xml\"\ndepth = 2\n",
        "a.toml",
    )
    .unwrap_err();
    assert_eq!(e.field, "source[0].depth");
}
