//! cctray (cctray.org v1): the status feed served by Jenkins, GoCD, Concourse, Buildkite and others.

use chrono::{DateTime, NaiveDateTime, Utc};
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::config::{ConfigError, KindConfig, SourceFields};
use crate::credentials::Auth;
use crate::model::{BuildStatus, Pipeline, Snapshot, Timestamp};
use crate::sources::{SourceError, cctray_text, http};

/// A CCTray feed (`cc.xml`), which most CI servers publish.
#[derive(Debug, Clone, PartialEq)]
pub struct CctrayConfig {
    pub url: String,
}

impl KindConfig for CctrayConfig {
    const NAME: &'static str = "cctray";
    const KEYS: &'static [&'static str] = &["url"];
    const REQUIRED: &'static [&'static str] = &["url"];
    const LONG_POLL: bool = false;

    fn from_raw(source: &SourceFields) -> Result<Self, ConfigError> {
        Ok(CctrayConfig {
            url: source.required_url()?,
        })
    }

    fn describe(&self) -> String {
        http::redact(&self.url)
    }

    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    fn auth(&self) -> Option<&Auth> {
        None
    }

    fn api_url(&self) -> Option<&str> {
        None
    }
}

const WHAT: &str = "cctray feed";

pub struct CctraySource {
    config: CctrayConfig,
    client: http::Client,
    skipped: crate::sources::pelorus::SkippedLog,
}

impl CctraySource {
    /// The URL polled, whose host's rate limit this source follows.
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// When the next poll may start without outrunning the server's rate limit; None when now.
    pub fn ready_at(&self, now: Timestamp) -> Option<Timestamp> {
        self.client.ready_at(&self.config.url, now)
    }

    pub fn new(config: CctrayConfig, client: http::Client) -> CctraySource {
        CctraySource {
            config,
            client,
            skipped: Default::default(),
        }
    }

    pub async fn poll(&self) -> Result<Snapshot, SourceError> {
        let (content_type, bytes) = self.fetch().await?;
        let xml = cctray_text::decode(bytes, content_type.as_deref())?;
        let feed = parse_feed(&xml)?;
        drop(xml);
        if self.skipped.changed(feed.skipped) {
            tracing::warn!(
                url = %http::redact(&self.config.url),
                skipped = feed.skipped,
                "<Project> entries without a name skipped (logged when the count changes)"
            );
        }
        Ok(Snapshot {
            pipelines: feed.pipelines,
            ..Snapshot::default()
        })
    }

    /// The feed's bytes, bounded, and its `Content-Type`: the text is decoded by the charset
    /// the feed names, which need not be UTF-8.
    async fn fetch(&self) -> Result<(Option<String>, Vec<u8>), SourceError> {
        let request = self.client.get(&self.config.url);
        let response = http::send_politely(&self.client, request, &self.config.url).await?;
        let status = response.status();
        let content_type = http::content_type(&response);
        let body = http::read_capped_bytes(response, http::body_limit()).await?;
        if !status.is_success() {
            return Err(http::status_error(status, &String::from_utf8_lossy(&body)));
        }
        Ok((content_type, body))
    }
}

/// A feed's projects, and how many `<Project>` entries were skipped (no name).
#[derive(Debug, Default)]
pub struct Feed {
    pub pipelines: Vec<Pipeline>,
    pub skipped: usize,
}

/// Reads a cctray document into pipelines, in the order the feed lists them.
pub fn parse(xml: &str) -> Result<Vec<Pipeline>, SourceError> {
    parse_feed(xml).map(|feed| feed.pipelines)
}

/// Like `parse`, counting the projects it had to skip: one `<Project>` without a name does
/// not cost the whole feed.
pub fn parse_feed(xml: &str) -> Result<Feed, SourceError> {
    let xml = xml.trim_start_matches('\u{feff}');
    if looks_like_html(xml) {
        return Err(got_html());
    }
    let mut reader = Reader::from_str(xml);
    loop {
        match next_event(&mut reader)? {
            Event::Start(root) => {
                expect_projects_root(&root)?;
                // Sized once: a doubling vector of a big feed's projects holds half as many
                // again, and both halves while it grows. A hint, counted from the text, and
                // never more than the text could hold (`<Project name="a"/>` is 19 bytes), so
                // a feed of bare "<Project" words cannot reserve more than real projects would.
                let projects = xml.matches("<Project").count().min(xml.len() / 19);
                return read_projects(&mut reader, projects);
            }
            Event::Empty(root) => {
                expect_projects_root(&root)?;
                return Ok(Feed::default());
            }
            Event::Text(text) if !text.trim().is_empty() => {
                return Err(malformed(format!(
                    "expected <Projects>, got text {:?}",
                    http::excerpt(&text)
                )));
            }
            Event::Eof => return Err(malformed("empty document, expected <Projects>")),
            _ => {}
        }
    }
}

fn looks_like_html(xml: &str) -> bool {
    let start: String = xml.trim_start().chars().take(14).collect();
    let start = start.to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

fn expect_projects_root(root: &BytesStart) -> Result<(), SourceError> {
    let name = root.local_name();
    let name: &str = name.as_ref();
    if name == "Projects" {
        Ok(())
    } else if name.eq_ignore_ascii_case("html") {
        Err(got_html())
    } else {
        Err(malformed(format!("expected <Projects> root, got <{name}>")))
    }
}

/// Reads the children of `<Projects>` up to its end tag.
fn read_projects(reader: &mut Reader<&[u8]>, projects: usize) -> Result<Feed, SourceError> {
    let mut feed = Feed {
        pipelines: Vec::with_capacity(projects),
        skipped: 0,
    };
    // Depth below <Projects>; only direct children are projects.
    let mut depth = 0usize;
    loop {
        match next_event(reader)? {
            Event::Empty(e) if depth == 0 && is_named(&e, "Project") => match project(&e)? {
                Some(pipeline) => feed.pipelines.push(pipeline),
                None => feed.skipped += 1,
            },
            Event::Start(e) if depth == 0 && is_named(&e, "Project") => {
                let project = project(&e)?;
                let breakers = read_project_children(reader)?;
                match project {
                    Some(mut pipeline) => {
                        pipeline.breakers = breakers;
                        feed.pipelines.push(pipeline);
                    }
                    None => feed.skipped += 1,
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(feed),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(truncated("Projects")),
            _ => {}
        }
    }
}

/// Reads a `<Project>`'s children up to its end tag, returning the breakers GoCD lists there.
fn read_project_children(reader: &mut Reader<&[u8]>) -> Result<Vec<String>, SourceError> {
    let mut breakers = Vec::new();
    let mut depth = 0usize;
    loop {
        match next_event(reader)? {
            Event::Empty(e) if is_named(&e, "message") => breakers.extend(breakers_in(&e)?),
            Event::Start(e) => {
                if is_named(&e, "message") {
                    breakers.extend(breakers_in(&e)?);
                }
                depth += 1;
            }
            Event::End(_) if depth == 0 => return Ok(breakers),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(truncated("Project")),
            _ => {}
        }
    }
}

/// `<message kind="Breakers" text="alice, bob"/>` names who broke the build; other kinds say nothing.
fn breakers_in(message: &BytesStart) -> Result<Vec<String>, SourceError> {
    let mut kind = None;
    let mut text = None;
    for (key, value) in attributes(message)? {
        match key.as_str() {
            "kind" => kind = Some(value),
            "text" => text = Some(value),
            _ => {}
        }
    }
    if kind.as_deref() != Some("Breakers") {
        return Ok(Vec::new());
    }
    Ok(text
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(String::from)
        .collect())
}

#[derive(Default)]
struct ProjectAttributes {
    name: Option<String>,
    activity: Option<String>,
    last_build_status: Option<String>,
    last_build_label: Option<String>,
    last_build_time: Option<String>,
    web_url: Option<String>,
}

/// The pipeline a `<Project>` element describes; `None` for one without a name, which cannot
/// be shown (or told from the next nameless one).
fn project(element: &BytesStart) -> Result<Option<Pipeline>, SourceError> {
    let mut found = ProjectAttributes::default();
    // Read in place: a big feed has hundreds of thousands of attributes, and only the values
    // kept need a string of their own.
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|e| malformed(format!("bad attribute: {e}")))?;
        let key: &str = attribute.key.local_name().into_inner();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| malformed(format!("bad value of attribute {key}: {e}")))?;
        let slot = match key {
            "name" => &mut found.name,
            "activity" => &mut found.activity,
            "lastBuildStatus" => &mut found.last_build_status,
            "lastBuildLabel" => &mut found.last_build_label,
            "lastBuildTime" => &mut found.last_build_time,
            "webUrl" => &mut found.web_url,
            _ => continue,
        };
        // Servers write empty strings for values they lack; treat those as missing.
        *slot = Some(value.into_owned()).filter(|v| !v.trim().is_empty());
    }
    let Some(name) = found.name else {
        return Ok(None);
    };
    let mut pipeline = Pipeline::new(name, build_status(found.last_build_status.as_deref()));
    pipeline.building = is_building(found.activity.as_deref());
    pipeline.label = found.last_build_label;
    pipeline.url = found.web_url;
    pipeline.last_build_at = found.last_build_time.as_deref().and_then(build_time);
    Ok(Some(pipeline))
}

/// An element's attributes as (name, unescaped value) pairs.
fn attributes(element: &BytesStart) -> Result<Vec<(String, String)>, SourceError> {
    element
        .attributes()
        .map(|attribute| {
            let attribute = attribute.map_err(|e| malformed(format!("bad attribute: {e}")))?;
            let key = attribute.key.local_name().as_ref().to_string();
            let value = attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| malformed(format!("bad value of attribute {key}: {e}")))?;
            Ok((key, value.into_owned()))
        })
        .collect()
}

fn build_status(word: Option<&str>) -> BuildStatus {
    match word.map(str::trim) {
        Some(w) if w.eq_ignore_ascii_case("Success") => BuildStatus::Passing,
        Some(w) if w.eq_ignore_ascii_case("Failure") || w.eq_ignore_ascii_case("Exception") => {
            BuildStatus::Failing
        }
        _ => BuildStatus::Unknown,
    }
}

/// Building, and Pending/Queued from servers that report runs waiting for an agent.
/// Sleeping and CheckingModifications are idle; unknown words are not taken as building.
fn is_building(activity: Option<&str>) -> bool {
    activity.is_some_and(|word| {
        ["Building", "Pending", "Queued"]
            .iter()
            .any(|busy| word.trim().eq_ignore_ascii_case(busy))
    })
}

/// ISO 8601 with an offset (`Z`, `+01:00`, `+0100`) or without one (taken as UTC), any number of
/// fractional digits. A time that cannot be read is dropped rather than failing the whole feed.
fn build_time(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    let with_offset = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .map(|time| time.with_timezone(&Utc));
    let time = with_offset.ok().or_else(|| {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
            .ok()
            .map(|naive| naive.and_utc())
    });
    if time.is_none() {
        tracing::debug!(
            lastBuildTime = text,
            "cctray: unreadable build time ignored"
        );
    }
    time
}

fn next_event<'a>(reader: &mut Reader<&'a [u8]>) -> Result<Event<'a>, SourceError> {
    reader.read_event().map_err(|e| {
        malformed(format!(
            "invalid XML at byte {}: {e}",
            reader.error_position()
        ))
    })
}

fn is_named(element: &BytesStart, name: &str) -> bool {
    element.local_name().as_ref() == name
}

fn malformed(detail: impl std::fmt::Display) -> SourceError {
    SourceError::malformed(WHAT, detail)
}

fn got_html() -> SourceError {
    malformed("expected <Projects>, got HTML")
}

fn truncated(element: &str) -> SourceError {
    malformed(format!("truncated: the document ends inside <{element}>"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn only(xml: &str) -> Pipeline {
        let pipelines = parse(xml).unwrap();
        assert_eq!(pipelines.len(), 1, "{pipelines:?}");
        pipelines.into_iter().next().unwrap()
    }

    fn project_with(attributes: &str) -> Pipeline {
        only(&format!(
            r#"<Projects><Project name="p" {attributes}/></Projects>"#
        ))
    }

    fn error_of(xml: &str) -> String {
        parse(xml).unwrap_err().reason
    }

    const JENKINS: &str = r#"<Projects>
  <Project webUrl="https://ci.example.org/job/api/" name="api" lastBuildLabel="142" lastBuildTime="2024-03-05T14:03:21Z" lastBuildStatus="Success" activity="Sleeping"/>
  <Project webUrl="https://ci.example.org/job/web/" name="web" lastBuildLabel="87" lastBuildTime="2024-03-05T13:50:02Z" lastBuildStatus="Failure" activity="Building"/>
</Projects>"#;

    const GOCD: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<Projects>
  <Project name="checkout :: build" activity="Sleeping" lastBuildStatus="Failure" lastBuildLabel="311" lastBuildTime="2024-03-05T09:12:44" webUrl="https://gocd.example.org/go/pipelines/checkout/311/build/1">
    <messages>
      <message text="alice, Bob Smith &lt;bob@example.org&gt;" kind="Breakers" />
    </messages>
  </Project>
  <Project name="checkout :: build :: unit-tests" activity="Sleeping" lastBuildStatus="Failure" lastBuildLabel="311" lastBuildTime="2024-03-05T09:12:44" webUrl="https://gocd.example.org/go/tab/build/detail/checkout/311/build/1/unit-tests">
    <messages>
      <message text="alice, Bob Smith &lt;bob@example.org&gt;" kind="Breakers" />
    </messages>
  </Project>
  <Project name="checkout :: deploy" activity="Building" lastBuildStatus="Success" lastBuildLabel="310" lastBuildTime="2024-03-04T17:40:00" webUrl="https://gocd.example.org/go/pipelines/checkout/310/deploy/1" />
</Projects>"#;

    const BUILDKITE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Projects>
  <Project name="acme/payments (main)" activity="Sleeping" lastBuildStatus="Success" lastBuildLabel="4021" lastBuildTime="2024-03-05T14:03:21.000Z" webUrl="https://buildkite.com/acme/payments/builds/4021"/>
  <Project name="acme/search (main)" activity="Sleeping" lastBuildStatus="Unknown" lastBuildLabel="" lastBuildTime="" webUrl="https://buildkite.com/acme/search/builds"/>
</Projects>
"#;

    #[test]
    fn jenkins_feed() {
        let pipelines = parse(JENKINS).unwrap();
        let api = &pipelines[0];
        assert_eq!(api.name, "api");
        assert_eq!(api.status, BuildStatus::Passing);
        assert!(!api.building);
        assert_eq!(api.label.as_deref(), Some("142"));
        assert_eq!(api.url.as_deref(), Some("https://ci.example.org/job/api/"));
        assert_eq!(api.last_build_at, Some(utc(2024, 3, 5, 14, 3, 21)));
        assert_eq!(api.stage, None);
        assert!(api.breakers.is_empty());
        let web = &pipelines[1];
        assert_eq!((web.status, web.building), (BuildStatus::Failing, true));
    }

    #[test]
    fn gocd_feed_with_breakers_and_stage_names() {
        let pipelines = parse(GOCD).unwrap();
        let names: Vec<&str> = pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "checkout :: build",
                "checkout :: build :: unit-tests",
                "checkout :: deploy"
            ]
        );
        let build = &pipelines[0];
        assert_eq!(build.status, BuildStatus::Failing);
        assert_eq!(build.breakers, ["alice", "Bob Smith <bob@example.org>"]);
        assert_eq!(build.last_build_at, Some(utc(2024, 3, 5, 9, 12, 44)));
        assert_eq!(build.stage, None);
        assert_eq!(pipelines[1].breakers.len(), 2);
        let deploy = &pipelines[2];
        assert_eq!(
            (deploy.status, deploy.building),
            (BuildStatus::Passing, true)
        );
        assert!(deploy.breakers.is_empty());
    }

    #[test]
    fn buildkite_feed_with_empty_optional_values() {
        let pipelines = parse(BUILDKITE).unwrap();
        assert_eq!(pipelines[0].name, "acme/payments (main)");
        assert_eq!(pipelines[0].last_build_at, Some(utc(2024, 3, 5, 14, 3, 21)));
        let search = &pipelines[1];
        assert_eq!(search.status, BuildStatus::Unknown);
        assert_eq!(search.label, None);
        assert_eq!(search.last_build_at, None);
    }

    #[test]
    fn status_words() {
        let status = |word: &str| project_with(&format!(r#"lastBuildStatus="{word}""#)).status;
        assert_eq!(status("Success"), BuildStatus::Passing);
        assert_eq!(status("Failure"), BuildStatus::Failing);
        assert_eq!(status("Exception"), BuildStatus::Failing);
        assert_eq!(status("Unknown"), BuildStatus::Unknown);
        assert_eq!(status("Aborted"), BuildStatus::Unknown);
        assert_eq!(project_with("").status, BuildStatus::Unknown);
    }

    #[test]
    fn activity_words() {
        let building = |word: &str| project_with(&format!(r#"activity="{word}""#)).building;
        assert!(building("Building"));
        assert!(building("Pending"));
        assert!(!building("Sleeping"));
        assert!(!building("CheckingModifications"));
        assert!(!building("Paused"));
        assert!(!project_with("").building);
    }

    #[test]
    fn only_name_is_required() {
        let p = only(r#"<Projects><Project name="lonely"/></Projects>"#);
        assert_eq!(p, Pipeline::new("lonely", BuildStatus::Unknown));
    }

    #[test]
    fn build_times() {
        let at = |time: &str| project_with(&format!(r#"lastBuildTime="{time}""#)).last_build_at;
        assert_eq!(at("2024-03-05T14:03:21Z"), Some(utc(2024, 3, 5, 14, 3, 21)));
        assert_eq!(
            at("2024-03-05T15:03:21+01:00"),
            Some(utc(2024, 3, 5, 14, 3, 21))
        );
        assert_eq!(at("2024-03-05T14:03:21"), Some(utc(2024, 3, 5, 14, 3, 21)));
        // Travis writes %z without a colon.
        assert_eq!(
            at("2024-03-05T16:03:21.000+0200"),
            Some(utc(2024, 3, 5, 14, 3, 21))
        );
        // CruiseControl.NET writes .NET round-trip times with seven fractional digits.
        let dotnet = at("2009-02-02T15:35:14.3812500+00:00").unwrap();
        assert_eq!(dotnet.timestamp_subsec_nanos(), 381_250_000);
        let no_offset = at("2009-02-02T15:35:14.3812500").unwrap();
        assert_eq!(no_offset, dotnet);
    }

    #[test]
    fn unreadable_time_is_dropped_not_fatal() {
        let p = project_with(r#"lastBuildStatus="Success" lastBuildTime="yesterday""#);
        assert_eq!(p.last_build_at, None);
        assert_eq!(p.status, BuildStatus::Passing);
        assert_eq!(
            project_with(r#"lastBuildTime="2024-13-45T99:00:00Z""#).last_build_at,
            None
        );
    }

    #[test]
    fn entities_in_attributes_are_unescaped() {
        let p = only(
            r#"<Projects><Project name="R&amp;D &quot;core&quot; &#8594; &lt;main&gt; it&apos;s" webUrl="https://ci.example.org/job?a=1&amp;b=2"/></Projects>"#,
        );
        assert_eq!(p.name, "R&D \"core\" → <main> it's");
        assert_eq!(p.url.as_deref(), Some("https://ci.example.org/job?a=1&b=2"));
    }

    #[test]
    fn bom_declaration_comments_and_open_close_projects() {
        let xml = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- generated -->\n<Projects>\n  <Project name=\"a\" lastBuildStatus=\"Success\"></Project>\n  <Project name=\"b\" lastBuildStatus=\"Failure\"/>\n</Projects>\n";
        let pipelines = parse(xml).unwrap();
        let statuses: Vec<_> = pipelines
            .iter()
            .map(|p| (p.name.as_str(), p.status))
            .collect();
        assert_eq!(
            statuses,
            [("a", BuildStatus::Passing), ("b", BuildStatus::Failing)]
        );
    }

    #[test]
    fn message_kinds_other_than_breakers_are_ignored() {
        let p = only(
            r#"<Projects><Project name="p"><messages><message kind="FailingTasks" text="compile, test"/><message kind="Breakers" text=" carol ,, "/></messages></Project></Projects>"#,
        );
        assert_eq!(p.breakers, ["carol"]);
    }

    #[test]
    fn unknown_elements_are_skipped() {
        let xml = r#"<Projects><Category name="x"><Project name="nested"/></Category><Project name="top"/></Projects>"#;
        let names: Vec<String> = parse(xml).unwrap().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["top"]);
    }

    #[test]
    fn projects_without_project_is_an_empty_list() {
        assert_eq!(parse("<Projects/>").unwrap(), []);
        assert_eq!(
            parse("<?xml version=\"1.0\"?>\n<Projects>\n</Projects>\n").unwrap(),
            []
        );
    }

    #[test]
    fn html_page_is_named() {
        let login = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title></head><body></body></html>";
        assert_eq!(
            error_of(login),
            "malformed cctray feed: expected <Projects>, got HTML"
        );
        let xhtml =
            "<?xml version=\"1.0\"?>\n<html xmlns=\"http://www.w3.org/1999/xhtml\"><body/></html>";
        assert!(error_of(xhtml).contains("expected <Projects>, got HTML"));
        assert!(error_of("\n  <HTML><BODY>Bad gateway</BODY></HTML>").contains("got HTML"));
    }

    #[test]
    fn other_roots_are_refused() {
        let e = error_of(r#"<rss version="2.0"><channel/></rss>"#);
        assert_eq!(
            e,
            "malformed cctray feed: expected <Projects> root, got <rss>"
        );
        assert!(error_of(r#"{"projects": []}"#).contains("expected <Projects>, got text"));
        assert!(error_of("").contains("empty document"));
        assert!(error_of("  \n").contains("empty document"));
    }

    #[test]
    fn truncated_documents_are_refused() {
        let cut = &JENKINS[..JENKINS.len() - "</Projects>".len()];
        assert!(error_of(cut).contains("truncated"), "{}", error_of(cut));
        let mid_project = r#"<Projects><Project name="a"><messages>"#;
        assert!(error_of(mid_project).contains("truncated"));
        let mid_tag = r#"<Projects><Project name="a" lastBuildSta"#;
        assert!(error_of(mid_tag).starts_with("malformed cctray feed: "));
    }

    #[test]
    fn broken_xml_is_refused_with_a_position() {
        let e = error_of(r#"<Projects><Project name="a"></Projects>"#);
        assert!(e.contains("invalid XML at byte"), "{e}");
    }

    #[test]
    fn a_project_without_a_name_is_skipped_and_counted() {
        let feed = parse_feed(
            r#"<Projects><Project name="a"/><Project activity="Sleeping"/><Project name=" "><messages/></Project><Project name="b"/></Projects>"#,
        )
        .unwrap();
        let names: Vec<&str> = feed.pipelines.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(feed.skipped, 2);
    }
}
