//! Invariants of the incremental bookkeeping: after any sequence of calls, the `VALID` marks,
//! the count and the priority tree agree with a from-scratch check of every slot.

use super::*;
use proptest::prelude::*;

/// One call on the buffer.
#[derive(Debug, Clone)]
enum Op {
    Start(usize),
    Push {
        stream: usize,
        reward: i8,
        terminated: bool,
        truncated: bool,
    },
}

fn op(num_streams: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0..num_streams).prop_map(Op::Start),
        12 => (0..num_streams, any::<i8>(), prop::bool::weighted(0.08), prop::bool::weighted(0.05))
            .prop_map(|(stream, reward, terminated, truncated)| Op::Push { stream, reward, terminated, truncated }),
    ]
}

/// Checks every slot against `is_valid` and the tree against the marks.
fn check_invariants(buffer: &ReplayBuffer<u8>) {
    let mut count = 0;
    for stream in 0..buffer.cfg.num_streams {
        let oldest = buffer.oldest(stream);
        let written = buffer.streams[stream].written;
        for t in oldest..written {
            let slot = buffer.slot(stream, t);
            let marked = buffer.flags[slot] & VALID != 0;
            assert_eq!(marked, buffer.is_valid(stream, t), "stream {stream} frame {t}");
            assert_eq!(buffer.absolute(stream, slot), t);
            count += marked as usize;
            if let Some(tree) = &buffer.tree {
                assert_eq!(tree.get(slot) > 0.0, marked, "priority of stream {stream} frame {t}");
            }
        }
        // Slots never written hold nothing.
        for t in written..buffer.stream_capacity as u64 {
            let slot = buffer.slot(stream, t);
            assert_eq!(buffer.flags[slot] & VALID, 0);
        }
    }
    assert_eq!(buffer.valid_count, count);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn marks_match_a_full_recount(
        ops in prop::collection::vec(op(3), 1..400),
        capacity in 21usize..60, // 3 streams × (frame_stack + n_step ≤ 7)
        frame_stack in 1usize..5,
        n_step in 1usize..4,
        prioritized in any::<bool>(),
    ) {
        let cfg = ReplayConfig {
            capacity, frame_len: 1, frame_stack, num_streams: 3, n_step, prioritized, ..ReplayConfig::default()
        };
        let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
        let mut open = [false; 3];
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Start(stream) => {
                    buffer.start_episode(stream, &[i as u8]).unwrap();
                    open[stream] = true;
                }
                Op::Push { stream, reward, terminated, truncated } => {
                    let result = buffer.push(stream, 1, reward as f32, &[i as u8], terminated, truncated);
                    if open[stream] {
                        result.unwrap();
                        open[stream] = !(terminated || truncated);
                    } else {
                        prop_assert_eq!(result, Err(ReplayError::NoEpisode(stream)));
                    }
                }
            }
            check_invariants(&buffer);
        }
    }
}

#[test]
fn priorities_update_and_survive_only_while_valid() {
    let cfg = ReplayConfig {
        capacity: 8,
        frame_len: 1,
        frame_stack: 2,
        prioritized: true,
        alpha: 0.5,
        eps: 0.0001,
        ..ReplayConfig::default()
    };
    let mut buffer = ReplayBuffer::<u8>::new(cfg).unwrap();
    buffer.start_episode(0, &[0]).unwrap();
    for t in 1..=4u8 {
        buffer.push(0, 0, 0.0, &[t], false, false).unwrap();
    }
    // Frames 0..=3 start valid transitions with the initial max priority 1.
    let tree = buffer.tree.as_ref().unwrap();
    assert_eq!((0..4).map(|s| tree.get(s)).collect::<Vec<_>>(), vec![1.0; 4]);
    buffer.update_priorities(&[1, 2], &[3.0, -0.5]).unwrap();
    let tree = buffer.tree.as_ref().unwrap();
    assert!((tree.get(1) - 3.0001f32.sqrt()).abs() < 1e-6);
    assert!((tree.get(2) - 0.5001f32.sqrt()).abs() < 1e-6);
    // The largest priority so far goes to the next new transition.
    buffer.push(0, 0, 0.0, &[5], false, false).unwrap();
    assert!((buffer.tree.as_ref().unwrap().get(4) - 3.0001f32.sqrt()).abs() < 1e-6);
    // Wrap so frame 1 is overwritten; its late priority update is then ignored.
    for t in 6..=9u8 {
        buffer.push(0, 0, 0.0, &[t], false, false).unwrap();
    }
    buffer.update_priorities(&[1], &[100.0]).unwrap();
    assert_eq!(
        buffer.tree.as_ref().unwrap().get(1),
        0.0,
        "slot 1 now holds frame 9, the newest"
    );
    check_invariants(&buffer);
    // Bad input is an error, not a silent corruption.
    assert!(buffer.update_priorities(&[0, 1], &[1.0]).is_err());
    assert!(buffer.update_priorities(&[8], &[1.0]).is_err());
    assert!(buffer.update_priorities(&[2], &[f32::NAN]).is_err());
}
