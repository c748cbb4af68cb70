//! The synthetic dataset generator: layout, determinism, atomic refusal to overwrite, and a round
//! trip through the loader.

use agents::seg::data::{SegDataset, SPLITS};
use agents::seg::gen::{generate, SplitCounts};
use agents::seg::SegError;
use std::sync::atomic::{AtomicUsize, Ordering};

const COUNTS: SplitCounts = SplitCounts {
    train: 6,
    val: 2,
    test: 3,
};

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for split in SPLITS {
        for folder in [split.to_string(), format!("{split}annot")] {
            let mut names: Vec<_> = std::fs::read_dir(dir.join(&folder))
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            names.sort();
            for p in names {
                out.push((
                    format!("{folder}/{}", p.file_name().unwrap().to_string_lossy()),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
        out.push((
            format!("{split}.txt"),
            std::fs::read(dir.join(format!("{split}.txt"))).unwrap(),
        ));
    }
    out
}

#[test]
fn writes_camvid_layout_and_loads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("CamVid");
    let calls = AtomicUsize::new(0);
    let report = generate(&out, COUNTS, (36, 48), 42, &|done, total| {
        assert!(done <= total && total == 11);
        calls.fetch_add(1, Ordering::Relaxed);
    })
    .unwrap();
    assert_eq!(report.images, 11);
    assert_eq!(calls.load(Ordering::Relaxed), 11);
    assert_eq!(report.class_pixels.iter().sum::<u64>(), 11 * 36 * 48);
    assert_eq!(report.class_pixels[11], 0, "generated labels have no void");

    let list = std::fs::read_to_string(out.join("val.txt")).unwrap();
    assert_eq!(
        list.lines().next().unwrap(),
        "/SegNet/CamVid/val/00000.png /SegNet/CamVid/valannot/00000.png"
    );
    // Nothing but the dataset is left beside it.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    for (split, n) in [("train", 6), ("val", 2), ("test", 3)] {
        let ds = SegDataset::load(&out, split, (36, 48)).unwrap();
        assert_eq!(ds.len(), n);
        let l = ds.original_label(0);
        assert_eq!((l.width, l.height), (48, 36));
        assert_eq!(
            ds.label(0),
            &l.data[..],
            "same size: loaded labels equal the written ones"
        );
        assert!(ds.paths[0].image.starts_with(&out));
    }
    let train = SegDataset::load(&out, "train", (18, 24)).unwrap();
    let counts = train.class_counts();
    for class in [0, 1, 3, 4, 5] {
        assert!(
            counts[class] > 0,
            "class {class} missing from 6 training images: {counts:?}"
        );
    }
}

#[test]
fn same_seed_same_bytes_other_seed_differs() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    generate(&a, COUNTS, (24, 32), 7, &|_, _| {}).unwrap();
    generate(&b, COUNTS, (24, 32), 7, &|_, _| {}).unwrap();
    generate(&c, COUNTS, (24, 32), 8, &|_, _| {}).unwrap();
    assert_eq!(files(&a), files(&b));
    assert_ne!(files(&a), files(&c));
}

#[test]
fn refuses_to_overwrite_but_fills_an_empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("data");
    std::fs::create_dir(&out).unwrap();
    generate(
        &out,
        SplitCounts {
            train: 1,
            val: 1,
            test: 1,
        },
        (12, 16),
        1,
        &|_, _| {},
    )
    .unwrap();
    let before = files(&out);
    let err = generate(
        &out,
        SplitCounts {
            train: 2,
            val: 1,
            test: 1,
        },
        (12, 16),
        2,
        &|_, _| {},
    )
    .unwrap_err();
    assert!(matches!(err, SegError::OutputExists { .. }), "{err}");
    assert!(err.to_string().contains("data"), "{err}");
    assert_eq!(files(&out), before, "existing data untouched");
    let zero = generate(
        &tmp.path().join("z"),
        SplitCounts {
            train: 0,
            val: 0,
            test: 0,
        },
        (12, 16),
        1,
        &|_, _| {},
    );
    assert!(zero.is_err());
    assert!(!tmp.path().join("z").exists());
}
