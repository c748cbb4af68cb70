//! Reading event files back: [`read_events`] (strict) and [`read_scalars`] (all files of a run,
//! for `dqn plot`).

use super::proto::{Event, Kind, What, DT_FLOAT};
use super::record::{split_records, FaultKind};
use super::TbError;
use prost::Message;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One point of a scalar series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScalarPoint {
    /// Global step.
    pub step: i64,
    /// Seconds since the Unix epoch when it was logged.
    pub wall_time: f64,
    /// The value (stored as f32 in the file; widened without loss).
    pub value: f64,
}

/// Every event of one file, checking both CRCs of every record. Stops with an error at the first
/// bad record, including a record cut off at the end of the file.
pub fn read_events(path: impl AsRef<Path>) -> Result<Vec<Event>, TbError> {
    let path = path.as_ref();
    let (events, fault) = decode_file(path)?;
    match fault {
        Some(fault) => Err(fault),
        None => Ok(events),
    }
}

/// All scalar series of a run folder: every file whose name contains `tfevents`, in name order
/// (= creation time), with points in file order. Scalars are `simple_value`s and float tensors of
/// one element (what TensorFlow 2 writes).
///
/// A record cut off at the end of a file ends that file's data quietly, so a run that is still
/// writing can be plotted; a CRC mismatch is an error.
pub fn read_scalars(run_dir: impl AsRef<Path>) -> Result<BTreeMap<String, Vec<ScalarPoint>>, TbError> {
    let mut series: BTreeMap<String, Vec<ScalarPoint>> = BTreeMap::new();
    for path in event_files(run_dir.as_ref())? {
        let (events, fault) = decode_file(&path)?;
        if let Some(fault @ (TbError::Corrupt { .. } | TbError::Decode { .. })) = fault {
            return Err(fault);
        }
        add_scalars(&mut series, events);
    }
    Ok(series)
}

/// Appends the scalars of `events` to `series`: `simple_value`s and float tensors of one element.
pub fn add_scalars(series: &mut BTreeMap<String, Vec<ScalarPoint>>, events: Vec<Event>) {
    for event in events {
        let Some(What::Summary(summary)) = event.what else {
            continue;
        };
        for value in summary.value {
            let scalar = match value.kind {
                Some(Kind::SimpleValue(v)) => v,
                Some(Kind::Tensor(t)) if t.dtype == DT_FLOAT && t.float_val.len() == 1 => t.float_val[0],
                _ => continue,
            };
            series.entry(value.tag).or_default().push(ScalarPoint {
                step: event.step,
                wall_time: event.wall_time,
                value: scalar as f64,
            });
        }
    }
}

/// Event files of `dir`, sorted by name.
pub fn event_files(dir: &Path) -> Result<Vec<PathBuf>, TbError> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| TbError::io(dir, e))? {
        let entry = entry.map_err(|e| TbError::io(dir, e))?;
        let is_events = entry.file_name().to_string_lossy().contains("tfevents");
        if is_events && entry.file_type().map_err(|e| TbError::io(dir, e))?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The events before the first fault, and that fault (as an error) if there is one.
fn decode_file(path: &Path) -> Result<(Vec<Event>, Option<TbError>), TbError> {
    let bytes = std::fs::read(path).map_err(|e| TbError::io(path, e))?;
    Ok(decode_events(&bytes, path))
}

/// The events of an event file's bytes before the first fault, and that fault (as an error) if
/// there is one; `path` only names the file in errors. A pure function, fuzzed (`fuzz/`, target
/// `tb_reader`).
pub fn decode_events(bytes: &[u8], path: &Path) -> (Vec<Event>, Option<TbError>) {
    let (records, fault) = split_records(bytes);
    let mut events = Vec::with_capacity(records.len());
    for record in records {
        let offset = record.offset;
        match Event::decode(record.data) {
            Ok(event) => events.push(event),
            Err(e) => {
                let err = TbError::Decode {
                    path: path.into(),
                    offset,
                    msg: e.to_string(),
                };
                return (events, Some(err));
            }
        }
    }
    let fault = fault.map(|fault| match fault.kind {
        FaultKind::Truncated => TbError::Truncated {
            path: path.into(),
            offset: fault.offset,
        },
        FaultKind::BadCrc(what) => TbError::Corrupt {
            path: path.into(),
            offset: fault.offset,
            what,
        },
    });
    (events, fault)
}
