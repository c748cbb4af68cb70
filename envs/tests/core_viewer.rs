//! The minifb viewer and `play`. These need an X display: without DISPLAY they print that they
//! are skipped (CI runs them under `xvfb-run -a`). Without a display, opening must be an error.

use envs::viewer::{play, PlayOptions, Viewer, ViewerError};
use envs::Frame;

fn display() -> bool {
    let has = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
    if !has {
        println!("SKIPPED: DISPLAY is not set; run under `xvfb-run -a cargo test -p envs --test core_viewer`");
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
}

#[test]
fn play_runs_frames_and_saves_a_screenshot() {
    if !display() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("play.png");
    let opts = PlayOptions {
        fps: 0,
        max_frames: Some(30),
        screenshot: Some(shot.clone()),
        ..PlayOptions::default()
    };
    let summary = play("breakout", &opts).unwrap();
    assert_eq!(summary.frames, 30);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (160, 221));
    assert!(matches!(play("nope", &opts), Err(ViewerError::Env(_))));
}

#[test]
fn no_display_is_a_one_line_error() {
    if std::env::var_os("DISPLAY").is_some() {
        println!("SKIPPED: a display is present, so the no-display error cannot be checked here");
        return;
    }
    let err = Viewer::open("x", 10, 10, 1).err().expect("no display must be an error");
    let msg = err.to_string();
    assert!(msg.contains("dqn record") && !msg.contains('\n'), "{msg}");
}
