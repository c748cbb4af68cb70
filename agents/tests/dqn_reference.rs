//! The sequential reference loop (`dqn::reference`) and the pipelined trainer with
//! `run.pipeline_depth = 0` make the same updates: the same TD loss at every update, for the same
//! seed (cartpole, tiny budget, Double DQN: the trainer's actor picks a* with its copy of the online
//! network, the reference loop with the learner's).

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use agents::dqn::reference::reference_losses;
use agents::dqn::{presets, train, TrainOptions};
use agents::run::{Override, RunDir};
use agents::tensorboard::read_scalars;

/// libtorch's random generator is global: the tests of this file take turns.
static TORCH_RNG: Mutex<()> = Mutex::new(());

/// Trains with `extra` settings both ways; returns (the trainer's losses, the reference's).
fn both_losses(extra: &[&str]) -> (Vec<f32>, Vec<f32>) {
    let _turn = TORCH_RNG.lock().unwrap_or_else(|e| e.into_inner());
    tch::set_num_threads(1);
    let sets: Vec<Override> = [
        "dqn.total_steps=1100",
        "dqn.learning_starts=500",
        "dqn.target_update_freq=200",
        "run.pipeline_depth=0",
        "run.log_every=1",
        "run.eval_episodes=0",
        "run.checkpoint_every=0",
        "run.device=cpu",
    ]
    .iter()
    .chain(extra)
    .map(|s| Override::parse(s).unwrap())
    .collect();
    let cfg = presets::resolve("cartpole", None, &sets).unwrap();
    assert!(cfg.dqn.double_dqn);
    let tmp = tempfile::tempdir().unwrap();
    let run = RunDir::create(tmp.path(), &cfg.env_id, &cfg.run.name, cfg.run.seed).unwrap();
    let opts = TrainOptions {
        stop: Arc::new(AtomicBool::new(false)),
        resume: false,
        init_backbone: None,
        freeze_backbone: false,
        on_progress: Box::new(|_, _| {}),
        on_notice: Box::new(|_| {}),
    };
    train(&cfg, &run, opts).unwrap();
    let logged: Vec<f32> = read_scalars(&run.path).unwrap()["losses/td_loss"]
        .iter()
        .map(|p| p.value as f32)
        .collect();
    let reference: Vec<f32> = reference_losses(&cfg).unwrap().iter().map(|l| *l as f32).collect();
    (logged, reference)
}

#[test]
fn the_reference_loop_gives_the_trainers_losses() {
    let (logged, reference) = both_losses(&[]);
    assert_eq!(reference.len(), 600, "one update per step after learning_starts");
    assert_eq!(logged, reference);
}

#[test]
fn several_gradient_steps_per_env_step_give_the_references_losses_too() {
    // Two batches sent together: the second one's a* must see the first one's update.
    let (logged, reference) = both_losses(&["dqn.train_freq=2", "dqn.gradient_steps=2"]);
    assert_eq!(
        reference.len(),
        600,
        "two updates every two steps after learning_starts"
    );
    assert_eq!(logged, reference);
}
