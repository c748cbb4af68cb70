//! TOML presets, one or more per env, embedded in the binary (the files live in `presets/`), and
//! the resolution `preset → --config file → --set key=value` into a [`TrainConfig`].

use std::path::Path;

use super::config::TrainConfig;
use super::DqnError;
use crate::run::{self, ConfigSource, Override};

/// `(name, TOML text)` of every preset.
pub const PRESETS: &[(&str, &str)] = &[
    ("breakout", include_str!("../../../presets/breakout.toml")),
    ("breakout-cpu", include_str!("../../../presets/breakout-cpu.toml")),
    ("pong", include_str!("../../../presets/pong.toml")),
    ("invaders", include_str!("../../../presets/invaders.toml")),
    ("freeway", include_str!("../../../presets/freeway.toml")),
    ("driving", include_str!("../../../presets/driving.toml")),
    ("driving-cpu", include_str!("../../../presets/driving-cpu.toml")),
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

/// Resolves a configuration (see [`crate::run::resolve`]): the preset, then the `--config` file,
/// then each override (`--set` and the typed flags, including `env_id` from `--env`). Unknown keys
/// and wrong types are errors that name the key and list the valid ones; the result is validated.
pub fn resolve(preset: &str, config_file: Option<&Path>, overrides: &[Override]) -> Result<TrainConfig, DqnError> {
    let text = PRESETS
        .iter()
        .find(|(n, _)| *n == preset)
        .map(|(_, t)| *t)
        .ok_or_else(|| DqnError::Config(format!("unknown preset '{preset}'; presets: {}", names().join(", "))))?;
    let mut all = overrides.to_vec();
    all.push(Override::new("preset", preset));
    let cfg: TrainConfig = run::resolve(ConfigSource::Preset { name: preset, text }, config_file, &all)
        .map_err(|e| DqnError::Config(e.to_string()))?;
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
            let cfg = resolve(name, None, &[]).unwrap_or_else(|e| panic!("preset {name}: {e}"));
            assert_eq!(cfg.preset, name);
        }
    }

    #[test]
    fn set_overrides_and_unknown_keys_are_listed() {
        let set = |s: &str| Override::parse(s).unwrap();
        let cfg = resolve(
            "cartpole",
            None,
            &[set("dqn.learning_rate=0.001"), set("run.device=cpu")],
        )
        .unwrap();
        assert_eq!(cfg.dqn.learning_rate, 0.001);
        assert_eq!(cfg.run.device, "cpu");
        let err = resolve("cartpole", None, &[set("dqn.learning_rat=0.1")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("learning_rat") && err.contains("learning_rate"), "{err}");
        let err = resolve("cartpole", None, &[set("dqn.batch_size=abc")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
        let err = resolve("cartpole", None, &[set("dqn.batch_size=-3")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("batch_size") || err.contains("invalid value"), "{err}");
        let err = resolve("nope", None, &[]).unwrap_err().to_string();
        assert!(err.contains("breakout-cpu"), "{err}");
        let err = resolve("cartpole", None, &[set("dqn.n_step=100000")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("dqn.n_step must be in 1..=100"), "{err}");
        let err = resolve("cartpole", None, &[set("dqn.per_beta0=5")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("dqn.per_beta0 must be in [0, 1]"), "{err}");
    }

    #[test]
    fn default_preset_follows_the_machine() {
        assert_eq!(default_for("breakout", false), Some("breakout-cpu"));
        assert_eq!(default_for("breakout", true), Some("breakout"));
        assert_eq!(default_for("cartpole", false), Some("cartpole"));
        assert_eq!(default_for("driving", false), Some("driving-cpu"));
        assert_eq!(default_for("driving", true), Some("driving"));
        assert_eq!(default_for("gym:ALE/Breakout-v5", false), Some("ale-breakout-cpu"));
        assert_eq!(default_for("gym:ALE/Breakout-v5", true), Some("ale-breakout"));
        assert_eq!(default_for("gym:CartPole-v1", true), Some("cartpole"));
        for (env, name) in [
            ("gym:ALE/Breakout-v5", "ale-breakout"),
            ("gym:ALE/Breakout-v5", "ale-breakout-cpu"),
            ("gym:CartPole-v1", "cartpole"),
        ] {
            let cfg = resolve(name, None, &[Override::new("env_id", env)]).unwrap();
            assert!(cfg.run.log_every <= 1000, "{name}");
        }
    }
}
