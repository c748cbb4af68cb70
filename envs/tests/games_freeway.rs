//! Freeway through the `Game` trait: crossings score, cars knock the chicken back, the game lasts
//! exactly 8,160 frames, determinism, random play, and scripted policies against random play.

use envs::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use envs::games::freeway::{Freeway, GAME_FRAMES, LANES};
use envs::scene::{Class, Scene};
use rand::{RngExt, SeedableRng};

fn new_game(seed: u64) -> (Freeway, GameRng) {
    let mut rng = GameRng::seed_from_u64(seed);
    let mut game = Freeway::default();
    game.reset(&mut rng);
    (game, rng)
}

/// Plays one whole game, choosing an action every frame; returns the score and the frame count.
fn play(seed: u64, mut policy: impl FnMut(&Freeway, &mut GameRng) -> Action) -> (i64, u32) {
    let (mut game, mut rng) = new_game(seed);
    let mut policy_rng = GameRng::seed_from_u64(seed ^ 0xc0ffee);
    let mut frames = 0;
    let mut total = 0.0;
    while !game.game_over() {
        total += game.tick(policy(&game, &mut policy_rng), &mut rng);
        frames += 1;
    }
    assert_eq!(total as i64, game.score());
    (game.score(), frames)
}

/// Random actions, each held for 4 frames as an agent with frame skip would.
fn random_policy() -> impl FnMut(&Freeway, &mut GameRng) -> Action {
    let mut held = (Action::Noop, 0);
    move |game, rng| {
        if held.1 == 0 {
            let actions = game.minimal_actions();
            held = (actions[rng.random_range(0..actions.len())], 4);
        }
        held.1 -= 1;
        held.0
    }
}

/// Whether holding `action` for `frames` frames gets the chicken hit, tried on a copy of the game.
fn gets_hit(game: &Freeway, action: Action, frames: usize) -> bool {
    let mut copy = game.clone();
    let mut rng = GameRng::seed_from_u64(0);
    (0..frames).any(|_| {
        copy.tick(action, &mut rng);
        copy.stunned()
    })
}

/// Goes up unless that would run into a car within the next 20 frames; then waits, or steps back.
fn careful(game: &Freeway) -> Action {
    if !gets_hit(game, Action::Up, 20) {
        Action::Up
    } else if !gets_hit(game, Action::Noop, 20) {
        Action::Noop
    } else {
        Action::Down
    }
}

#[test]
fn minimal_actions_are_noop_up_down_and_there_are_no_lives() {
    let (game, _) = new_game(0);
    assert_eq!(game.minimal_actions(), &[Action::Noop, Action::Up, Action::Down]);
    assert_eq!(game.lives(), 0);
    assert_eq!(game.id(), "freeway");
}

#[test]
fn always_up_scores_crossings_and_the_game_ends_at_exactly_8160_frames() {
    let (mut game, mut rng) = new_game(1);
    let start_y = game.chicken_y();
    let mut frames = 0;
    while !game.game_over() {
        let before = game.score();
        let reward = game.tick(Action::Up, &mut rng);
        frames += 1;
        assert!(reward == 0.0 || reward == 1.0);
        if reward == 1.0 {
            assert_eq!(game.score(), before + 1);
            assert_eq!(game.chicken_y(), start_y, "the chicken starts again at the bottom");
        }
    }
    assert_eq!(frames, GAME_FRAMES);
    assert_eq!(GAME_FRAMES, 8_160);
    assert!(game.score() >= 10, "always-UP crossed only {} times", game.score());
    let score = game.score();
    assert_eq!(game.tick(Action::Up, &mut rng), 0.0, "nothing happens after the end");
    assert_eq!(game.score(), score);
}

#[test]
fn a_car_knocks_the_chicken_back_and_stuns_it() {
    let (mut game, mut rng) = new_game(2);
    while !game.stunned() {
        game.tick(Action::Up, &mut rng);
        assert!(!game.game_over(), "always-UP gets hit at some point");
    }
    let hit_y = game.chicken_y();
    let mut stunned_frames = 0;
    while game.stunned() {
        game.tick(Action::Up, &mut rng);
        stunned_frames += 1;
    }
    assert!(
        game.chicken_y() > hit_y + 8.0,
        "pushed down from {hit_y} to {}",
        game.chicken_y()
    );
    assert!(
        (20..=120).contains(&stunned_frames),
        "stunned for {stunned_frames} frames"
    );
    let y = game.chicken_y();
    game.tick(Action::Up, &mut rng);
    assert!(game.chicken_y() < y, "after the stun the chicken moves again");
}

#[test]
fn standing_still_never_scores_and_down_stops_at_the_pavement() {
    let (mut game, mut rng) = new_game(3);
    let start_y = game.chicken_y();
    for i in 0..3_000 {
        game.tick(if i % 2 == 0 { Action::Noop } else { Action::Down }, &mut rng);
        assert_eq!(game.chicken_y(), start_y);
        assert!(!game.stunned(), "no car drives on the pavement");
    }
    assert_eq!(game.score(), 0);
}

#[test]
fn same_seed_and_actions_give_the_same_game() {
    let run = |seed: u64| {
        let (mut game, mut rng) = new_game(seed);
        let mut policy = random_policy();
        let mut actions = GameRng::seed_from_u64(5);
        let mut trace = Vec::new();
        for _ in 0..5_000 {
            let a = policy(&game, &mut actions);
            trace.push((game.tick(a, &mut rng), game.chicken_y()));
        }
        let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
        game.draw(&mut scene);
        let cars: Vec<_> = (0..LANES).map(|l| game.car_box(l)).collect();
        (trace, cars, scene.rects().to_vec())
    };
    assert_eq!(run(4), run(4));
    assert_ne!(run(4).1, run(5).1, "another seed starts the cars elsewhere");
}

#[test]
fn random_play_for_100k_frames_never_panics_and_stays_in_bounds() {
    let (mut game, mut rng) = new_game(6);
    let mut actions = GameRng::seed_from_u64(7);
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    let start_y = game.chicken_y();
    let mut games = 0;
    for frame in 0..100_000 {
        let a = Action::ALL[actions.random_range(0..Action::ALL.len())];
        let r = game.tick(a, &mut rng);
        assert!(r == 0.0 || r == 1.0);
        let (_, y, _, h) = game.chicken_box();
        assert!(y >= 18.0 && y <= start_y && y + h <= SCREEN_H as f32, "chicken y {y}");
        for lane in 0..LANES {
            let (x, y, w, h) = game.car_box(lane);
            assert!(x >= -w && x < SCREEN_W as f32, "car x {x}");
            assert!(y >= 34.0 && y + h <= 194.0);
        }
        if frame % 5 == 0 {
            game.draw(&mut scene);
            assert!(scene.rects().len() < 150, "{} rectangles", scene.rects().len());
            for r in scene.rects() {
                assert!(r.x0 >= 0.0 && r.y0 >= 0.0 && r.x1 <= SCREEN_W as f32 && r.y1 <= SCREEN_H as f32);
            }
            let cars = scene.rects().iter().filter(|r| r.class == Class::Car).count();
            assert!(cars <= 2 * LANES);
            assert!(
                scene.rects().iter().any(|r| r.class == Class::Pedestrian),
                "the chicken is always drawn"
            );
        }
        if game.game_over() {
            games += 1;
            game.reset(&mut rng);
        }
    }
    assert_eq!(games, 100_000 / GAME_FRAMES as usize);
}

#[test]
fn scripted_policies_beat_random_play() {
    let seeds = 0..5u64;
    let up: Vec<i64> = seeds.clone().map(|s| play(s, |_, _| Action::Up).0).collect();
    let careful: Vec<i64> = seeds.clone().map(|s| play(s, |g, _| careful(g)).0).collect();
    let random: Vec<i64> = seeds.map(|s| play(s, random_policy()).0).collect();
    let mean = |v: &[i64]| v.iter().sum::<i64>() as f64 / v.len() as f64;
    println!(
        "freeway: always-UP {up:?} (mean {:.1}), careful {careful:?} (mean {:.1}), random {random:?} (mean {:.1})",
        mean(&up),
        mean(&careful),
        mean(&random)
    );
    assert!(mean(&random) < 2.0);
    assert!(mean(&up) > mean(&random) + 10.0);
    assert!(mean(&careful) > mean(&up), "dodging cars pays off");
}
