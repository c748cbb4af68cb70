//! Stacks at episode boundaries, at wraparound and across streams, checked exactly against a
//! plain model of the history. Each frame is `[stream, episode, t]`, so a sampled stack tells
//! precisely which frames it was built from.

use agents::replay::{Batch, ReplayBuffer, ReplayConfig, ReplayError};
use rand::{RngExt, SeedableRng};
use std::collections::{BTreeMap, BTreeSet};

const FRAME_LEN: usize = 3;

/// One stored frame of the model and the step that left it (if pushed).
#[derive(Debug, Clone)]
struct Frame {
    episode: u8,
    t: u8,
    step: Option<(usize, f32, bool, bool)>, // action, reward, terminated, truncated
}

/// The model: every frame each stream ever received, in order.
struct Model {
    cfg: ReplayConfig,
    history: Vec<Vec<Frame>>,
    next_episode: u8,
}

/// What a valid transition must sample as.
#[derive(Debug, PartialEq)]
struct Expected {
    obs: Vec<u8>,
    next_obs: Vec<u8>,
    action: i64,
    ret: f32,
    discount: f32,
}

impl Model {
    fn new(cfg: &ReplayConfig) -> Self {
        Model {
            cfg: cfg.clone(),
            history: vec![Vec::new(); cfg.num_streams],
            next_episode: 0,
        }
    }

    fn start(&mut self, buffer: &mut ReplayBuffer<u8>, stream: usize) {
        let episode = self.next_episode;
        self.next_episode += 1;
        buffer.start_episode(stream, &[stream as u8, episode, 0]).unwrap();
        self.history[stream].push(Frame {
            episode,
            t: 0,
            step: None,
        });
    }

    fn push(&mut self, buffer: &mut ReplayBuffer<u8>, stream: usize, terminated: bool, truncated: bool) {
        let last = self.history[stream].last_mut().unwrap();
        let (episode, t) = (last.episode, last.t + 1);
        let action = (episode as usize * 7 + t as usize) % 18;
        let reward = episode as f32 * 100.0 + t as f32;
        last.step = Some((action, reward, terminated, truncated));
        buffer
            .push(
                stream,
                action,
                reward,
                &[stream as u8, episode, t],
                terminated,
                truncated,
            )
            .unwrap();
        self.history[stream].push(Frame { episode, t, step: None });
    }

    /// Valid transitions keyed by `(stream, episode, t)`, from the rules in plain words.
    fn expected(&self) -> BTreeMap<(u8, u8, u8), Expected> {
        let k = self.cfg.frame_stack;
        let stream_capacity = self.cfg.capacity / self.cfg.num_streams;
        let mut out = BTreeMap::new();
        for (stream, frames) in self.history.iter().enumerate() {
            let oldest = frames.len().saturating_sub(stream_capacity);
            let stack = |i: usize| -> Option<Vec<u8>> {
                let mut v = Vec::new();
                for back in (0..k).rev() {
                    // Repeat the episode's first frame instead of reaching before it.
                    let j = i - back.min(frames[i].t as usize);
                    if j < oldest {
                        return None;
                    }
                    v.extend_from_slice(&[stream as u8, frames[j].episode, frames[j].t]);
                }
                Some(v)
            };
            for i in oldest..frames.len() {
                let Some(obs) = stack(i) else { continue };
                let (mut ret, mut discount, mut j) = (0.0f64, 1.0f64, i);
                let mut complete = false;
                for m in 0..self.cfg.n_step {
                    let Some((_, reward, terminated, truncated)) = frames[j].step else {
                        break;
                    };
                    ret += discount * reward as f64;
                    discount *= self.cfg.gamma as f64;
                    j += 1;
                    if terminated {
                        discount = 0.0;
                    }
                    if terminated || truncated || m + 1 == self.cfg.n_step {
                        complete = true;
                        break;
                    }
                }
                if !complete {
                    continue;
                }
                let next_obs = stack(j).expect("the next stack is newer than the stack");
                let action = frames[i].step.unwrap().0 as i64;
                let e = Expected {
                    obs,
                    next_obs,
                    action,
                    ret: ret as f32,
                    discount: discount as f32,
                };
                out.insert((stream as u8, frames[i].episode, frames[i].t), e);
            }
        }
        out
    }
}

/// Samples until every expected transition showed up, checking each sample exactly.
fn check_sampling(buffer: &ReplayBuffer<u8>, model: &Model, seed: u64) {
    let expected = model.expected();
    assert_eq!(buffer.len(), expected.len(), "number of sampleable transitions");
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
    let mut batch = Batch::default();
    let mut seen = BTreeSet::new();
    let k = model.cfg.frame_stack;
    for _ in 0..200 {
        buffer.sample(64, 1.0, &mut rng, &mut batch).unwrap();
        for i in 0..batch.len() {
            let obs = &batch.obs[i * k * FRAME_LEN..(i + 1) * k * FRAME_LEN];
            let key = (obs[obs.len() - 3], obs[obs.len() - 2], obs[obs.len() - 1]);
            let want = expected
                .get(&key)
                .unwrap_or_else(|| panic!("sampled an invalid transition {key:?}"));
            let got = Expected {
                obs: obs.to_vec(),
                next_obs: batch.next_obs[i * k * FRAME_LEN..(i + 1) * k * FRAME_LEN].to_vec(),
                action: batch.actions[i],
                ret: batch.returns[i],
                discount: batch.discounts[i],
            };
            assert_eq!(&got, want, "transition {key:?}");
            assert_eq!(batch.weights[i], 1.0);
            seen.insert(key);
        }
        if seen.len() == expected.len() {
            break;
        }
    }
    assert_eq!(seen.len(), expected.len(), "some valid transitions were never sampled");
}

fn cfg(capacity: usize, frame_stack: usize, num_streams: usize, n_step: usize) -> ReplayConfig {
    ReplayConfig {
        capacity,
        frame_len: FRAME_LEN,
        frame_stack,
        num_streams,
        n_step,
        gamma: 0.9,
        ..Default::default()
    }
}

#[test]
fn stacks_repeat_the_first_frame_at_episode_starts() {
    let cfg = cfg(100, 4, 1, 1);
    let mut buffer = ReplayBuffer::new(cfg.clone()).unwrap();
    let mut model = Model::new(&cfg);
    // Episodes of 3 steps (terminated), 1 step (truncated), 6 steps (still running).
    model.start(&mut buffer, 0);
    for t in 1..=3 {
        model.push(&mut buffer, 0, t == 3, false);
    }
    model.start(&mut buffer, 0);
    model.push(&mut buffer, 0, false, true);
    model.start(&mut buffer, 0);
    for _ in 0..6 {
        model.push(&mut buffer, 0, false, false);
    }
    // Spot-check one stack by hand: episode 2, t = 2 is [f0, f0, f1, f2] of episode 2.
    let expected = model.expected();
    let e = &expected[&(0, 2, 2)];
    assert_eq!(e.obs, vec![0, 2, 0, 0, 2, 0, 0, 2, 1, 0, 2, 2]);
    assert_eq!(e.next_obs, vec![0, 2, 0, 0, 2, 1, 0, 2, 2, 0, 2, 3]);
    // 3 + 1 + 6 steps are valid; the last frame of each episode starts none.
    assert_eq!(expected.len(), 10);
    check_sampling(&buffer, &model, 1);
}

#[test]
fn wraparound_drops_transitions_whose_stack_was_overwritten() {
    let cfg = cfg(10, 3, 1, 1);
    let mut buffer = ReplayBuffer::new(cfg.clone()).unwrap();
    let mut model = Model::new(&cfg);
    model.start(&mut buffer, 0);
    for step in 1..=40 {
        model.push(&mut buffer, 0, false, false);
        if step >= 10 {
            // Frames step-9..=step are stored; the two oldest lack their stack bottoms, and the
            // newest has no next frame: 10 - 2 - 1 = 7 valid.
            assert_eq!(buffer.len(), 7, "after {step} steps");
            check_sampling(&buffer, &model, step);
        }
    }
    // A new episode right after the wrap point: its first frames need no older frames.
    model.push(&mut buffer, 0, true, false);
    for _ in 0..3 {
        model.start(&mut buffer, 0);
        model.push(&mut buffer, 0, false, false);
        model.push(&mut buffer, 0, true, false);
        check_sampling(&buffer, &model, 99);
    }
}

#[test]
fn random_episodes_with_wraparound_and_n_step() {
    for (seed, (capacity, k, n)) in [(30, 4, 3), (17, 2, 1), (50, 1, 5), (25, 3, 2)].into_iter().enumerate() {
        let cfg = cfg(capacity, k, 1, n);
        let mut buffer = ReplayBuffer::new(cfg.clone()).unwrap();
        let mut model = Model::new(&cfg);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed as u64);
        model.start(&mut buffer, 0);
        for step in 0..150 {
            let terminated = rng.random_bool(0.1);
            let truncated = !terminated && rng.random_bool(0.05);
            model.push(&mut buffer, 0, terminated, truncated);
            if terminated || truncated {
                model.start(&mut buffer, 0);
            }
            if step % 10 == 9 && !buffer.is_empty() {
                check_sampling(&buffer, &model, step);
            }
        }
    }
}

#[test]
fn streams_keep_their_own_rings() {
    let cfg = cfg(3 * 12, 3, 3, 2);
    let mut buffer = ReplayBuffer::new(cfg.clone()).unwrap();
    let mut model = Model::new(&cfg);
    for stream in 0..3 {
        model.start(&mut buffer, stream);
    }
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(5);
    for step in 0..120 {
        // Interleave unevenly: stream 0 steps every time, 1 every other time, 2 rarely.
        for stream in 0..3 {
            if step % (1 + stream * stream) != 0 {
                continue;
            }
            let done = rng.random_bool(0.15);
            model.push(&mut buffer, stream, done, false);
            if done {
                model.start(&mut buffer, stream);
            }
        }
        if step % 15 == 14 {
            check_sampling(&buffer, &model, step as u64);
        }
    }
}

#[test]
fn bad_calls_are_errors() {
    let mut buffer = ReplayBuffer::<u8>::new(cfg(20, 2, 2, 1)).unwrap();
    assert_eq!(
        buffer.push(0, 0, 0.0, &[0; 3], false, false),
        Err(ReplayError::NoEpisode(0))
    );
    assert_eq!(
        buffer.start_episode(2, &[0; 3]),
        Err(ReplayError::Stream {
            stream: 2,
            num_streams: 2
        })
    );
    assert_eq!(
        buffer.start_episode(0, &[0; 2]),
        Err(ReplayError::FrameLength { got: 2, expected: 3 })
    );
    let mut batch = Batch::default();
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(0);
    assert_eq!(buffer.sample(4, 0.0, &mut rng, &mut batch), Err(ReplayError::Empty));
    buffer.start_episode(0, &[0; 3]).unwrap();
    buffer.push(0, 1, 0.0, &[1; 3], true, false).unwrap();
    assert_eq!(
        buffer.push(0, 0, 0.0, &[0; 3], false, false),
        Err(ReplayError::NoEpisode(0))
    );
    assert!(buffer.sample(0, 0.0, &mut rng, &mut batch).is_err());
    assert!(buffer.sample(1, f32::NAN, &mut rng, &mut batch).is_err());
    // Configs that cannot work say why.
    for bad in [
        ReplayConfig {
            num_streams: 0,
            ..cfg(20, 2, 1, 1)
        },
        ReplayConfig {
            frame_stack: 0,
            ..cfg(20, 2, 1, 1)
        },
        ReplayConfig {
            n_step: 0,
            ..cfg(20, 2, 1, 1)
        },
        ReplayConfig {
            gamma: 1.5,
            ..cfg(20, 2, 1, 1)
        },
        cfg(10, 4, 2, 3), // 5 slots per stream < 4 + 3
    ] {
        let err = ReplayBuffer::<u8>::new(bad).unwrap_err();
        assert!(matches!(err, ReplayError::Config(_)), "{err}");
    }
}
