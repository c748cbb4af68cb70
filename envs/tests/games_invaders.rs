//! Space Invaders through the `Game` trait: shooting scores, shields wear, lives run out, aliens
//! land, waves restart lower, determinism, random play, and a scripted policy against random play.

use envs::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use envs::games::invaders::Invaders;
use envs::scene::{Class, Scene};
use rand::{RngExt, SeedableRng};

/// The cannon's top edge and width.
const CANNON_Y: f32 = 182.0;
const CANNON_W: f32 = 9.0;

fn new_game(seed: u64) -> (Invaders, GameRng) {
    let mut rng = GameRng::seed_from_u64(seed);
    let mut game = Invaders::default();
    game.reset(&mut rng);
    (game, rng)
}

/// Moves the cannon's centre toward `x` (within a pixel), pressing FIRE or not.
fn move_toward(game: &Invaders, x: f32, fire: bool) -> Action {
    let centre = game.cannon_x() + CANNON_W / 2.0;
    match (x - centre, fire) {
        (d, false) if d > 1.0 => Action::Right,
        (d, false) if d < -1.0 => Action::Left,
        (_, false) => Action::Noop,
        (d, true) if d > 1.0 => Action::RightFire,
        (d, true) if d < -1.0 => Action::LeftFire,
        (_, true) => Action::Fire,
    }
}

/// Fires when a look-ahead on a copy of the game says the shot will hit an alien, and goes under
/// the nearest alien, unless the look-ahead says that gets the cannon hit; then it stands still or
/// steps aside, whichever is safe.
fn hunt(game: &Invaders) -> Action {
    let fire = game.laser().is_none() && shot_hits(game);
    let centre = game.cannon_x() + CANNON_W / 2.0;
    let nearest = game
        .alien_boxes()
        .map(|(ax, _, w, _)| ax + w / 2.0)
        .min_by(|a, b| (a - centre).abs().total_cmp(&(b - centre).abs()));
    let wanted = move_toward(game, nearest.unwrap_or(centre), fire);
    dodge(game, wanted, fire)
}

/// Whether a shot fired now hits an alien, tried on a copy of the game.
fn shot_hits(game: &Invaders) -> bool {
    let mut copy = game.clone();
    let mut rng = GameRng::seed_from_u64(0);
    let mut reward = copy.tick(Action::Fire, &mut rng);
    for _ in 0..60 {
        if copy.laser().is_none() {
            break;
        }
        reward += copy.tick(Action::Noop, &mut rng);
    }
    reward > 0.0
}

/// `wanted` if holding it for a while keeps the cannon safe, else the first safe of standing
/// still, left and right (keeping FIRE as asked).
fn dodge(game: &Invaders, wanted: Action, fire: bool) -> Action {
    let options = if fire {
        [wanted, Action::Fire, Action::LeftFire, Action::RightFire]
    } else {
        [wanted, Action::Noop, Action::Left, Action::Right]
    };
    options.into_iter().find(|&a| safe(game, a)).unwrap_or(wanted)
}

/// Whether holding `action` for 30 frames, tried on a copy of the game, costs no life.
fn safe(game: &Invaders, action: Action) -> bool {
    let mut copy = game.clone();
    let mut rng = GameRng::seed_from_u64(0);
    (0..30).all(|_| {
        copy.tick(action, &mut rng);
        copy.lives() == game.lives() && !copy.wrecked()
    })
}

/// Plays one game for at most five minutes, an action every 4 frames (ALE's frame skip); returns
/// the score.
fn play(seed: u64, mut policy: impl FnMut(&Invaders, &mut GameRng) -> Action) -> i64 {
    let (mut game, mut rng) = new_game(seed);
    let mut policy_rng = GameRng::seed_from_u64(seed ^ 0xbeef);
    let mut total = 0.0;
    let mut frames = 0;
    while !game.game_over() && frames < 5 * 60 * 60 {
        let action = policy(&game, &mut policy_rng);
        for _ in 0..4 {
            total += game.tick(action, &mut rng);
        }
        frames += 4;
    }
    assert_eq!(total as i64, game.score());
    game.score()
}

fn random_action(game: &Invaders, rng: &mut GameRng) -> Action {
    let actions = game.minimal_actions();
    actions[rng.random_range(0..actions.len())]
}

#[test]
fn minimal_actions_and_three_lives() {
    let (game, _) = new_game(0);
    let names: Vec<_> = game.minimal_actions().iter().map(|a| a.name()).collect();
    assert_eq!(names, ["NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE"]);
    assert_eq!(game.lives(), 3);
    assert_eq!(game.aliens_left(), 36);
    assert_eq!(game.id(), "invaders");
    assert!(!game.game_over());
}

#[test]
fn shooting_kills_aliens_and_scores_by_row() {
    let (mut game, mut rng) = new_game(1);
    let mut kills = 0;
    let mut frames = 0;
    while kills < 12 && !game.game_over() {
        let left = game.aliens_left();
        let score = game.score();
        let laser = game.laser().is_some();
        let reward = game.tick(hunt(&game), &mut rng);
        if reward > 0.0 {
            kills += 1;
            assert!(laser, "only a flying shot kills");
            assert_eq!(game.aliens_left(), left - 1);
            assert_eq!(game.score(), score + reward as i64);
            assert!([5.0, 10.0, 15.0, 20.0, 25.0, 30.0].contains(&reward), "reward {reward}");
        } else {
            assert_eq!(reward, 0.0);
        }
        frames += 1;
        assert!(frames < 20_000);
    }
    assert_eq!(kills, 12, "the hunter kills aliens");
}

#[test]
fn one_shot_at_a_time() {
    let (mut game, mut rng) = new_game(2);
    game.tick(Action::Fire, &mut rng);
    let first = game.laser().expect("FIRE shoots");
    game.tick(Action::Fire, &mut rng);
    let (x, y) = game.laser().unwrap();
    assert_eq!(x, first.0, "the same shot flies on");
    assert!(y < first.1);
}

#[test]
fn shots_wear_the_shields_away() {
    let (mut game, mut rng) = new_game(3);
    let blocks = game.shield_blocks();
    // The left shield spans x 30..50; stand under it and shoot.
    for _ in 0..200 {
        let a = move_toward(&game, 40.0, true);
        game.tick(a, &mut rng);
    }
    assert!(
        game.shield_blocks() < blocks - 4,
        "{} of {blocks} blocks left",
        game.shield_blocks()
    );
    assert_eq!(game.score(), 0, "no shot gets through a whole shield that fast");
}

#[test]
fn losing_all_lives_ends_the_game() {
    // Running under the lowest falling bullet gets the cannon hit again and again.
    let (mut game, mut rng) = new_game(4);
    let mut lives_seen = vec![game.lives()];
    let mut frames = 0;
    while !game.game_over() {
        let target = game.bullets().max_by(|a, b| a.1.total_cmp(&b.1)).map(|b| b.0);
        let action = move_toward(&game, target.unwrap_or(80.0), false);
        let lives = game.lives();
        game.tick(action, &mut rng);
        if game.lives() != lives {
            assert_eq!(game.lives(), lives - 1, "a hit costs one life");
            lives_seen.push(game.lives());
            if game.lives() > 0 {
                assert!(game.wrecked());
                assert_eq!(game.bullets().count(), 0, "a hit clears the bullets");
                let score = game.score();
                assert_eq!(game.tick(Action::Fire, &mut rng), 0.0);
                assert!(
                    game.laser().is_none() && game.score() == score,
                    "play pauses while wrecked"
                );
            }
        }
        frames += 1;
        assert!(frames < 50_000, "the cannon should be hit three times");
    }
    assert_eq!(lives_seen, [3, 2, 1, 0]);
    assert!(
        game.alien_boxes().all(|(_, y, _, h)| y + h < CANNON_Y),
        "the game ended by lives, not a landing"
    );
    assert_eq!(game.tick(Action::Fire, &mut rng), 0.0);
}

#[test]
fn aliens_reaching_the_ground_end_the_game() {
    // Never fire and dodge the bullets: the aliens march down to the cannon's height. Bullets
    // dropped from just above the cannon cannot always be dodged, so some games end by lives;
    // count the landings.
    let mut landings = 0;
    for seed in 0..10 {
        let (mut game, mut rng) = new_game(seed);
        let mut lives = game.lives();
        let mut frames = 0;
        while !game.game_over() {
            lives = game.lives();
            let action = dodge(&game, move_toward(&game, 60.0, false), false);
            game.tick(action, &mut rng);
            frames += 1;
            assert!(frames < 100_000);
        }
        let lowest = game.alien_boxes().map(|(_, y, _, h)| y + h).fold(0.0, f32::max);
        assert_eq!(game.aliens_left(), 36);
        if lowest >= CANNON_Y {
            assert!(
                lives > 0 && game.lives() == 0,
                "a landing ends the game at once, whatever the lives"
            );
            landings += 1;
        } else {
            assert_eq!(game.lives(), 0, "the game ended before a landing, so by lives");
        }
    }
    assert!(landings > 0, "none of the ten games ended by a landing");
    println!("landings: {landings} of 10");
}

#[test]
fn a_cleared_wave_brings_a_lower_one() {
    let (mut game, mut rng) = new_game(6);
    let first_top = game.alien_boxes().map(|b| b.1).fold(f32::MAX, f32::min);
    let mut frames = 0;
    while game.wave() == 0 {
        game.tick(hunt(&game), &mut rng);
        assert!(
            !game.game_over(),
            "the hunter should clear the first wave (score {})",
            game.score()
        );
        frames += 1;
        assert!(frames < 100_000);
    }
    assert_eq!(game.aliens_left(), 36);
    let second_top = game.alien_boxes().map(|b| b.1).fold(f32::MAX, f32::min);
    assert!(
        second_top > first_top,
        "wave 2 starts at {second_top}, wave 1 at {first_top}"
    );
    assert!(game.score() >= 36 * 5);
}

#[test]
fn same_seed_and_actions_give_the_same_game() {
    let run = |seed: u64| {
        let (mut game, mut rng) = new_game(seed);
        let mut actions = GameRng::seed_from_u64(11);
        let mut trace = Vec::new();
        for _ in 0..5_000 {
            let a = random_action(&game, &mut actions);
            trace.push((game.tick(a, &mut rng), game.lives()));
            if game.game_over() {
                break;
            }
        }
        let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
        game.draw(&mut scene);
        let bullets: Vec<_> = game.bullets().collect();
        (trace, game.score(), bullets, scene.rects().to_vec())
    };
    assert_eq!(run(7), run(7));
    assert_ne!(run(7), run(8), "another seed shoots differently");
}

#[test]
fn random_play_for_100k_frames_never_panics_and_stays_in_bounds() {
    let (mut game, mut rng) = new_game(9);
    let mut actions = GameRng::seed_from_u64(10);
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    let mut games = 0;
    for frame in 0..100_000 {
        let a = Action::ALL[actions.random_range(0..Action::ALL.len())];
        let r = game.tick(a, &mut rng);
        assert!((0.0..=30.0).contains(&r) && r % 5.0 == 0.0, "reward {r}");
        assert!(game.lives() <= 3);
        assert!((8.0..=152.0 - CANNON_W).contains(&game.cannon_x()));
        for (x, y, w, h) in game.alien_boxes() {
            assert!(
                x >= 8.0 && x + w <= 152.0 && y >= 20.0 && y + h <= CANNON_Y + 8.0,
                "alien at {x}, {y}"
            );
        }
        for (x, y) in game.bullets().chain(game.laser()) {
            assert!(
                (0.0..SCREEN_W as f32).contains(&x) && (14.0..SCREEN_H as f32).contains(&y),
                "shot at {x}, {y}"
            );
        }
        if frame % 3 == 0 {
            game.draw(&mut scene);
            let n = scene.rects().len();
            assert!(n < 260, "{n} rectangles");
            for r in scene.rects() {
                assert!(r.x0 >= 0.0 && r.y0 >= 0.0 && r.x1 <= SCREEN_W as f32 && r.y1 <= SCREEN_H as f32);
            }
            let alien_rects = scene.rects().iter().filter(|r| r.class == Class::Pedestrian).count();
            assert_eq!(alien_rects, 4 * game.aliens_left() as usize);
        }
        if game.game_over() {
            games += 1;
            game.reset(&mut rng);
        }
    }
    assert!(
        games >= 2,
        "random play should lose a few games in 100k frames, lost {games}"
    );
}

#[test]
fn hunting_beats_random_play() {
    let seeds = 0..5u64;
    let hunter: Vec<i64> = seeds.clone().map(|s| play(s, |g, _| hunt(g))).collect();
    let random: Vec<i64> = seeds.map(|s| play(s, random_action)).collect();
    let mean = |v: &[i64]| v.iter().sum::<i64>() as f64 / v.len() as f64;
    println!(
        "invaders: hunter {hunter:?} (mean {:.1}), random {random:?} (mean {:.1})",
        mean(&hunter),
        mean(&random)
    );
    assert!(mean(&random) > 0.0, "random play hits something");
    assert!(mean(&hunter) > 2.0 * mean(&random));
}
