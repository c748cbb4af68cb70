//! The gym bridge against real gymnasium envs (ALE Breakout and CartPole-v1), in worker processes.
//! Needs the packages of `make gym` (which `make test` runs first).

use envs::checker::check_env;
use envs::{make, EnvConfig, EnvError, Obs, Space};

fn atari_cfg() -> EnvConfig {
    EnvConfig {
        frame_stack: 1,
        ..EnvConfig::default()
    }
}

#[test]
fn ale_breakout_keeps_the_env_contract() {
    let report = check_env(&|| make("gym:ALE/Breakout-v5", &atari_cfg()), 3, 300).unwrap();
    assert_eq!(report.steps, 300);
}

#[test]
fn cartpole_keeps_the_env_contract() {
    let report = check_env(&|| make("gym:CartPole-v1", &EnvConfig::default()), 3, 300).unwrap();
    assert!(report.episodes >= 1, "random CartPole episodes are short");
}

#[test]
fn ale_breakout_is_preprocessed_once_like_our_games() {
    let mut env = make("gym:ALE/Breakout-v5", &EnvConfig::default()).unwrap();
    assert_eq!(env.action_meanings(), ["NOOP", "FIRE", "RIGHT", "LEFT"]);
    assert_eq!(env.observation_space().shape(), [4, 84, 84], "84×84 gray, a stack of 4");
    assert_eq!(env.render_size(), (160, 210));
    let (obs, info) = env.reset(Some(7));
    assert_eq!(obs.pixels().unwrap().len(), 4 * 84 * 84);
    assert_eq!(info.lives, 5);
    // noop reset (1..=30 frames) then FIRE (4 frames): the frame counter says skip 4 ran in ALE.
    let start = info.episode_frame_number;
    assert!((5..=34).contains(&start), "{start}");
    let (mut terminated_by_life, mut rewards, mut raw_return) = (0, 0.0f32, None);
    for t in 0..20_000 {
        let s = env.step(t % 4).unwrap();
        if t == 0 {
            assert_eq!(
                s.info.episode_frame_number,
                start + 4,
                "one agent step is 4 emulator frames"
            );
        }
        assert!([0.0, 1.0].contains(&s.reward), "clipped reward {}", s.reward);
        rewards += s.reward;
        if let Some(ep) = s.info.episode {
            raw_return = Some(ep.episode_return);
            break;
        }
        if s.terminated {
            terminated_by_life += 1;
            env.reset(None);
        }
    }
    assert_eq!(
        terminated_by_life, 4,
        "episodic life: 4 lost lives end a learning episode each"
    );
    let raw = raw_return.expect("a whole game ends within 20k steps");
    assert!(
        raw >= rewards as f64,
        "the raw score {raw} is at least the clipped sum {rewards}"
    );
}

/// The brightest pixel between the bricks and the paddle in each of `steps` observations of a
/// 42×42 Breakout (one frame, no noops, no sticky actions: both runs see the same game).
fn ball_band_brightness(widen: bool, steps: usize) -> Vec<u8> {
    let cfg = EnvConfig {
        obs_size: 42,
        frame_stack: 1,
        noop_max: 0,
        sticky_action_prob: 0.0,
        widen_thin_shapes: widen,
        ..EnvConfig::default()
    };
    let mut env = make("gym:ALE/Breakout-v5", &cfg).unwrap();
    env.reset(Some(3));
    let mut band = Vec::new();
    for t in 0..steps {
        let s = env.step([1, 2, 0, 3][t % 4]).unwrap();
        let px = s.obs.pixels().unwrap();
        band.push(
            (20..37)
                .flat_map(|r| (4..38).map(move |c| px[r * 42 + c]))
                .max()
                .unwrap(),
        );
        if s.terminated {
            env.reset(None);
        }
    }
    band
}

#[test]
fn widened_ale_frames_keep_the_ball_at_full_brightness() {
    // The ball is 2×4 screen pixels, gray 110; a 42×42 pixel covers 3.8×5 of them.
    let (area, widened) = (ball_band_brightness(false, 300), ball_band_brightness(true, 300));
    let seen = widened.iter().filter(|&&v| v > 0).count();
    assert!(seen > 100, "the ball is in play in {seen} of 300 frames");
    let mean = |v: &[u8]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
    for (a, w) in area.iter().zip(&widened) {
        assert!(*w == 0 || *w >= 100, "widened, the ball keeps its gray ({w})");
        assert!(a < w || *w == 0, "averaged, it is dimmer ({a} against {w})");
    }
    let (a, w) = (mean(&area), mean(&widened));
    assert!(
        a < 0.5 * w,
        "averaged, the ball keeps under half its brightness ({a:.1} against {w:.1})"
    );
    // At full size (obs_size 0) there is nothing to widen: the frame is ALE's own, 210×160.
    let full = EnvConfig {
        obs_size: 0,
        frame_stack: 1,
        widen_thin_shapes: true,
        ..EnvConfig::default()
    };
    let mut env = make("gym:ALE/Breakout-v5", &full).unwrap();
    let (obs, _) = env.reset(Some(3));
    assert_eq!(obs.pixels().unwrap().len(), 210 * 160);
    assert_eq!(env.step(1).unwrap().obs.pixels().unwrap().len(), 210 * 160);
}

#[test]
fn cartpole_is_stepped_unchanged() {
    let mut env = make("gym:CartPole-v1", &EnvConfig::default()).unwrap();
    assert_eq!(env.action_space(), Space::Discrete(2));
    assert!(matches!(env.observation_space(), Space::Box { ref shape, .. } if shape == &[4]));
    let (obs, _) = env.reset(Some(1));
    assert!(matches!(obs, Obs::Vector(v) if v.len() == 4 && v.iter().all(|x| x.abs() <= 0.05)));
    let mut length = 0;
    loop {
        let s = env.step(0).unwrap();
        length += 1;
        assert_eq!(s.reward, 1.0);
        if s.terminated || s.truncated {
            assert_eq!(s.info.episode.unwrap().length, length);
            assert_eq!(s.info.episode.unwrap().episode_return, length as f64);
            break;
        }
    }
    assert!(matches!(env.step(0), Err(EnvError::StepAfterDone)));
}

#[test]
fn faults_are_errors_with_gymnasiums_message() {
    let err = make("gym:NoSuchGame-v3", &EnvConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("NoSuchGame") && err.contains("doesn't exist"), "{err}");
    let err = make("gym:Pendulum-v1", &EnvConfig::default())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("not Discrete"), "{err}");
    let err = make("gym:", &EnvConfig::default()).err().unwrap().to_string();
    assert!(err.contains("unknown env"), "{err}");
    assert!(envs::is_known("gym:CartPole-v1") && !envs::is_known("gym:") && !envs::is_known("tetris"));
    let widen = EnvConfig {
        widen_thin_shapes: true,
        ..EnvConfig::default()
    };
    let err = make("gym:CartPole-v1", &widen).err().unwrap().to_string();
    assert!(
        err.contains("widen_thin_shapes applies to our own games and gym:ALE/ ids only"),
        "{err}"
    );
}
