//! Pong through the `Game` trait: scoring rules, the end at 21, determinism, random play, and a
//! ball-following policy that clearly beats random play.

use envs::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use envs::games::pong::Pong;
use envs::scene::{Class, Scene};
use rand::{RngExt, SeedableRng};

/// Frames one agent step repeats its action for (ALE's frame skip).
const FRAME_SKIP: usize = 4;

fn new_game(seed: u64) -> (Pong, GameRng) {
    let mut rng = GameRng::seed_from_u64(seed);
    let mut game = Pong::default();
    game.reset(&mut rng);
    (game, rng)
}

/// Moves the agent's paddle centre toward the ball's centre (the middle while no ball is in play).
fn follow_ball(game: &Pong) -> Action {
    aim(game, 0.0)
}

/// Moves the agent's paddle so that the ball meets it `offset` pixels below the paddle's centre
/// (a ball met off-centre leaves at a steep angle).
fn aim(game: &Pong, offset: f32) -> Action {
    let target = game.ball().map_or(114.0, |(_, y)| y + Pong::BALL_H / 2.0 - offset);
    let centre = game.agent_paddle_y() + Pong::PADDLE_H / 2.0;
    if target < centre - 2.0 {
        Action::Right
    } else if target > centre + 2.0 {
        Action::Left
    } else {
        Action::Noop
    }
}

/// Plays one whole game with `policy` choosing an action every [`FRAME_SKIP`] frames; returns the
/// final score and the number of frames.
fn play(seed: u64, mut policy: impl FnMut(&Pong, &mut GameRng) -> Action) -> (i64, u64) {
    let (mut game, mut rng) = new_game(seed);
    let mut policy_rng = GameRng::seed_from_u64(seed ^ 0x5eed);
    let mut frames = 0;
    let mut total = 0.0;
    while !game.game_over() {
        let action = policy(&game, &mut policy_rng);
        for _ in 0..FRAME_SKIP {
            total += game.tick(action, &mut rng);
            frames += 1;
        }
        assert!(frames < 500_000, "a game of pong should end");
    }
    assert_eq!(total as i64, game.score(), "rewards add up to the score");
    (game.score(), frames)
}

fn random_action(game: &Pong, rng: &mut GameRng) -> Action {
    let actions = game.minimal_actions();
    actions[rng.random_range(0..actions.len())]
}

#[test]
fn minimal_actions_are_ales_set_and_there_are_no_lives() {
    let (game, _) = new_game(0);
    let names: Vec<_> = game.minimal_actions().iter().map(|a| a.name()).collect();
    assert_eq!(names, ["NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"]);
    assert_eq!(game.lives(), 0);
    assert_eq!(game.id(), "pong");
    assert!(!game.uses_fire_to_start());
}

#[test]
fn right_moves_the_paddle_up_and_left_moves_it_down() {
    let (mut game, mut rng) = new_game(1);
    let start = game.agent_paddle_y();
    game.tick(Action::Right, &mut rng);
    assert!(game.agent_paddle_y() < start);
    game.tick(Action::Left, &mut rng);
    game.tick(Action::LeftFire, &mut rng);
    assert!(game.agent_paddle_y() > start);
}

#[test]
fn the_serve_starts_by_itself() {
    let (mut game, mut rng) = new_game(2);
    assert!(game.ball().is_none());
    for _ in 0..120 {
        game.tick(Action::Noop, &mut rng);
    }
    let (x0, _) = game.ball().expect("the ball is served without FIRE");
    game.tick(Action::Noop, &mut rng);
    let (x1, _) = game.ball().unwrap();
    assert_ne!(x0, x1, "the served ball moves");
}

#[test]
fn each_point_gives_plus_or_minus_one_and_the_game_ends_at_21() {
    // Parking the paddle at the top loses nearly every point; the CPU reaches 21.
    let (mut game, mut rng) = new_game(3);
    let mut frames = 0u64;
    while !game.game_over() {
        let before = game.points();
        let reward = game.tick(Action::Right, &mut rng);
        let after = game.points();
        let expected = match reward {
            1.0 => (before.0 + 1, before.1),
            -1.0 => (before.0, before.1 + 1),
            r => {
                assert_eq!(r, 0.0, "rewards are -1, 0 or +1");
                before
            }
        };
        assert_eq!(after, expected);
        frames += 1;
        assert!(frames < 200_000, "the game must end");
    }
    let (agent, cpu) = game.points();
    assert_eq!(cpu, 21, "the CPU wins the game against a parked paddle");
    assert!(agent < 21);
    assert_eq!(game.score(), agent as i64 - 21);
    // Nothing happens after the game is over.
    assert_eq!(game.tick(Action::Left, &mut rng), 0.0);
    assert_eq!(game.points(), (agent, cpu));
}

#[test]
fn the_agent_can_score_against_the_cpu() {
    // Meeting the ball every frame with the paddle's lower part sends it back steeply.
    let (mut game, mut rng) = new_game(4);
    let mut agent_points = 0;
    for _ in 0..60 * 60 * 5 {
        if game.game_over() {
            break;
        }
        let before = game.points().0;
        if game.tick(aim(&game, 6.0), &mut rng) == 1.0 {
            assert_eq!(game.points().0, before + 1);
            agent_points += 1;
        }
    }
    assert!(
        agent_points >= 10,
        "well-aimed returns must win points, won {agent_points}"
    );
}

#[test]
fn same_seed_and_actions_give_the_same_game() {
    let run = |seed: u64| {
        let (mut game, mut rng) = new_game(seed);
        let mut actions = GameRng::seed_from_u64(99);
        let mut trace = Vec::new();
        for _ in 0..5_000 {
            let a = random_action(&game, &mut actions);
            trace.push(game.tick(a, &mut rng));
        }
        let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
        game.draw(&mut scene);
        (trace, game.score(), game.points(), game.ball(), scene.rects().to_vec())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8), "another seed plays differently");
}

#[test]
fn random_play_for_100k_frames_never_panics_and_stays_in_bounds() {
    let (mut game, mut rng) = new_game(5);
    let mut actions = GameRng::seed_from_u64(6);
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    let mut games = 0;
    for frame in 0..100_000 {
        let a = Action::ALL[actions.random_range(0..Action::ALL.len())];
        let r = game.tick(a, &mut rng);
        assert!(r == 0.0 || r == 1.0 || r == -1.0);
        if let Some((x, y)) = game.ball() {
            assert!((-10.0..SCREEN_W as f32 + 10.0).contains(&x), "ball x {x}");
            assert!((34.0..=194.0 - Pong::BALL_H).contains(&y), "ball y {y}");
        }
        for y in [game.agent_paddle_y(), game.cpu_paddle_y()] {
            assert!((34.0..=194.0 - Pong::PADDLE_H).contains(&y), "paddle y {y}");
        }
        if frame % 7 == 0 {
            game.draw(&mut scene);
            assert!(scene.rects().len() < 80, "{} rectangles", scene.rects().len());
            for r in scene.rects() {
                assert!(r.x0 >= 0.0 && r.y0 >= 0.0 && r.x1 <= SCREEN_W as f32 && r.y1 <= SCREEN_H as f32);
            }
            let balls = scene.rects().iter().filter(|r| r.class == Class::Pedestrian).count();
            let visible = game
                .ball()
                .is_some_and(|(x, _)| x.round() > -2.0 && x.round() < SCREEN_W as f32);
            assert_eq!(balls, usize::from(visible));
        }
        if game.game_over() {
            games += 1;
            game.reset(&mut rng);
        }
    }
    assert!(games >= 1, "random play loses whole games within 100k frames");
}

#[test]
fn following_the_ball_beats_random_play() {
    let seeds = 0..5u64;
    let scripted: Vec<i64> = seeds.clone().map(|s| play(s, |g, _| follow_ball(g)).0).collect();
    let random: Vec<i64> = seeds.map(|s| play(s, random_action).0).collect();
    let mean = |v: &[i64]| v.iter().sum::<i64>() as f64 / v.len() as f64;
    println!(
        "pong: follow-ball scores {scripted:?} (mean {:.1}), random {random:?} (mean {:.1})",
        mean(&scripted),
        mean(&random)
    );
    assert!(mean(&random) < -15.0, "random play should lose almost every point");
    assert!(mean(&scripted) > mean(&random) + 10.0);
}
