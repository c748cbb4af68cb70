//! TOML presets, one or more per env, embedded in the binary (the files live in `presets/`), and
//! the resolution `preset → --config file → --set key=value` into a [`TrainConfig`].

use std::path::Path;

use super::config::TrainConfig;
use super::DqnError;

/// `(name, TOML text)` of every preset.
pub const PRESETS: &[(&str, &str)] = &[
    ("breakout", include_str!("../../../presets/breakout.toml")),
    ("breakout-cpu", include_str!("../../../presets/breakout-cpu.toml")),
    ("pong", include_str!("../../../presets/pong.toml")),
    ("invaders", include_str!("../../../presets/invaders.toml")),
    ("freeway", include_str!("../../../presets/freeway.toml")),
    ("driving", include_str!("../../../presets/driving.toml")),
    ("cartpole", include_str!("../../../presets/cartpole.toml")),
    ("ale-breakout", include_str!("../../../presets/ale-breakout.toml")),
    (
        "ale-breakout-cpu",
        include_str!("../../../presets/ale-breakout-cpu.toml"),
    ),
];

/// Preset names.
pub fn names() -> Vec<&'static str> {
    PRESETS.iter().map(|(n, _)| *n).collect()
}

/// The preset that fits an env on this machine: `<env>-cpu` when there is no GPU and such a
/// preset exists, else `<env>`. Gym ids (`gym:<id>`): ALE pixel games get `ale-breakout-cpu`
/// (`ale-breakout` on CUDA), every other gymnasium env the MLP preset `cartpole`.
pub fn default_for(env_id: &str, cuda: bool) -> Option<&'static str> {
    if envs::gym::is_gym_id(env_id) {
        return Some(match (envs::gym::is_ale_id(env_id), cuda) {
            (true, false) => "ale-breakout-cpu",
            (true, true) => "ale-breakout",
            (false, _) => "cartpole",
        });
    }
    let cpu = format!("{env_id}-cpu");
    if !cuda {
        if let Some((n, _)) = PRESETS.iter().find(|(n, _)| *n == cpu) {
            return Some(n);
        }
    }
    PRESETS.iter().find(|(n, _)| *n == env_id).map(|(n, _)| *n)
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Applies `key.path=value`: the value is parsed as TOML (numbers, booleans, arrays, quoted
/// strings) and taken as a plain string otherwise.
fn apply_set(table: &mut toml::Table, assignment: &str) -> Result<(), DqnError> {
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| DqnError::Config(format!("--set expects key=value, got '{assignment}'")))?;
    let key = key.trim();
    let raw = raw.trim();
    let value = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_string()));
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(DqnError::Config(format!(
            "--set: bad key '{key}' (use section.key, e.g. dqn.learning_rate)"
        )));
    }
    let mut cur = table;
    for p in &parts[..parts.len() - 1] {
        let entry = cur
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = entry
            .as_table_mut()
            .ok_or_else(|| DqnError::Config(format!("--set: '{p}' in '{key}' is a value, not a section")))?;
    }
    cur.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// Resolves a configuration: the preset, then the `--config` file, then each `--set`, then
/// `env_id` from `--env` when given. Unknown keys and wrong types are errors that name the key
/// and list the valid ones.
pub fn resolve(
    env_id: Option<&str>,
    preset: &str,
    config_file: Option<&Path>,
    sets: &[String],
) -> Result<TrainConfig, DqnError> {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == preset)
        .map(|(_, t)| *t)
        .ok_or_else(|| DqnError::Config(format!("unknown preset '{preset}'; presets: {}", names().join(", "))))?;
    let mut table: toml::Table = text
        .parse()
        .map_err(|e| DqnError::Internal(format!("preset {preset} does not parse: {e}")))?;
    if let Some(path) = config_file {
        let text = std::fs::read_to_string(path).map_err(|e| DqnError::Io(format!("{}: {e}", path.display())))?;
        let over: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| DqnError::Config(format!("{}: {}", path.display(), e.message())))?;
        merge(&mut table, over);
    }
    for s in sets {
        apply_set(&mut table, s)?;
    }
    if let Some(id) = env_id {
        table.insert("env_id".into(), toml::Value::String(id.into()));
    }
    table.insert("preset".into(), toml::Value::String(preset.into()));
    let cfg: TrainConfig = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| DqnError::Config(e.message().replace('\n', " ")))?;
    if !envs::is_known(&cfg.env_id) {
        return Err(DqnError::Config(format!(
            "unknown env '{}'; envs: {}, or gym:<gymnasium id>",
            cfg.env_id,
            envs::ids().join(", ")
        )));
    }
    cfg.validate()?;
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_resolves_and_validates() {
        for name in names() {
            let cfg = resolve(None, name, None, &[]).unwrap_or_else(|e| panic!("preset {name}: {e}"));
            assert_eq!(cfg.preset, name);
        }
    }

    #[test]
    fn set_overrides_and_unknown_keys_are_listed() {
        let cfg = resolve(
            Some("cartpole"),
            "cartpole",
            None,
            &["dqn.learning_rate=0.001".into(), "run.device=cpu".into()],
        )
        .unwrap();
        assert_eq!(cfg.dqn.learning_rate, 0.001);
        assert_eq!(cfg.run.device, "cpu");
        let err = resolve(Some("cartpole"), "cartpole", None, &["dqn.learning_rat=0.1".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("learning_rat") && err.contains("learning_rate"), "{err}");
        let err = resolve(Some("cartpole"), "cartpole", None, &["dqn.batch_size=abc".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
        let err = resolve(Some("cartpole"), "cartpole", None, &["dqn.batch_size=-3".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("batch_size") || err.contains("invalid value"), "{err}");
        let err = resolve(Some("cartpole"), "nope", None, &[]).unwrap_err().to_string();
        assert!(err.contains("breakout-cpu"), "{err}");
    }

    #[test]
    fn default_preset_follows_the_machine() {
        assert_eq!(default_for("breakout", false), Some("breakout-cpu"));
        assert_eq!(default_for("breakout", true), Some("breakout"));
        assert_eq!(default_for("cartpole", false), Some("cartpole"));
        assert_eq!(default_for("gym:ALE/Breakout-v5", false), Some("ale-breakout-cpu"));
        assert_eq!(default_for("gym:ALE/Breakout-v5", true), Some("ale-breakout"));
        assert_eq!(default_for("gym:CartPole-v1", true), Some("cartpole"));
        for (env, name) in [
            ("gym:ALE/Breakout-v5", "ale-breakout"),
            ("gym:ALE/Breakout-v5", "ale-breakout-cpu"),
            ("gym:CartPole-v1", "cartpole"),
        ] {
            let cfg = resolve(Some(env), name, None, &[]).unwrap();
            assert!(cfg.run.log_every <= 1000, "{name}");
        }
    }
}
