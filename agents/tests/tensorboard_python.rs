//! Our event files, read by the official `tensorboard` Python package (its `EventAccumulator`,
//! through `benches/peers/tb_read.py`): scalars, the text and an image must come back with the
//! values we wrote.
//!
//! Needs `tensorboard` in the project venv (`.venv/bin/python -m pip install tensorboard`); set
//! `DQN_PYTHON` to use another interpreter. Without one the test says so and passes vacuously,
//! unless `DQN_REQUIRE_PYTHON=1` (for setups where the bootstrap installed it).

use agents::tensorboard::SummaryWriter;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// An interpreter with `tensorboard` installed, or why there is none.
fn python_with_tensorboard() -> Result<PathBuf, String> {
    let python = std::env::var_os("DQN_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"));
    let probe = Command::new(&python).args(["-c", "import tensorboard, PIL"]).output();
    match probe {
        Ok(out) if out.status.success() => Ok(python),
        Ok(out) => Err(format!(
            "{}: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("{}: {e}", python.display())),
    }
}

#[test]
fn python_tensorboard_reads_our_events() {
    let python = match python_with_tensorboard() {
        Ok(p) => p,
        Err(why) if std::env::var("DQN_REQUIRE_PYTHON").as_deref() != Ok("1") => {
            eprintln!("SKIPPED: no Python with tensorboard ({why})");
            return;
        }
        Err(why) => panic!("DQN_REQUIRE_PYTHON=1 but no Python with tensorboard: {why}"),
    };

    let dir = tempfile::tempdir().unwrap();
    let mut tb = SummaryWriter::new(dir.path()).unwrap();
    for step in 0..300i64 {
        tb.add_scalar("losses/td_loss", 0.25 + step as f64 * 0.5, step * 4);
    }
    tb.add_scalar("charts/epsilon", 0.01, 1000);
    let text = "| param | value |\n|---|---|\n| gamma | 0.99 |\nünïcödé ✓";
    tb.add_text("hyperparameters", text, 0);
    let mut frame = envs::Frame::new(4, 3);
    frame.set_pixel(0, 0, [255, 0, 0]);
    frame.set_pixel(3, 2, [1, 2, 3]);
    tb.add_image("episode/frame", &frame, 7);
    tb.flush();
    assert!(tb.first_error().is_none());

    let script = workspace_root().join("benches/peers/tb_read.py");
    let out = Command::new(&python).arg(&script).arg(dir.path()).output().unwrap();
    assert!(
        out.status.success(),
        "tb_read.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();

    let loss = json["scalars"]["losses/td_loss"].as_array().unwrap();
    assert_eq!(loss.len(), 300, "size_guidance 0 keeps every point");
    for (i, point) in loss.iter().enumerate() {
        assert_eq!(point[0].as_i64().unwrap(), i as i64 * 4);
        assert_eq!(point[2].as_f64().unwrap() as f32, (0.25 + i as f64 * 0.5) as f32);
    }
    let eps = &json["scalars"]["charts/epsilon"][0];
    assert_eq!(
        (eps[0].as_i64().unwrap(), eps[2].as_f64().unwrap() as f32),
        (1000, 0.01f32)
    );

    let texts = json["texts"]["hyperparameters"].as_array().unwrap();
    assert_eq!(texts.len(), 1);
    assert_eq!(texts[0][1].as_str().unwrap(), text);

    let images = json["images"]["episode/frame"].as_array().unwrap();
    assert_eq!(images.len(), 1);
    let image = &images[0];
    assert_eq!(
        (
            image["step"].as_i64(),
            image["width"].as_i64(),
            image["height"].as_i64()
        ),
        (Some(7), Some(4), Some(3))
    );
    assert_eq!(image["mode"], "RGB");
    let pixels: Vec<u8> = image["pixels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(pixels, frame.data);
}
