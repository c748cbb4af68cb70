//! Loading a SegNet run's model for the commands that predict with it (eval, predict, calibrate,
//! watch).

use std::path::Path;

use agents::seg::predict::SegModel;

/// Loads a run's model, dropping its calibration when asked to, and warns about a calibration
/// fitted for another checkpoint.
pub fn load_model(run: &Path, device: tch::Device, no_calibration: bool) -> anyhow::Result<SegModel> {
    let mut model = SegModel::load(run, device)?;
    if no_calibration {
        model.calibration = None;
    } else if let Some(old) = &model.stale_calibration {
        eprintln!(
            "warning: {}/calibration.json was fitted for {}, not the newest checkpoint {}; ignoring it (run `dqn segnet calibrate` again)",
            run.display(),
            old.display(),
            model.checkpoint.display()
        );
    }
    Ok(model)
}
