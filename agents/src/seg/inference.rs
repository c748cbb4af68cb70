//! Inference: a trained SegNet's logits (optionally flip-averaged), decoded into class ids (argmax,
//! after optional per-class biases), and upsampled to a label's or an image's own size. Shared by
//! evaluation, prediction, calibration and the live view.

use tch::{Device, Kind, Tensor};

use super::error::SegTrainError;
use super::{SegError, NUM_CLASSES};

/// How a trained network's logits become class ids at inference time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decode<'a> {
    /// Per-class biases added to the logits before the argmax (see [`super::calibrate`]).
    pub bias: Option<&'a [f32; NUM_CLASSES]>,
    /// Average the logits of the image and of its mirror image (flipped back): horizontal-flip
    /// test-time augmentation, at twice the cost.
    pub flip: bool,
}

/// Logits of `net` in inference mode. x: [B, 3, H, W] → [B, 11, H, W]; with `flip`, the mean of
/// the logits of `x` and of `x` mirrored left–right (mirrored back).
pub fn inference_logits(net: &nets::SegNet, x: &Tensor, flip: bool) -> Result<Tensor, SegTrainError> {
    tch::no_grad(|| {
        let logits = net.forward(x, false)?;
        if !flip {
            return Ok(logits);
        }
        let mirrored = net.forward(&x.f_flip([3])?, false)?.f_flip([3])?;
        Ok((logits + mirrored) * 0.5)
    })
}

/// Predicts class ids at the network's input size for normalised images
/// `[B, 3, H, W]` (as [`SegDataset::batch`] makes them) → `B·H·W` ids: the argmax of the
/// logits `[B, 11, H, W]` decoded as `decode` says.
pub fn predict_normalised(
    net: &nets::SegNet,
    images: &[f32],
    (b, h, w): (usize, usize, usize),
    decode: Decode,
    device: Device,
) -> Result<Vec<u8>, SegTrainError> {
    let x = Tensor::from_slice(images)
        .view([b as i64, 3, h as i64, w as i64])
        .to_device(device);
    let mut logits = inference_logits(net, &x, decode.flip)?;
    if let Some(bias) = decode.bias {
        let bias = Tensor::from_slice(bias)
            .view([1, NUM_CLASSES as i64, 1, 1])
            .to_device(device);
        logits = logits.f_add(&bias)?;
    }
    argmax_ids(&logits)
}

/// Argmax over classes. logits: [B, C, H, W] f32 → `B·H·W` class ids (u8), on the CPU.
pub fn argmax_ids(logits: &Tensor) -> Result<Vec<u8>, SegTrainError> {
    let ids = logits
        .f_argmax(1, false)?
        .f_to_kind(Kind::Uint8)?
        .f_to_device(Device::Cpu)?
        .f_contiguous()?;
    let mut out = vec![0u8; ids.numel()];
    ids.f_copy_data(&mut out, ids.numel())?;
    Ok(out)
}

/// Nearest-neighbour resize of a `h × w` class map to `to_h × to_w` (pixel-centre sampling), so
/// predictions made at the training size can be counted at the label's own resolution.
/// Errors when `pred` is not `h·w` long or a source size is 0.
pub fn upsample_nearest(pred: &[u8], h: usize, w: usize, to_h: usize, to_w: usize) -> Result<Vec<u8>, SegError> {
    if pred.len() != h * w || h == 0 || w == 0 {
        return Err(SegError::InvalidArgument(format!(
            "upsample_nearest: prediction has {} values, expected h·w = {h}·{w} > 0",
            pred.len()
        )));
    }
    let xs: Vec<usize> = (0..to_w).map(|x| ((x * 2 + 1) * w / (2 * to_w)).min(w - 1)).collect();
    let mut out = Vec::with_capacity(to_h * to_w);
    for y in 0..to_h {
        let sy = ((y * 2 + 1) * h / (2 * to_h)).min(h - 1);
        let row = &pred[sy * w..(sy + 1) * w];
        out.extend(xs.iter().map(|&sx| row[sx]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flip_averaging_is_mirror_symmetric_and_off_means_plain() {
        tch::manual_seed(3);
        let vs = tch::nn::VarStore::new(Device::Cpu);
        let net = nets::SegNet::new(&vs.root(), &nets::SegNetConfig::basic()).unwrap();
        let x = Tensor::randn([2, 3, 32, 48], (tch::Kind::Float, Device::Cpu));
        let plain = tch::no_grad(|| net.forward(&x, false)).unwrap();
        let off = inference_logits(&net, &x, false).unwrap();
        assert_eq!(f64::try_from((&off - &plain).abs().max()).unwrap(), 0.0);
        // Mirroring the input mirrors the flip-averaged logits exactly (up to float rounding),
        // which the plain logits of a trained-or-not network do not do.
        let avg = inference_logits(&net, &x, true).unwrap();
        let avg_of_mirror = inference_logits(&net, &x.flip([3]), true).unwrap();
        let diff = f64::try_from((&avg_of_mirror - avg.flip([3])).abs().max()).unwrap();
        assert!(diff < 1e-4, "flip averaging not mirror-symmetric: {diff}");
        let plain_of_mirror = tch::no_grad(|| net.forward(&x.flip([3]), false)).unwrap();
        let asym = f64::try_from((&plain_of_mirror - plain.flip([3])).abs().max()).unwrap();
        assert!(
            asym > 1e-3,
            "the plain network is already symmetric ({asym}): the test shows nothing"
        );
    }

    #[test]
    fn upsample_nearest_repeats_pixels() {
        assert_eq!(
            upsample_nearest(&[1, 2, 3, 4], 2, 2, 4, 4).unwrap(),
            [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]
        );
        assert_eq!(
            upsample_nearest(&[1, 2, 3, 4, 5, 6], 2, 3, 2, 3).unwrap(),
            [1, 2, 3, 4, 5, 6]
        );
        assert_eq!(upsample_nearest(&[1, 2, 3, 4, 5, 6], 2, 3, 1, 1).unwrap(), [5]);
        assert!(upsample_nearest(&[1, 2, 3], 2, 2, 4, 4).is_err());
    }
}
