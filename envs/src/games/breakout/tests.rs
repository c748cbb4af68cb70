//! Rules of Breakout checked frame by frame: serving, brick scores, bounce angles, speed-ups,
//! lost balls, clearing both walls, and drawing.

use super::*;
use crate::game::SCREEN_H;
use rand::SeedableRng;

fn game() -> (Breakout, GameRng) {
    let mut rng = GameRng::seed_from_u64(7);
    let mut g = Breakout::default();
    g.reset(&mut rng);
    (g, rng)
}

#[test]
fn ball_waits_for_fire() {
    let (mut g, mut rng) = game();
    for _ in 0..100 {
        g.tick(Action::Noop, &mut rng);
    }
    assert!(!g.ball_in_play);
    g.tick(Action::Fire, &mut rng);
    assert!(g.ball_in_play);
    assert!(g.ball_vy > 0.0);
}

#[test]
fn bricks_score_by_row() {
    for (row, points) in ROW_POINTS.iter().enumerate() {
        let (mut g, mut rng) = game();
        for r in row + 1..BRICK_ROWS {
            g.bricks[r] = 0;
        }
        g.ball_in_play = true;
        g.ball_x = 60.0;
        g.ball_y = BRICKS_Y + (row + 1) as f32 * BRICK_H + 0.5;
        g.ball_vx = 0.0;
        g.ball_vy = -1.0;
        let reward = g.tick(Action::Noop, &mut rng);
        assert_eq!(reward, *points as f32, "row {row}");
        assert!(g.ball_vy > 0.0, "the ball bounces back down");
        assert_eq!(g.score, *points as i64);
    }
}

#[test]
fn paddle_position_sets_bounce_angle() {
    let mut slopes = Vec::new();
    for offset in [0.0, 7.0, 14.0] {
        let (mut g, mut rng) = game();
        g.ball_in_play = true;
        g.paddle_x = 60.0;
        g.ball_x = 60.0 + offset;
        g.ball_y = PADDLE_Y - BALL_H - 0.5;
        g.ball_vx = 0.0;
        g.ball_vy = 1.0;
        g.tick(Action::Noop, &mut rng);
        assert!(g.ball_vy < 0.0);
        slopes.push(g.ball_vx / -g.ball_vy);
    }
    assert!(
        slopes[0] < -0.9 && slopes[1].abs() < 0.5 && slopes[2] > 0.9,
        "{slopes:?}"
    );
}

#[test]
fn ball_speeds_up_after_hits() {
    let (mut g, _) = game();
    assert_eq!(g.speed(), SPEEDS[0]);
    g.paddle_hits = 4;
    assert_eq!(g.speed(), SPEEDS[1]);
    g.paddle_hits = 12;
    g.reached_orange = true;
    assert_eq!(g.speed(), SPEEDS[3]);
}

#[test]
fn five_lost_balls_end_the_game() {
    let (mut g, mut rng) = game();
    for lost in 1..=LIVES {
        g.tick(Action::Fire, &mut rng);
        g.paddle_x = if g.ball_x < 80.0 { 130.0 } else { 10.0 };
        let mut frames = 0;
        while g.ball_in_play && frames < 10_000 {
            let away = if g.ball_x < 80.0 { Action::Right } else { Action::Left };
            g.tick(away, &mut rng);
            frames += 1;
        }
        assert_eq!(g.lives, LIVES - lost);
    }
    assert!(g.game_over());
    assert_eq!(g.tick(Action::Fire, &mut rng), 0.0);
}

#[test]
fn clearing_both_walls_ends_the_game() {
    let (mut g, mut rng) = game();
    g.bricks = [0, 0, 0, 0, 0, 1];
    g.bricks_left = 1;
    g.ball_in_play = true;
    g.ball_x = WALL + 1.0;
    g.ball_y = BRICKS_Y + 6.0 * BRICK_H + 0.5;
    g.ball_vx = 0.0;
    g.ball_vy = -1.0;
    assert_eq!(g.tick(Action::Noop, &mut rng), 1.0);
    assert_eq!(g.wall, 2);
    assert_eq!(g.bricks_left, 108);
    assert!(!g.game_over());
    g.bricks = [0, 0, 0, 0, 0, 1];
    g.bricks_left = 1;
    g.ball_in_play = true;
    g.ball_y = BRICKS_Y + 6.0 * BRICK_H + 0.5;
    g.ball_vy = -1.0;
    g.tick(Action::Noop, &mut rng);
    assert!(g.game_over());
}

#[test]
fn draw_merges_brick_runs() {
    let (g, _) = game();
    let mut scene = Scene::new(SCREEN_W as f32, SCREEN_H as f32);
    g.draw(&mut scene);
    let bricks = scene.rects().iter().filter(|r| r.class == Class::Building).count();
    assert_eq!(bricks, BRICK_ROWS, "a full wall is one rectangle per row");
    assert!(scene.rects().len() <= 40, "{} rectangles", scene.rects().len());
}
