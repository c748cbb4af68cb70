//! TensorBoard's HPARAMS tab: a run logs its configuration as a session start
//! ([`SummaryWriter::add_hparams_start`]), its metrics as plain scalars, and a session end
//! ([`SummaryWriter::add_hparams_end`]). TensorBoard then lists every run folder under `--logdir`
//! as one row, with one column per key and per metric.
//!
//! The messages are `tensorboard/plugins/hparams/plugin_data.proto` (and `api.proto`), with
//! field numbers as there, carried in `SummaryMetadata.plugin_data` of a value without a payload
//! (as PyTorch's `add_hparams` writes them). No experiment message is written: TensorBoard
//! infers the columns from all runs' sessions, so runs with different keys compare side by side.

use std::collections::BTreeMap;

use prost::Message;

use super::proto::{PluginData, Summary, SummaryMetadata, Value, What};
use super::SummaryWriter;

/// Tag of the session start (the hyperparameters).
pub const SESSION_START_TAG: &str = "_hparams_/session_start_info";
/// Tag of the session end (the status).
pub const SESSION_END_TAG: &str = "_hparams_/session_end_info";

/// `HParamsPluginData`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct HParamsPluginData {
    /// Always 0.
    #[prost(int32, tag = "1")]
    pub version: i32,
    /// Which message this is.
    #[prost(oneof = "PluginDataKind", tags = "3, 4")]
    pub data: Option<PluginDataKind>,
}

/// The payload of [`HParamsPluginData`].
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum PluginDataKind {
    /// A run started with these hyperparameters.
    #[prost(message, tag = "3")]
    SessionStartInfo(SessionStartInfo),
    /// A run ended.
    #[prost(message, tag = "4")]
    SessionEndInfo(SessionEndInfo),
}

/// `SessionStartInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SessionStartInfo {
    /// Hyperparameter name → value.
    #[prost(btree_map = "string, message", tag = "1")]
    pub hparams: BTreeMap<String, ProtoValue>,
    /// Groups sessions (repeats of one configuration); empty = the run's own.
    #[prost(string, tag = "4")]
    pub group_name: String,
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "5")]
    pub start_time_secs: f64,
}

/// `SessionEndInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct SessionEndInfo {
    /// 1 success, 2 failure, 3 running, 0 unknown.
    #[prost(int32, tag = "1")]
    pub status: i32,
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "2")]
    pub end_time_secs: f64,
}

/// `google.protobuf.Value`, reduced to the kinds a hyperparameter takes.
#[derive(Clone, PartialEq, prost::Message)]
pub struct ProtoValue {
    /// The value.
    #[prost(oneof = "HValue", tags = "2, 3, 4")]
    pub kind: Option<HValue>,
}

/// One hyperparameter's value.
#[derive(Clone, PartialEq, prost::Oneof)]
pub enum HValue {
    /// A number.
    #[prost(double, tag = "2")]
    Number(f64),
    /// A string.
    #[prost(string, tag = "3")]
    Text(String),
    /// A flag.
    #[prost(bool, tag = "4")]
    Bool(bool),
}

/// How a run ended, for [`SummaryWriter::add_hparams_end`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStatus {
    /// Finished its budget.
    Success = 1,
    /// Failed.
    Failure = 2,
    /// Stopped early (listed as running, so it can be resumed).
    Running = 3,
}

impl SessionStatus {
    /// [`SessionStatus::Success`] when a run finished its budget, else
    /// [`SessionStatus::Running`] (stopped, to be resumed).
    pub fn finished(done: bool) -> Self {
        if done {
            SessionStatus::Success
        } else {
            SessionStatus::Running
        }
    }
}

/// Flattens a configuration (any serde value: the TOML of `config.toml`) into `section.key`
/// hyperparameters. Arrays become their TOML text; absent options are left out.
pub fn flatten_config<T: serde::Serialize>(config: &T) -> BTreeMap<String, HValue> {
    let mut out = BTreeMap::new();
    if let Ok(value) = toml::Value::try_from(config) {
        flatten("", &value, &mut out);
    }
    out
}

fn flatten(prefix: &str, value: &toml::Value, out: &mut BTreeMap<String, HValue>) {
    let v = match value {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
            return;
        }
        toml::Value::Integer(i) => HValue::Number(*i as f64),
        toml::Value::Float(f) => HValue::Number(*f),
        toml::Value::Boolean(b) => HValue::Bool(*b),
        toml::Value::String(s) => HValue::Text(s.clone()),
        other => HValue::Text(other.to_string()),
    };
    out.insert(prefix.to_string(), v);
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl SummaryWriter {
    /// Logs the session start: the run's hyperparameters (see [`flatten_config`]).
    pub fn add_hparams_start(&mut self, hparams: BTreeMap<String, HValue>) {
        let start = SessionStartInfo {
            hparams: hparams
                .into_iter()
                .map(|(k, v)| (k, ProtoValue { kind: Some(v) }))
                .collect(),
            group_name: String::new(),
            start_time_secs: now(),
        };
        self.add_hparams_message(SESSION_START_TAG, PluginDataKind::SessionStartInfo(start));
    }

    /// Logs the session end. Log the metrics (e.g. `hparams/final_eval`) as scalars before it.
    pub fn add_hparams_end(&mut self, status: SessionStatus) {
        let end = SessionEndInfo {
            status: status as i32,
            end_time_secs: now(),
        };
        self.add_hparams_message(SESSION_END_TAG, PluginDataKind::SessionEndInfo(end));
    }

    /// Logs the HPARAMS tab's metrics, `hparams/final_eval` and `hparams/best_eval` (when
    /// known), at `step`, then the session's end.
    pub fn add_hparams_metrics(
        &mut self,
        final_eval: Option<f64>,
        best_eval: Option<f64>,
        step: u64,
        status: SessionStatus,
    ) {
        if let Some(v) = final_eval {
            self.add_scalar("hparams/final_eval", v, step as i64);
        }
        if let Some(v) = best_eval {
            self.add_scalar("hparams/best_eval", v, step as i64);
        }
        self.add_hparams_end(status);
    }

    fn add_hparams_message(&mut self, tag: &str, data: PluginDataKind) {
        let content = HParamsPluginData {
            version: 0,
            data: Some(data),
        }
        .encode_to_vec();
        let metadata = SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "hparams".into(),
                content,
            }),
            ..Default::default()
        };
        let value = Value {
            tag: tag.into(),
            metadata: Some(metadata),
            kind: None,
        };
        self.write_event(0, What::Summary(Summary { value: vec![value] }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensorboard::proto::What;
    use crate::tensorboard::read_events;

    #[derive(serde::Serialize)]
    struct Cfg {
        env_id: String,
        dqn: Dqn,
    }
    #[derive(serde::Serialize)]
    struct Dqn {
        learning_rate: f64,
        batch_size: u32,
        double_dqn: bool,
        lr_end: Option<f64>,
    }

    #[test]
    fn config_flattens_and_round_trips_through_the_event_file() {
        let cfg = Cfg {
            env_id: "cartpole".into(),
            dqn: Dqn {
                learning_rate: 2.5e-4,
                batch_size: 128,
                double_dqn: true,
                lr_end: None,
            },
        };
        let h = flatten_config(&cfg);
        assert_eq!(h["env_id"], HValue::Text("cartpole".into()));
        assert_eq!(h["dqn.learning_rate"], HValue::Number(2.5e-4));
        assert_eq!(h["dqn.batch_size"], HValue::Number(128.0));
        assert_eq!(h["dqn.double_dqn"], HValue::Bool(true));
        assert!(!h.contains_key("dqn.lr_end"));

        let dir = tempfile::tempdir().unwrap();
        let mut tb = SummaryWriter::new(dir.path()).unwrap();
        tb.add_hparams_start(h.clone());
        tb.add_scalar("hparams/final_eval", 500.0, 10);
        tb.add_hparams_end(SessionStatus::Success);
        let path = tb.path().to_path_buf();
        drop(tb);
        let mut found = Vec::new();
        for e in read_events(&path).unwrap() {
            let Some(What::Summary(s)) = e.what else { continue };
            for v in s.value {
                let Some(pd) = v.metadata.and_then(|m| m.plugin_data) else {
                    continue;
                };
                assert_eq!(pd.plugin_name, "hparams");
                let data = HParamsPluginData::decode(pd.content.as_slice()).unwrap();
                found.push((v.tag, data));
            }
        }
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].0, SESSION_START_TAG);
        match &found[0].1.data {
            Some(PluginDataKind::SessionStartInfo(s)) => {
                assert_eq!(s.hparams.len(), h.len());
                assert_eq!(s.hparams["dqn.batch_size"].kind, Some(HValue::Number(128.0)));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            &found[1].1.data,
            Some(PluginDataKind::SessionEndInfo(SessionEndInfo { status: 1, .. }))
        ));
    }
}
