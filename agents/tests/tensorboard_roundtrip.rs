//! Event files written by `SummaryWriter` read back exactly with our reader, and the failure
//! paths (corrupt records, I/O errors, bad images) behave as documented.

use agents::tensorboard::proto::{Kind, What, DT_STRING};
use agents::tensorboard::{event_files, read_events, read_scalars, SummaryWriter, TbError};
use std::fs::File;

#[test]
fn scalars_text_and_images_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = SummaryWriter::new(dir.path()).unwrap();
    let name = tb.path().file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("events.out.tfevents."), "{name}");
    for step in 0..500i64 {
        tb.add_scalar("losses/td_loss", 1.0 / (step + 1) as f64, step);
        if step % 100 == 0 {
            tb.add_scalar("charts/episodic_return", step as f64 * 0.5, step);
        }
    }
    tb.add_text("config", "| key | value |\n|---|---|\n| lr | 0.0001 |", 0);
    let mut frame = envs::Frame::new(5, 3);
    frame.set_pixel(1, 2, [255, 10, 20]);
    tb.add_image("episode", &frame, 42);
    tb.add_image_gray("obs", 2, 2, &[0, 64, 128, 255], 43);
    tb.flush();
    assert!(tb.first_error().is_none());
    assert_eq!(tb.dropped_events(), 0);

    let events = read_events(tb.path()).unwrap();
    assert_eq!(events.len(), 1 + 500 + 5 + 1 + 2);
    assert_eq!(events[0].what, Some(What::FileVersion("brain.Event:2".into())));
    assert!(events.iter().all(|e| e.wall_time > 1.6e9));

    let text = events.iter().find_map(|e| match &e.what {
        Some(What::Summary(s)) if s.value[0].tag == "config" => Some(s.value[0].clone()),
        _ => None,
    });
    let text = text.expect("the text event");
    assert_eq!(text.metadata.unwrap().plugin_data.unwrap().plugin_name, "text");
    let Some(Kind::Tensor(tensor)) = text.kind else {
        panic!("text is a tensor")
    };
    assert_eq!(tensor.dtype, DT_STRING);
    assert_eq!(
        tensor.string_val,
        vec![b"| key | value |\n|---|---|\n| lr | 0.0001 |".to_vec()]
    );

    let image = events.iter().find_map(|e| match &e.what {
        Some(What::Summary(s)) if s.value[0].tag == "episode" => Some((e.step, s.value[0].kind.clone())),
        _ => None,
    });
    let (step, Some(Kind::Image(image))) = image.unwrap() else {
        panic!("image kind")
    };
    assert_eq!((step, image.width, image.height, image.colorspace), (42, 5, 3, 3));
    assert_eq!(&image.encoded_image_string[..8], b"\x89PNG\r\n\x1a\n");

    let scalars = read_scalars(dir.path()).unwrap();
    assert_eq!(scalars.len(), 2);
    let loss = &scalars["losses/td_loss"];
    assert_eq!(loss.len(), 500);
    for (i, point) in loss.iter().enumerate() {
        assert_eq!(point.step, i as i64);
        assert_eq!(point.value, (1.0 / (i + 1) as f64) as f32 as f64);
    }
    let ret: Vec<(i64, f64)> = scalars["charts/episodic_return"]
        .iter()
        .map(|p| (p.step, p.value))
        .collect();
    assert_eq!(
        ret,
        vec![(0, 0.0), (100, 50.0), (200, 100.0), (300, 150.0), (400, 200.0)]
    );
}

#[test]
fn read_scalars_joins_all_files_of_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = SummaryWriter::new(dir.path()).unwrap();
    let mut second = SummaryWriter::new(dir.path()).unwrap(); // same second: a distinct name
    assert_ne!(first.path(), second.path());
    first.add_scalar("charts/SPS", 100.0, 1);
    second.add_scalar("charts/SPS", 200.0, 2);
    drop(first); // drop flushes
    drop(second);
    std::fs::write(dir.path().join("notes.txt"), "not an event file").unwrap();
    assert_eq!(event_files(dir.path()).unwrap().len(), 2);
    let mut values: Vec<f64> = read_scalars(dir.path()).unwrap()["charts/SPS"]
        .iter()
        .map(|p| p.value)
        .collect();
    values.sort_by(f64::total_cmp);
    assert_eq!(values, vec![100.0, 200.0]);
}

#[test]
fn corrupt_and_cut_off_records_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..10 {
        tb.add_scalar("x", step as f64, step);
    }
    tb.flush();
    let path = tb.path().to_path_buf();
    drop(tb);
    let good = std::fs::read(&path).unwrap();
    let offsets = record_offsets(&good);
    assert_eq!(offsets.len(), 11);

    // Flip a byte inside the 4th scalar record: reading stops there with an error.
    let mut bad = good.clone();
    let fourth = offsets[4];
    bad[fourth + 20] ^= 0xff;
    std::fs::write(&path, &bad).unwrap();
    match read_events(&path) {
        Err(TbError::Corrupt { offset, .. }) => assert_eq!(offset, fourth),
        other => panic!("expected a corrupt-record error, got {other:?}"),
    }
    assert!(matches!(read_scalars(dir.path()), Err(TbError::Corrupt { .. })));

    // Cut the file inside the last record: strict reading fails, plotting keeps the 9 whole ones.
    std::fs::write(&path, &good[..good.len() - 3]).unwrap();
    assert!(matches!(read_events(&path), Err(TbError::Truncated { .. })));
    assert_eq!(read_scalars(dir.path()).unwrap()["x"].len(), 9);
}

/// Start offsets of the records, from their length fields.
fn record_offsets(bytes: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        offsets.push(pos);
        let len = u64::from_le_bytes(bytes[pos..pos + 8].try_into().unwrap()) as usize;
        pos += 8 + 4 + len + 4;
    }
    offsets
}

#[test]
fn io_errors_are_kept_not_panicked_on() {
    // /dev/full accepts opens and fails every write with ENOSPC.
    let sink = File::options().write(true).open("/dev/full").unwrap();
    let mut tb = SummaryWriter::with_sink("/dev/full", Box::new(sink));
    for step in 0..10_000 {
        tb.add_scalar("x", 1.0, step); // enough to overflow the write buffer
    }
    tb.flush();
    assert!(
        matches!(tb.first_error(), Some(TbError::Io { .. })),
        "{:?}",
        tb.first_error()
    );
    assert!(tb.dropped_events() > 0);
    tb.add_text("still", "no panic", 0);
    tb.flush();

    // A folder that cannot be created fails at the start, where the caller can act on it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a_file");
    std::fs::write(&file, "").unwrap();
    assert!(matches!(SummaryWriter::new(file.join("run")), Err(TbError::Io { .. })));
}

#[test]
fn a_bad_image_drops_only_itself() {
    let dir = tempfile::tempdir().unwrap();
    let mut tb = SummaryWriter::new(dir.path()).unwrap();
    tb.add_image_gray("mask", 4, 4, &[0; 15], 0);
    tb.add_scalar("after", 3.0, 1);
    tb.flush();
    assert!(matches!(tb.first_error(), Some(TbError::Image { .. })));
    assert_eq!(tb.dropped_events(), 1);
    assert_eq!(read_scalars(dir.path()).unwrap()["after"][0].value, 3.0);
}
