//! Data flows (`flows`): traces and code frames of findings on each backend, and code read at
//! a commit (`git::file_lines`) from a project's local repository.

mod common;
use common::http::scan;
use common::repo::{commit, git, repo};
use common::{databases, finding};
use rampart_server::auth;
use rampart_server::flows::{self, CodeLine, FrameSource};
use rampart_server::git::{Source, file_lines};
use rampart_server::projects::{self, ProjectFields};
use serde_json::json;

/// A finding `fp` at `path:line` with a trace through `steps` (path, line, function).
fn traced(
    fp: &str,
    path: &str,
    line: u32,
    steps: &[(&str, u32, Option<&str>)],
) -> rampart_ingest::Imported {
    let mut f = finding("rampart", "sast/taint", fp, path, line);
    let trace: Vec<_> = steps
        .iter()
        .map(|(p, l, func)| {
            let mut s = json!({"location": {"path": p, "start_line": l, "start_col": 1, "end_line": l, "end_col": 5},
                               "message": format!("at {p}:{l}")});
            if let Some(func) = func {
                s["function"] = json!(func);
            }
            s
        })
        .collect();
    f.extra = json!({"trace": trace, "context": [{"line": line, "text": "report line"}]});
    f
}

#[tokio::test]
async fn traces_of_findings_and_of_a_project() {
    for db in databases().await {
        eprintln!("backend: {}", db.name);
        let s = &db.store;
        let tenant = auth::create_tenant(s, "a").await.unwrap();
        let other = auth::create_tenant(s, "b").await.unwrap();
        let p = projects::create(
            s,
            tenant,
            &ProjectFields {
                name: Some("web".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let a = traced(
            "A",
            "db.py",
            9,
            &[
                ("app.py", 3, Some("handler")),
                ("db.py", 9, Some("Store.find")),
            ],
        );
        let b = traced(
            "B",
            "db.py",
            12,
            &[("app.py", 3, Some("handler")), ("db.py", 12, None)],
        );
        let one_step = traced("C", "x.py", 1, &[("x.py", 1, None)]);
        let plain = finding("rampart", "sast/other", "D", "y.py", 2);
        let scan_id = scan(
            s,
            p.id,
            "c0ffee01",
            "main",
            &["rampart"],
            vec![a, b, one_step, plain],
        )
        .await;

        // One finding's places with their traces and frames, at the scan's commit.
        let list = rampart_server::findings::list(
            s,
            p.id,
            &rampart_server::findings::Filter {
                branch: "main".into(),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let id_of = |fp: &str| list.items.iter().find(|f| f.fingerprint == fp).unwrap().id;
        let f = flows::of_finding(s, tenant, id_of("A"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((f.scan, f.commit.as_str()), (scan_id, "c0ffee01"));
        assert_eq!(f.places.len(), 1);
        let place = &f.places[0];
        assert_eq!((place.path.as_str(), place.line), ("db.py", 9));
        assert_eq!(place.trace.len(), 2);
        assert_eq!(place.trace[1].function.as_deref(), Some("Store.find"));
        assert_eq!(
            place.context,
            vec![CodeLine {
                line: 9,
                text: "report line".into()
            }]
        );
        // Another tenant does not see it.
        assert!(
            flows::of_finding(s, other, id_of("A"))
                .await
                .unwrap()
                .is_none()
        );
        // A finding without a trace has places without one.
        let d = flows::of_finding(s, tenant, id_of("D"))
            .await
            .unwrap()
            .unwrap();
        assert!(d.places[0].trace.is_empty());

        // The project's open findings with a trace of two steps or more, by id.
        let (open, more) = flows::open_traced(s, p.id, "main", 100).await.unwrap();
        let fps: Vec<i64> = open.iter().map(|t| t.id).collect();
        assert_eq!(fps, vec![id_of("A"), id_of("B")]);
        assert!(!more);
        let (cut, more) = flows::open_traced(s, p.id, "main", 1).await.unwrap();
        assert_eq!((cut.len(), more), (1, true));
        assert!(
            flows::open_traced(s, p.id, "dev", 100)
                .await
                .unwrap()
                .0
                .is_empty()
        );

        // Fixed findings are not open: a later scan without A leaves B.
        let b2 = traced(
            "B",
            "db.py",
            12,
            &[("app.py", 3, None), ("db.py", 12, None)],
        );
        scan(s, p.id, "c0ffee02", "main", &["rampart"], vec![b2]).await;
        let (open, _) = flows::open_traced(s, p.id, "main", 100).await.unwrap();
        assert_eq!(
            open.iter().map(|t| t.id).collect::<Vec<_>>(),
            vec![id_of("B")]
        );
        db.done().await;
    }
}

#[test]
fn file_lines_reads_a_commit_and_refuses_what_it_must() {
    let dir = repo();
    let first = commit(dir.path(), &[("app.py", "one\ntwo\nthree\nfour\nfive\n")]);
    std::fs::create_dir(dir.path().join("lib")).unwrap();
    let second = commit(
        dir.path(),
        &[("app.py", "ONE\nTWO\n"), ("lib/db.py", "a\r\nb\r\n")],
    );
    let src = Source {
        project: 1,
        remote: None,
        local_path: Some(dir.path().to_string_lossy().to_string()),
    };
    // The file as it was at each commit, whatever the work tree holds now.
    std::fs::write(dir.path().join("app.py"), "changed\n").unwrap();
    assert_eq!(
        file_lines(None, &src, &first, "app.py", 2..=4).unwrap(),
        vec![(2, "two".into()), (3, "three".into()), (4, "four".into())]
    );
    assert_eq!(
        file_lines(None, &src, &second, "app.py", 1..=9).unwrap(),
        vec![(1, "ONE".into()), (2, "TWO".into())]
    );
    assert_eq!(
        file_lines(None, &src, &second, "lib/db.py", 1..=1).unwrap(),
        vec![(1, "a".into())]
    );
    // Missing file, line past the end, unknown commit, refused paths and commits.
    assert!(file_lines(None, &src, &first, "lib/db.py", 1..=3).is_err());
    assert!(file_lines(None, &src, &second, "app.py", 7..=9).is_err());
    assert!(file_lines(None, &src, "deadbeef", "app.py", 1..=3).is_err());
    for bad in ["../etc/passwd", "lib/../app.py", "-x", "/etc/passwd", ""] {
        let e = file_lines(None, &src, &first, bad, 1..=3).unwrap_err();
        assert!(e.contains("not a path"), "{bad}: {e}");
    }
    assert!(
        file_lines(None, &src, "HEAD", "app.py", 1..=3)
            .unwrap_err()
            .contains("not a commit")
    );
    // A binary file is not shown; a remote without a mirror is not fetched.
    std::fs::write(dir.path().join("bin.dat"), b"a\0b").unwrap();
    git(dir.path(), &["add", "bin.dat"]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "-m",
            "b",
        ],
    );
    let third = git(dir.path(), &["rev-parse", "HEAD"]);
    assert!(
        file_lines(None, &src, &third, "bin.dat", 1..=1)
            .unwrap_err()
            .contains("binary")
    );
    let data = tempfile::tempdir().unwrap();
    let remote = Source {
        project: 7,
        remote: Some(dir.path().to_string_lossy().to_string()),
        local_path: None,
    };
    assert!(file_lines(Some(data.path()), &remote, &first, "app.py", 1..=1).is_err());
    assert!(!data.path().join("repos").exists(), "nothing cloned");
    // With a mirror in the data folder, it is read.
    std::fs::create_dir(data.path().join("repos")).unwrap();
    git(
        data.path(),
        &[
            "clone",
            "-q",
            "--mirror",
            &dir.path().to_string_lossy(),
            "repos/7.git",
        ],
    );
    assert_eq!(
        file_lines(Some(data.path()), &remote, &first, "app.py", 5..=5).unwrap(),
        vec![(5, "five".into())]
    );

    // Frames: at the commit when it is there, else the report's, else none; each says which.
    let report = vec![CodeLine {
        line: 2,
        text: "from the report".into(),
    }];
    let places = vec![
        ("app.py".to_string(), 3, 3, report.clone()),
        ("gone.py".to_string(), 2, 2, report.clone()),
        ("gone.py".to_string(), 2, 2, Vec::new()),
    ];
    let frames = flows::frames(None, &src, &first, &places, 1, 10);
    assert_eq!(frames[0].source, FrameSource::Commit);
    assert_eq!(
        frames[0].lines,
        vec![
            (2, "two".into(), false),
            (3, "three".into(), true),
            (4, "four".into(), false)
        ]
    );
    assert_eq!(frames[1].source, FrameSource::Report);
    assert_eq!(frames[1].lines, vec![(2, "from the report".into(), true)]);
    assert!(frames[1].unavailable.is_some());
    assert_eq!(frames[2].source, FrameSource::None);
}
