//! Runs the Rust side of the peer benchmarks and prints JSON lines like the Python peers:
//! `cargo run --release -p nets --example bench_nets -- [threads] [device] [segnet_iters] [updates]`.
use nets::bench::{dqn_update, segnet_inference, DqnBenchConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads: i32 = args.first().map_or(Ok(1), |s| s.parse())?;
    let device = nets::parse_device(args.get(1).map_or("cpu", |s| s.as_str()))?;
    let seg_iters: usize = args.get(2).map_or(Ok(10), |s| s.parse())?;
    let updates: usize = args.get(3).map_or(Ok(30), |s| s.parse())?;
    tch::set_num_threads(threads);
    for preset in ["basic", "vgg16"] {
        let iters = if preset == "basic" {
            seg_iters
        } else {
            seg_iters.div_ceil(4)
        };
        let ips = segnet_inference(preset, 360, 480, iters, device, nets::Precision::Fp32)?;
        println!(
            "{{\"bench\": \"segnet_inference\", \"preset\": \"{preset}\", \"device\": \"{device:?}\", \"threads\": {threads}, \
             \"images_per_sec\": {ips:.3}}}"
        );
    }
    for double in [false, true] {
        let cfg = DqnBenchConfig {
            updates,
            acts: updates * 10,
            double,
            device,
            ..DqnBenchConfig::default()
        };
        let r = dqn_update(&cfg)?;
        println!(
            "{{\"bench\": \"dqn_update\", \"device\": \"{device:?}\", \"threads\": {threads}, \"double\": {double}, \
             \"parameters\": {}, \"updates_per_sec\": {:.2}, \"act_per_sec\": {:.1}}}",
            r.parameters, r.updates_per_sec, r.act_per_sec
        );
    }
    Ok(())
}
