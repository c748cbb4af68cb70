//! The one configuration resolver of both trainers: a preset's TOML, then a `--config` file
//! merged over it, then `--set key.path=value` and the typed flag overrides (`--seed`, `--steps`,
//! `--name`, …), each set into the table by its key path as a typed TOML value (a value is never
//! spliced into TOML text), then deserialised into the config type, whose unknown keys and wrong
//! types are one-line errors.

use std::path::Path;

use serde::de::DeserializeOwned;

use super::RunError;

/// The largest integer TOML can hold.
pub const TOML_INT_MAX: u64 = i64::MAX as u64;

/// Where the bottom layer of a configuration comes from.
#[derive(Debug, Clone, Copy)]
pub enum ConfigSource<'a> {
    /// A preset: its name (for messages) and TOML text.
    Preset {
        /// The preset's name.
        name: &'a str,
        /// Its TOML.
        text: &'a str,
    },
    /// An existing run's `config.toml`.
    File(&'a Path),
}

/// One typed override: a dotted key path and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The key path, e.g. `dqn.learning_rate`.
    pub key: String,
    /// The value.
    pub value: toml::Value,
}

impl Override {
    /// An override from a typed value.
    pub fn new(key: &str, value: impl Into<toml::Value>) -> Override {
        Override {
            key: key.into(),
            value: value.into(),
        }
    }

    /// An override from an unsigned integer flag (`flag` names it in the error), which must fit
    /// a TOML integer.
    pub fn uint(flag: &str, key: &str, value: u64) -> Result<Override, RunError> {
        if value > TOML_INT_MAX {
            return Err(RunError::Config(format!(
                "{flag} must be in 0..={TOML_INT_MAX}, got {value}"
            )));
        }
        Ok(Override::new(key, value as i64))
    }

    /// Parses `--set key.path=value`. The value is read as a TOML value (number, boolean, array,
    /// inline table, quoted string) and taken as a plain string otherwise, so `run.device=cpu`
    /// works unquoted. An integer beyond TOML's range is an error that names the range.
    pub fn parse(assignment: &str) -> Result<Override, RunError> {
        let (key, raw) = assignment
            .split_once('=')
            .ok_or_else(|| RunError::Config(format!("--set expects key=value, got {assignment:?}")))?;
        let (key, raw) = (key.trim(), raw.trim());
        if key.is_empty() || key.split('.').any(|p| p.trim().is_empty()) {
            return Err(RunError::Config(format!(
                "--set: bad key {key:?} (use section.key, e.g. dqn.learning_rate)"
            )));
        }
        let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw).replace('_', "");
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && raw.parse::<toml::Value>().is_err() {
            return Err(RunError::Config(format!(
                "--set {key}: {raw} is out of range; TOML integers are in -9223372036854775808..={TOML_INT_MAX}"
            )));
        }
        let value = raw
            .parse::<toml::Value>()
            .unwrap_or_else(|_| toml::Value::String(raw.to_string()));
        Ok(Override::new(key, value))
    }

    /// Sets this value into `table` at its key path, making sections as needed.
    pub fn apply(&self, table: &mut toml::Table) -> Result<(), RunError> {
        let parts: Vec<&str> = self.key.split('.').map(str::trim).collect();
        let (last, sections) = parts.split_last().expect("split gives at least one part");
        let mut cur = table;
        for p in sections {
            let entry = cur
                .entry(p.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            cur = entry
                .as_table_mut()
                .ok_or_else(|| RunError::Config(format!("--set: '{p}' in '{}' is a value, not a section", self.key)))?;
        }
        cur.insert(last.to_string(), self.value.clone());
        Ok(())
    }
}

/// Merges `over` into `base`, section by section.
pub fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Reads a TOML file into a table; errors name the file.
pub fn read_table(path: &Path) -> Result<toml::Table, RunError> {
    let text = std::fs::read_to_string(path).map_err(super::io(path))?;
    text.parse()
        .map_err(|e: toml::de::Error| RunError::Config(format!("{}: {}", path.display(), one_line(e.message()))))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Resolves a configuration: `source`, then `config_file` merged over it, then each override in
/// order. Errors are one line and name the key (unknown keys list the valid ones).
pub fn resolve<T: DeserializeOwned>(
    source: ConfigSource,
    config_file: Option<&Path>,
    overrides: &[Override],
) -> Result<T, RunError> {
    let mut table = match source {
        ConfigSource::Preset { name, text } => text
            .parse::<toml::Table>()
            .map_err(|e| RunError::Config(format!("preset {name} does not parse: {}", one_line(e.message()))))?,
        ConfigSource::File(path) => read_table(path)?,
    };
    if let Some(path) = config_file {
        merge(&mut table, read_table(path)?);
    }
    for o in overrides {
        o.apply(&mut table)?;
    }
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| RunError::Config(one_line(e.message())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        run: Run,
    }
    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Run {
        name: String,
        seed: u64,
        device: String,
    }

    const PRESET: &str = "[run]\nname = \"dqn\"\nseed = 1\ndevice = \"auto\"\n";

    fn go(sets: &[Override]) -> Result<Cfg, RunError> {
        resolve(
            ConfigSource::Preset {
                name: "p",
                text: PRESET,
            },
            None,
            sets,
        )
    }

    #[test]
    fn values_are_typed_never_spliced_into_toml() {
        let hostile = "q\"uote\n[x]\ny = 1";
        let cfg = go(&[
            Override::new("run.name", hostile),
            Override::parse("run.device=cpu").unwrap(),
        ])
        .unwrap();
        assert_eq!(cfg.run.name, hostile);
        assert_eq!(cfg.run.device, "cpu");
        let cfg = go(&[Override::parse("run.seed = 42").unwrap()]).unwrap();
        assert_eq!(cfg.run.seed, 42);
    }

    #[test]
    fn out_of_range_integers_name_the_range_and_unknown_keys_the_valid_ones() {
        let err = Override::uint("--seed", "run.seed", u64::MAX).unwrap_err().to_string();
        assert_eq!(
            err,
            "--seed must be in 0..=9223372036854775807, got 18446744073709551615"
        );
        let err = Override::parse("run.seed=18446744073709551615")
            .unwrap_err()
            .to_string();
        assert!(err.contains("run.seed") && err.contains("9223372036854775807"), "{err}");
        let err = go(&[Override::parse("run.nme=x").unwrap()]).unwrap_err().to_string();
        assert!(
            err.contains("nme") && err.contains("name") && !err.contains('\n'),
            "{err}"
        );
        let err = go(&[Override::parse("run.name.x=1").unwrap()]).unwrap_err().to_string();
        assert!(err.contains("is a value, not a section"), "{err}");
        assert!(Override::parse("run.seed").is_err() && Override::parse("a..b=1").is_err());
    }
}
