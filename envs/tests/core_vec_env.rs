//! `VecEnv`: next-step autoreset, seeding, contiguous buffers, threads and errors.

use envs::{make, Env, EnvConfig, EnvError, VecEnv};

fn cfg() -> EnvConfig {
    EnvConfig {
        frame_stack: 1,
        ..EnvConfig::default()
    }
}

#[test]
fn env_i_matches_a_single_env_seeded_with_seed_plus_i() {
    let mut venv = VecEnv::with_threads("breakout", &cfg(), 3, 2, 100).unwrap();
    venv.reset(None).unwrap();
    let mut single = make("breakout", &cfg()).unwrap();
    let len = venv.obs_len();
    let (obs, _) = single.reset(Some(102));
    assert_eq!(&venv.obs_u8().unwrap()[2 * len..3 * len], obs.pixels().unwrap());
    for t in 0..50 {
        let actions = [t % 4, (t + 1) % 4, (t + 2) % 4];
        venv.step(&actions).unwrap();
        let s = single.step(actions[2]).unwrap();
        assert_eq!(&venv.obs_u8().unwrap()[2 * len..], s.obs.pixels().unwrap(), "step {t}");
        assert_eq!(venv.rewards()[2], s.reward);
        if s.terminated || s.truncated {
            break;
        }
    }
}

#[test]
fn next_step_autoreset_ignores_the_action_and_returns_the_first_obs() {
    let mut venv = VecEnv::new("cartpole", &EnvConfig::default(), 2, 7).unwrap();
    venv.reset(None).unwrap();
    let mut ended = None;
    for t in 0..600 {
        venv.step(&[1, 0]).unwrap();
        if venv.terminated()[0] || venv.truncated()[0] {
            ended = Some(t);
            let (i, stats) = venv.finished_episodes().iter().find(|(i, _)| *i == 0).copied().unwrap();
            assert_eq!(i, 0);
            assert_eq!(stats.length, t + 1);
            break;
        }
    }
    assert!(ended.is_some(), "pushing right always ends the episode");
    venv.step(&[1, 0]).unwrap();
    assert_eq!(venv.rewards()[0], 0.0, "the autoreset step has reward 0");
    assert!(!venv.terminated()[0] && !venv.truncated()[0]);
    assert!(
        venv.obs_f32().unwrap()[..4].iter().all(|v| v.abs() <= 0.05),
        "first obs of a new episode"
    );
    venv.step(&[1, 0]).unwrap();
    assert_eq!(venv.rewards()[0], 1.0);
}

#[test]
fn same_seed_same_results_on_any_thread_count() {
    let run = |threads| {
        let mut venv = VecEnv::with_threads("breakout", &cfg(), 4, threads, 5).unwrap();
        venv.reset(None).unwrap();
        let mut rewards = Vec::new();
        for t in 0..200usize {
            let actions: Vec<usize> = (0..4).map(|i| (t * 7 + i * 3) % 4).collect();
            venv.step(&actions).unwrap();
            rewards.extend_from_slice(venv.rewards());
        }
        (venv.obs_u8().unwrap().to_vec(), rewards, venv.threads())
    };
    let (a, ra, ta) = run(1);
    let (b, rb, tb) = run(3);
    assert_eq!((ta, tb), (1, 3));
    assert_eq!(a, b);
    assert_eq!(ra, rb);
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(
        VecEnv::new("breakout", &cfg(), 0, 0),
        Err(EnvError::InvalidConfig(_))
    ));
    assert!(matches!(
        VecEnv::new("nope", &cfg(), 2, 0),
        Err(EnvError::UnknownEnv { .. })
    ));
    let mut venv = VecEnv::new("breakout", &cfg(), 2, 0).unwrap();
    assert_eq!(venv.step(&[0, 0]).unwrap_err(), EnvError::NotReset);
    venv.reset(None).unwrap();
    assert!(matches!(venv.step(&[0]), Err(EnvError::InvalidConfig(_))));
    assert_eq!(
        venv.step(&[0, 9]).unwrap_err(),
        EnvError::InvalidAction { action: 9, n: 4 }
    );
    let mixed: Vec<Box<dyn Env>> = vec![make("breakout", &cfg()).unwrap(), make("cartpole", &cfg()).unwrap()];
    assert!(matches!(
        VecEnv::from_envs(mixed, 2, 0),
        Err(EnvError::InvalidConfig(_))
    ));
    let mut frame = envs::Frame::new(1, 1);
    assert!(venv.render(5, &mut frame).is_err());
    venv.render(1, &mut frame).unwrap();
    assert_eq!((frame.width, frame.height), (160, 210));
}

/// An env that panics on its `panic_at`-th step, to check that a worker thread catches it.
struct Panicky {
    inner: Box<dyn Env>,
    steps: usize,
    panic_at: usize,
}

impl Env for Panicky {
    fn reset(&mut self, seed: Option<u64>) -> (envs::Obs<'_>, envs::Info) {
        self.inner.reset(seed)
    }
    fn step(&mut self, action: usize) -> Result<envs::Step<'_>, EnvError> {
        self.steps += 1;
        assert!(self.steps < self.panic_at, "deliberate panic at step {}", self.steps);
        self.inner.step(action)
    }
    fn action_space(&self) -> envs::Space {
        self.inner.action_space()
    }
    fn observation_space(&self) -> envs::Space {
        self.inner.observation_space()
    }
    fn action_meanings(&self) -> Vec<&'static str> {
        self.inner.action_meanings()
    }
    fn render(&self, frame: &mut envs::Frame) {
        self.inner.render(frame)
    }
    fn render_size(&self) -> (usize, usize) {
        self.inner.render_size()
    }
}

fn panicky_envs(n: usize, panic_at: usize) -> Vec<Box<dyn Env>> {
    (0..n)
        .map(|i| {
            Box::new(Panicky {
                inner: make("cartpole", &EnvConfig::default()).unwrap(),
                steps: 0,
                panic_at: if i == n - 1 { panic_at } else { usize::MAX },
            }) as Box<dyn Env>
        })
        .collect()
}

#[test]
fn a_panic_in_a_worker_thread_is_an_error_and_the_vec_env_refuses_later_calls() {
    let mut venv = VecEnv::from_envs(panicky_envs(4, 3), 2, 0).unwrap();
    venv.reset(None).unwrap();
    venv.step(&[0; 4]).unwrap();
    venv.step(&[0; 4]).unwrap();
    let err = venv.step(&[0; 4]).unwrap_err();
    assert!(
        matches!(&err, EnvError::Panicked(m) if m.contains("deliberate panic")),
        "{err}"
    );
    assert_eq!(venv.step(&[0; 4]).unwrap_err(), err);
    assert_eq!(venv.reset(None).unwrap_err(), err);
}

#[test]
fn a_panic_in_async_mode_is_an_error_from_recv() {
    let mut venv = VecEnv::from_envs(panicky_envs(2, 2), 1, 0).unwrap();
    venv.reset(None).unwrap();
    venv.send(&[0, 0], None).unwrap();
    assert_eq!(venv.recv(2, None).unwrap().unwrap().len(), 2);
    venv.send(&[0, 0], None).unwrap();
    let err = loop {
        match venv.recv(1, None) {
            Ok(_) => {
                let ids: Vec<usize> = venv.received().to_vec();
                venv.send(&[0], Some(&ids)).unwrap();
            }
            Err(e) => break e,
        }
    };
    assert!(
        matches!(&err, EnvError::Panicked(m) if m.contains("deliberate panic")),
        "{err}"
    );
}

#[test]
fn async_send_recv_with_every_env_equals_step() {
    let mut a = VecEnv::with_threads("breakout", &cfg(), 6, 1, 3).unwrap();
    let mut b = VecEnv::with_threads("breakout", &cfg(), 6, 2, 3).unwrap();
    a.reset(None).unwrap();
    b.reset(None).unwrap();
    for t in 0..60usize {
        let actions: Vec<usize> = (0..6).map(|i| (t + i) % 4).collect();
        a.step(&actions).unwrap();
        b.send(&actions, None).unwrap();
        let mut ids = b.recv(6, None).unwrap().unwrap().to_vec();
        ids.sort_unstable();
        assert_eq!(ids, (0..6).collect::<Vec<_>>());
        for i in 0..6 {
            assert_eq!(
                b.env_obs_u8(i).unwrap(),
                &a.obs_u8().unwrap()[i * a.obs_len()..(i + 1) * a.obs_len()]
            );
            assert_eq!(b.env_result(i).0, a.rewards()[i], "step {t} env {i}");
        }
    }
    b.send(&[0, 0], Some(&[1, 4])).unwrap();
    assert!(b.step(&[0; 6]).is_err(), "step while envs are in flight is an error");
    assert!(
        b.send(&[0], Some(&[4])).is_err(),
        "an env in flight cannot be sent again"
    );
    assert!(b.send(&[0], Some(&[9])).is_err(), "an id out of range is an error");
    b.reset(None).unwrap();
    assert_eq!(b.in_flight(), 0, "reset waits for the envs in flight");
}
