//! `check_env` on every registered env, and property tests of random action sequences.

use envs::checker::{check_env, CheckError};
use envs::registry::{ids, make};
use envs::space::Space;
use envs::{Env, EnvConfig, EnvError};
use proptest::prelude::*;

#[test]
fn every_registered_env_passes_the_checker() {
    for id in ids() {
        for cfg in [
            EnvConfig::default(),
            EnvConfig {
                grayscale: false,
                obs_size: 0,
                ..EnvConfig::raw()
            },
        ] {
            let factory = || make(id, &cfg);
            let report = check_env(&factory, 11, 400).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(report.steps, 400);
        }
    }
}

/// An env that breaks the contract: its observations leave their space.
struct OutOfBounds {
    obs: [f32; 1],
    started: bool,
}

impl Env for OutOfBounds {
    fn reset(&mut self, _seed: Option<u64>) -> (envs::Obs<'_>, envs::Info) {
        self.started = true;
        self.obs = [0.0];
        (envs::Obs::Vector(&self.obs), envs::Info::default())
    }
    fn step(&mut self, action: usize) -> Result<envs::Step<'_>, EnvError> {
        envs::env::check_action(action, 1)?;
        if !self.started {
            return Err(EnvError::NotReset);
        }
        self.obs[0] += 1.0;
        Ok(envs::Step {
            obs: envs::Obs::Vector(&self.obs),
            reward: 0.0,
            terminated: false,
            truncated: false,
            info: envs::Info::default(),
        })
    }
    fn action_space(&self) -> Space {
        Space::Discrete(1)
    }
    fn observation_space(&self) -> Space {
        Space::Box {
            shape: vec![1],
            low: 0.0,
            high: 5.0,
            dtype: envs::space::Dtype::F32,
        }
    }
    fn action_meanings(&self) -> Vec<&'static str> {
        vec!["NOOP"]
    }
    fn render(&self, frame: &mut envs::Frame) {
        frame.resize(4, 4);
    }
    fn render_size(&self) -> (usize, usize) {
        (4, 4)
    }
}

#[test]
fn the_checker_catches_observations_outside_the_space() {
    let factory = || {
        Ok(Box::new(OutOfBounds {
            obs: [0.0],
            started: false,
        }) as Box<dyn Env>)
    };
    let err = check_env(&factory, 0, 20).unwrap_err();
    assert!(
        matches!(err, CheckError::Broken(ref m) if m.contains("outside")),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any action sequence (valid or not) on any env: no panic, valid actions succeed, invalid
    /// ones are `InvalidAction`, and observations stay in their space.
    #[test]
    fn random_action_sequences_never_panic(env_index in 0usize..6, seed in any::<u64>(), actions in prop::collection::vec(0usize..20, 1..300)) {
        let id = ids()[env_index % ids().len()];
        let mut env = make(id, &EnvConfig::default()).unwrap();
        let n = env.num_actions();
        let space = env.observation_space();
        env.reset(Some(seed));
        for a in actions {
            match env.step(a) {
                Ok(step) => {
                    prop_assert!(a < n);
                    let ok = match step.obs {
                        envs::Obs::Pixels { data, .. } => space.contains_u8(data),
                        envs::Obs::Vector(v) => space.contains_f32(v),
                    };
                    prop_assert!(ok, "{} observation outside {}", id, space);
                    if step.terminated || step.truncated {
                        env.reset(None);
                    }
                }
                Err(EnvError::InvalidAction { action, n: got }) => prop_assert!(action == a && got == n && a >= n),
                Err(e) => prop_assert!(false, "{}: unexpected error {}", id, e),
            }
        }
    }
}
