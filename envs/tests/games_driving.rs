//! The driving game through the `Game` trait, and the segmentation scene sampler.

use envs::game::{Action, Game, GameRng, SCREEN_H, SCREEN_W};
use envs::games::driving::sampler::{add_noise, sample_image, sample_scene};
use envs::games::driving::{Driving, DAY_FRAMES};
use envs::{Class, Frame, Scene};
use rand::{RngExt, SeedableRng};

fn play(seed: u64, frames: usize) -> (Vec<f32>, Vec<u8>) {
    let mut rng = GameRng::seed_from_u64(seed);
    let mut game = Driving::default();
    game.reset(&mut rng);
    let actions = game.minimal_actions();
    let mut act_rng = GameRng::seed_from_u64(seed + 1000);
    let mut rewards = Vec::new();
    for _ in 0..frames {
        let a = actions[act_rng.random_range(0..actions.len())];
        rewards.push(game.tick(a, &mut rng));
    }
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    game.draw(&mut scene);
    let mut frame = Frame::new(SCREEN_W, SCREEN_H);
    scene.render_rgb(&mut frame);
    (rewards, frame.data)
}

#[test]
fn same_seed_same_game() {
    let a = play(7, 3000);
    let b = play(7, 3000);
    assert_eq!(a, b);
    let c = play(8, 3000);
    assert_ne!(a.1, c.1, "different seeds should give different pictures");
}

#[test]
fn minimal_actions_are_enduros_seven() {
    let names: Vec<&str> = Driving::default().minimal_actions().iter().map(|a| a.name()).collect();
    assert_eq!(
        names,
        ["NOOP", "FIRE", "RIGHT", "LEFT", "DOWN", "RIGHTFIRE", "LEFTFIRE"]
    );
}

#[test]
fn random_play_100k_frames_without_panic() {
    let mut rng = GameRng::seed_from_u64(3);
    let mut game = Driving::default();
    game.reset(&mut rng);
    let actions = game.minimal_actions();
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    let mut gray = vec![0u8; 84 * 84];
    let mut episodes = 0;
    for t in 0..100_000 {
        if game.game_over() {
            episodes += 1;
            game.reset(&mut rng);
        }
        let a = actions[rng.random_range(0..actions.len())];
        let r = game.tick(a, &mut rng);
        assert!(r.abs() <= 6.0 && r.fract() == 0.0, "reward {r}");
        if t % 7 == 0 {
            game.draw(&mut scene);
            scene.render_gray(&mut gray, 84, 84);
        }
    }
    // A random agent does not meet the quota: every episode is one day.
    assert!(episodes >= (100_000 / DAY_FRAMES as usize) - 1, "episodes {episodes}");
}

#[test]
fn accelerating_passes_cars_and_braking_loses_them() {
    let mut rng = GameRng::seed_from_u64(11);
    let mut game = Driving::default();
    game.reset(&mut rng);
    let (mut passed, mut overtakes) = (0.0, 0);
    for _ in 0..3000 {
        // Full throttle, steering back to the road centre.
        let x = game.player_x();
        let a = if x > 0.1 {
            Action::LeftFire
        } else if x < -0.1 {
            Action::RightFire
        } else {
            Action::Fire
        };
        let r = game.tick(a, &mut rng);
        passed += r;
        overtakes += (r > 0.0) as usize;
    }
    assert!(overtakes > 0, "full throttle should overtake cars");
    assert!(game.speed_fraction() > 0.0);
    let mut lost = 0.0;
    for _ in 0..3000 {
        lost += game.tick(Action::Down, &mut rng);
    }
    assert_eq!(game.speed_fraction(), 0.0);
    assert!(lost < 0.0, "standing still, cars should overtake us, got {lost}");
    assert_eq!(game.score(), (passed + lost) as i64);
}

/// Every pixel's colour and label come from the same rectangle: the topmost one covering the
/// pixel centre (or the background when none does).
fn assert_labels_aligned(scene: &Scene, w: usize, h: usize, background: ([u8; 3], Class)) {
    let mut frame = Frame::new(w, h);
    scene.render_rgb(&mut frame);
    let mut labels = vec![0u8; w * h];
    scene.render_labels(&mut labels, w, h);
    let (sx, sy) = (scene.width() / w as f32, scene.height() / h as f32);
    for y in 0..h {
        for x in 0..w {
            let (cx, cy) = ((x as f32 + 0.5) * sx, (y as f32 + 0.5) * sy);
            let top = scene
                .rects()
                .iter()
                .rev()
                .find(|r| r.x0 <= cx && cx < r.x1 && r.y0 <= cy && cy < r.y1);
            let expect = top.map(|r| (r.rgb, r.class)).unwrap_or(background);
            assert_eq!(frame.pixel(x, y), expect.0, "colour at ({x}, {y})");
            assert_eq!(labels[y * w + x], expect.1 as u8, "label at ({x}, {y})");
        }
    }
}

#[test]
fn game_labels_align_with_picture() {
    let mut rng = GameRng::seed_from_u64(5);
    let mut game = Driving::default();
    game.reset(&mut rng);
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    let mut seen = [false; 12];
    for step in 0..40 {
        for _ in 0..250 {
            game.tick(Action::Fire, &mut rng);
        }
        game.draw(&mut scene);
        // The background is the sky; find its colour from a pixel no rect covers (top-left).
        let mut frame = Frame::new(SCREEN_W, SCREEN_H);
        scene.render_rgb(&mut frame);
        let bg = (frame.pixel(0, 0), Class::Sky);
        if step % 8 == 0 {
            assert_labels_aligned(&scene, SCREEN_W, SCREEN_H, bg);
        }
        for r in scene.rects() {
            seen[r.class as usize] = true;
        }
    }
    for class in Class::ALL {
        assert!(seen[class as usize], "the game never drew {class:?}");
    }
    assert!(seen[Class::Void as usize], "the HUD is void");
}

#[test]
fn sampler_labels_align_and_cover_all_classes() {
    let mut rng = GameRng::seed_from_u64(1);
    let mut counts = [0usize; 12];
    for i in 0..30 {
        let mut scene = Scene::new(480.0, 360.0);
        sample_scene(&mut scene, &mut rng);
        let mut labels = vec![0u8; 480 * 360];
        scene.render_labels(&mut labels, 480, 360);
        for l in &labels {
            counts[*l as usize] += 1;
        }
        if i < 3 {
            let mut frame = Frame::new(480, 360);
            scene.render_rgb(&mut frame);
            assert_labels_aligned(&scene, 480, 360, (frame.pixel(0, 0), Class::Sky));
            // Any output size lines up too.
            assert_labels_aligned(&scene, 240, 180, (frame.pixel(0, 0), Class::Sky));
        }
    }
    for class in Class::ALL {
        assert!(
            counts[class as usize] > 0,
            "no {class:?} pixels in 30 scenes: {counts:?}"
        );
    }
    assert_eq!(counts[Class::Void as usize], 0, "sampled scenes have no void pixels");
}

#[test]
fn noise_changes_pixels_not_labels_and_is_deterministic() {
    let a = sample_image(96, 72, 0.05, &mut GameRng::seed_from_u64(9));
    let b = sample_image(96, 72, 0.05, &mut GameRng::seed_from_u64(9));
    assert_eq!(a.0.data, b.0.data);
    assert_eq!(a.1, b.1);
    let clean = sample_image(96, 72, 0.0, &mut GameRng::seed_from_u64(9));
    assert_eq!(clean.1, a.1, "noise must not change labels");
    let mut noisy = clean.0.clone();
    add_noise(&mut noisy, &mut GameRng::seed_from_u64(1), 0.05);
    let changed = noisy.data.iter().zip(&clean.0.data).filter(|(x, y)| x != y).count();
    assert!(changed > noisy.data.len() / 2, "only {changed} values changed");
}

/// Width in pixels of `class` in a scene's label map: the widest row's first to last pixel.
fn widest_row(scene: &Scene, w: usize, h: usize, class: Class) -> usize {
    let mut labels = vec![0u8; w * h];
    scene.render_labels(&mut labels, w, h);
    labels
        .chunks(w)
        .filter_map(|row| {
            let first = row.iter().position(|&l| l == class as u8)?;
            let last = row.iter().rposition(|&l| l == class as u8)?;
            Some(last - first + 1)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn side_view_bicyclist_shows_its_bicycle() {
    use envs::games::driving::palette::{DrivingPalette, TimeOfDay};
    use envs::games::driving::props::{draw_prop, Prop, PropKind, SIDE_VIEW};
    use envs::games::driving::view::View;
    let view = View {
        horizon: 60.0,
        bottom: 180.0,
        center_x: 120.0,
        half_road: 80.0,
        curve: 0.0,
        z_near: 1.0,
        lanes: 2,
        pavement_out: 1.4,
        travelled: 0.0,
        row_height: 1.0,
    };
    let pal = DrivingPalette::of(TimeOfDay::Day);
    let draw = |kind, variant| {
        let mut scene = Scene::new(240.0, 180.0);
        scene.clear(pal.sky, Class::Sky);
        let prop = Prop {
            kind,
            z: 3.0,
            lateral: 0.0,
            size: 1.0,
            length: 0.0,
            variant,
        };
        draw_prop(&mut scene, &view, &pal, &prop);
        scene
    };
    let rear = widest_row(&draw(PropKind::Bicyclist, 0), 240, 180, Class::Bicyclist);
    let side = widest_row(&draw(PropKind::Bicyclist, SIDE_VIEW), 240, 180, Class::Bicyclist);
    let walker = widest_row(&draw(PropKind::Pedestrian, 0), 240, 180, Class::Pedestrian);
    // At z = 3 one unit is 80/3 ≈ 27 px: the side view is about 0.54 units long (two wheels and
    // the frame), the rear view and a pedestrian about 0.2 and 0.14 units wide.
    assert!(side >= 13, "side view only {side} px wide");
    assert!(
        side >= 2 * rear && side >= 3 * walker,
        "side {side}, rear {rear}, pedestrian {walker}"
    );
}
