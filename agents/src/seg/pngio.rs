//! PNG reading and writing for the dataset: RGB images (from RGB, RGBA, gray or palette PNGs) and
//! 8-bit single-channel label maps. Errors name the file.

use super::SegError;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek};
use std::path::Path;

/// An 8-bit image: `channels` values per pixel, rows top to bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width·height·channels` values (3 for RGB images, 1 for labels).
    pub data: Vec<u8>,
}

const PNG_SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];
/// Largest decoded image accepted, in bytes (a header may claim any size; CamVid's 480×360 RGB
/// images need 518,400).
pub const MAX_DECODED_BYTES: usize = 1 << 28;

fn open_png(path: &Path) -> Result<png::Reader<BufReader<File>>, SegError> {
    let mut file = File::open(path).map_err(|e| SegError::io(path, e))?;
    let mut sig = [0u8; 8];
    let n = file.read(&mut sig).map_err(|e| SegError::io(path, e))?;
    if n < 8 || sig != PNG_SIGNATURE {
        return Err(SegError::NotPng { path: path.into() });
    }
    let file = File::open(path).map_err(|e| SegError::io(path, e))?;
    let mut decoder = png::Decoder::new(BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.read_info().map_err(|e| SegError::Png {
        path: path.into(),
        message: e.to_string(),
    })
}

fn decode<R: BufRead + Seek>(path: &Path, reader: &mut png::Reader<R>) -> Result<(Vec<u8>, png::OutputInfo), SegError> {
    let size = reader.output_buffer_size().ok_or_else(|| SegError::Png {
        path: path.into(),
        message: "image too large".into(),
    })?;
    if size > MAX_DECODED_BYTES {
        return Err(SegError::Png {
            path: path.into(),
            message: format!("the image needs {size} bytes decoded, more than the {MAX_DECODED_BYTES}-byte limit"),
        });
    }
    let mut buf = Vec::new();
    buf.try_reserve_exact(size).map_err(|e| SegError::Png {
        path: path.into(),
        message: format!("cannot allocate {size} bytes to decode it: {e}"),
    })?;
    buf.resize(size, 0);
    let info = reader.next_frame(&mut buf).map_err(|e| SegError::Png {
        path: path.into(),
        message: e.to_string(),
    })?;
    buf.truncate(info.buffer_size());
    Ok((buf, info))
}

/// Reads a PNG as 8-bit RGB: RGBA drops alpha, gray is repeated, palettes are expanded, 16-bit is
/// reduced to 8.
pub fn read_rgb(path: &Path) -> Result<Image, SegError> {
    let mut reader = open_png(path)?;
    let (buf, info) = decode(path, &mut reader)?;
    let (w, h) = (info.width as usize, info.height as usize);
    let data = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        png::ColorType::Grayscale => buf.iter().flat_map(|&g| [g, g, g]).collect(),
        png::ColorType::GrayscaleAlpha => buf.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0]]).collect(),
        png::ColorType::Indexed => {
            return Err(SegError::Png {
                path: path.into(),
                message: "palette was not expanded".into(),
            })
        }
    };
    Ok(Image {
        width: w,
        height: h,
        data,
    })
}

/// Reads an 8-bit single-channel label PNG as it is stored (no transformation), and checks every
/// value is 0–11.
pub fn read_labels(path: &Path) -> Result<Image, SegError> {
    let bytes = std::fs::read(path).map_err(|e| SegError::io(path, e))?;
    decode_labels(&bytes, path)
}

/// [`read_labels`] on the bytes of a file; `path` only names it in errors. A pure function, fuzzed
/// (`fuzz/`, target `png_label`).
pub fn decode_labels(bytes: &[u8], path: &Path) -> Result<Image, SegError> {
    if bytes.len() < 8 || bytes[..8] != PNG_SIGNATURE {
        return Err(SegError::NotPng { path: path.into() });
    }
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().map_err(|e| SegError::Png {
        path: path.into(),
        message: e.to_string(),
    })?;
    let (color, depth) = (reader.info().color_type, reader.info().bit_depth);
    if color != png::ColorType::Grayscale || depth != png::BitDepth::Eight {
        return Err(SegError::LabelFormat {
            path: path.into(),
            found: format!("{color:?} {}-bit", depth as u8),
        });
    }
    let (data, info) = decode(path, &mut reader)?;
    let (w, h) = (info.width as usize, info.height as usize);
    if let Some(i) = data.iter().position(|&v| v > super::VOID) {
        return Err(SegError::LabelValue {
            path: path.into(),
            value: data[i],
            x: i % w,
            y: i / w,
        });
    }
    Ok(Image {
        width: w,
        height: h,
        data,
    })
}

fn write(path: &Path, width: usize, height: usize, color: png::ColorType, data: &[u8]) -> Result<(), SegError> {
    let png_err = |e: png::EncodingError| SegError::Png {
        path: path.into(),
        message: e.to_string(),
    };
    let file = File::create(path).map_err(|e| SegError::io(path, e))?;
    let mut enc = png::Encoder::new(BufWriter::new(file), width as u32, height as u32);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let mut writer = enc.write_header().map_err(png_err)?;
    writer.write_image_data(data).map_err(png_err)?;
    writer.finish().map_err(png_err)
}

/// Writes `width·height·3` RGB values as an 8-bit RGB PNG.
pub fn write_rgb(path: &Path, width: usize, height: usize, data: &[u8]) -> Result<(), SegError> {
    write(path, width, height, png::ColorType::Rgb, data)
}

/// Writes `width·height` values as an 8-bit single-channel (gray) PNG.
pub fn write_gray(path: &Path, width: usize, height: usize, data: &[u8]) -> Result<(), SegError> {
    write(path, width, height, png::ColorType::Grayscale, data)
}
