//! The minifb viewer and `play`. These need an X display: `make test` runs them under
//! `scripts/with-display.sh` (xvfb-run) with `DQN_REQUIRE_DISPLAY=1`, and then a missing display
//! fails them. A plain `cargo test` without DISPLAY says they are skipped. Without a display,
//! opening a window must be a one-line error.

use envs::play::{play, PlayOptions};
use envs::viewer::{check_scale, fit_scale, parse_scale, Viewer, ViewerError, SCALES};
use envs::Frame;

fn display() -> bool {
    let has = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    assert!(
        has || std::env::var("DQN_REQUIRE_DISPLAY").as_deref() != Ok("1"),
        "DQN_REQUIRE_DISPLAY=1 but DISPLAY is not set: run under scripts/with-display.sh"
    );
    if !has {
        println!(
            "SKIPPED: DISPLAY is not set; run under `scripts/with-display.sh cargo test -p envs --test core_viewer`"
        );
    }
    has
}

#[test]
fn window_opens_and_shows_frames() {
    if !display() {
        return;
    }
    let mut viewer = Viewer::open("core_viewer test", 160, 210, 2).unwrap();
    viewer.set_target_fps(0);
    let mut f = Frame::new(160, 210);
    f.fill([10, 200, 30]);
    for _ in 0..3 {
        viewer.show(&f).unwrap();
    }
    assert!(viewer.is_open());
    assert!(!viewer.keys().escape);
    assert!(matches!(viewer.show(&Frame::new(10, 10)), Err(ViewerError::Window(_))));
    // The default scale fits the screen: xvfb-run's is 1280×1024 in `make test`.
    let s = fit_scale(160, 232);
    assert!(SCALES.contains(&s) && 232 * s <= 1024, "{s}");
}

#[test]
fn play_runs_frames_and_saves_a_screenshot_at_the_window_scale() {
    if !display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("play.png");
    let opts = PlayOptions {
        fps: 0,
        scale: Some(2),
        max_frames: Some(30),
        screenshot: Some(shot.clone()),
        ..PlayOptions::default()
    };
    let summary = play("breakout", &opts).unwrap();
    assert_eq!((summary.frames, summary.scale), (30, 2));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let reader = decoder.read_info().unwrap();
    // 160×210 picture + 22-pixel footer, at 2×.
    assert_eq!((reader.info().width, reader.info().height), (320, 464));
    assert!(matches!(play("nope", &opts), Err(ViewerError::Env(_))));
    let too_big = PlayOptions { scale: Some(9), ..opts };
    let err = play("pong", &too_big).err().unwrap().to_string();
    assert!(err.contains("1..=8"), "{err}");
}

#[test]
fn one_scale_range_is_checked() {
    assert_eq!(parse_scale("8"), Ok(8));
    for bad in ["0", "9", "x", "-1"] {
        let msg = parse_scale(bad).unwrap_err();
        assert!(msg.contains("1..=8"), "{bad}: {msg}");
    }
    assert!(check_scale(1).is_ok() && check_scale(17).is_err());
}

/// Set in the child process of [`no_display_is_a_one_line_error`].
const CHILD: &str = "DQN_TEST_NO_DISPLAY_CHILD";

#[test]
fn no_display_is_a_one_line_error() {
    if std::env::var_os(CHILD).is_some() {
        let err = Viewer::open("x", 10, 10, 1).err().expect("no display must be an error");
        let msg = err.to_string();
        assert!(!msg.contains('\n'), "{msg}");
        println!("NO-DISPLAY-ERROR: {msg}");
        return;
    }
    // Run this test again in a child without DISPLAY, so it runs under xvfb-run too.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "no_display_is_a_one_line_error",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_remove("DISPLAY")
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("NO-DISPLAY-ERROR: ").map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("the child printed no error: {stdout}"));
    assert!(line.contains("dqn record") && line.contains("DISPLAY"), "{line}");
}
