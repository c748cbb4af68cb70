//! GIF recording: frames round-trip through the gif decoder, and the file appears atomically.

use envs::record::{record_random, GifRecorder, RecordError};
use envs::Frame;

#[test]
fn recorder_writes_a_decodable_scaled_gif() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.gif");
    let mut rec = GifRecorder::create(&path, 4, 3, 15.0, 2).unwrap();
    let mut f = Frame::new(4, 3);
    f.fill([10, 20, 30]);
    rec.push(&f).unwrap();
    f.set_pixel(1, 1, [200, 0, 0]);
    rec.push(&f).unwrap();
    assert!(!path.exists(), "nothing under the real name before finish");
    assert!(matches!(rec.push(&Frame::new(5, 3)), Err(RecordError::Invalid(_))));
    rec.finish().unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "the temporary file was renamed: {names:?}");

    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::RGBA);
    let mut dec = opts.read_info(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!((dec.width(), dec.height()), (8, 6));
    let mut frames = Vec::new();
    while let Some(fr) = dec.read_next_frame().unwrap() {
        assert_eq!(fr.delay, 7, "15 fps ≈ 7 centiseconds");
        frames.push(fr.buffer.to_vec());
    }
    assert_eq!(frames.len(), 2);
    let px = |buf: &[u8], x: usize, y: usize| buf[(y * 8 + x) * 4..(y * 8 + x) * 4 + 3].to_vec();
    assert_eq!(px(&frames[0], 0, 0), vec![10, 20, 30]);
    assert_eq!(px(&frames[1], 2, 2), vec![200, 0, 0]);
    assert_eq!(px(&frames[1], 3, 3), vec![200, 0, 0]);
    assert_eq!(px(&frames[1], 4, 2), vec![10, 20, 30]);
}

#[test]
fn dropped_recorder_leaves_no_file_and_bad_arguments_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.gif");
    let rec = GifRecorder::create(&path, 4, 4, 30.0, 1).unwrap();
    drop(rec);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    assert!(GifRecorder::create(&path, 0, 4, 30.0, 1).is_err());
    assert!(GifRecorder::create(&path, 4, 4, 0.0, 1).is_err());
    assert!(GifRecorder::create(&dir.path().join("missing/c.gif"), 4, 4, 30.0, 1).is_err());
    assert!(matches!(
        record_random("nope", 10, 0, &path, 1),
        Err(RecordError::Env(_))
    ));
}

#[test]
fn record_random_records_one_frame_per_step() {
    let dir = tempfile::tempdir().unwrap();
    for id in ["breakout", "cartpole"] {
        let path = dir.path().join(format!("{id}.gif"));
        let summary = record_random(id, 30, 1, &path, 1).unwrap();
        assert_eq!(summary.frames, 31);
        let dec = gif::DecodeOptions::new()
            .read_info(std::fs::File::open(&path).unwrap())
            .unwrap();
        let expected = if id == "cartpole" { (300, 200) } else { (160, 210) };
        assert_eq!((dec.width(), dec.height()), expected);
    }
}
