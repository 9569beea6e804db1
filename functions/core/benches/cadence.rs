//! The watcher's cadence, measured against the AWS phases it waits out.
//!
//! A re-check chain starts at an AWS transition (the tool's create or
//! accept, or the last state change it saw). The next transition comes after
//! a phase of L seconds; the chain notices it at its first look at or after
//! L. For every phase length from 30 s to 10 min (in steps of 0.25 s, taken
//! as equally likely), this prints the time the tool adds after the
//! transition (p50, p95, max) and the most messages a phase costs, for the
//! schedule in use (`Recheck::delay_secs`) and for others, with a look's
//! own latency (SQS delivery, the invocation, two describes) of 0.1 and
//! 0.5 s. The schedule in use must add at most 5 s at p95 in at most 150
//! messages per phase; the benchmark asserts it.
//!
//! `cargo bench -p tgw-peering-core --bench cadence` (`make bench-cadence`);
//! results in BENCHMARKS.md.

use tgw_peering_core::events::Recheck;

/// (time added after the transition, messages until it was noticed).
fn notice(phase: f64, latency: f64, delay: &dyn Fn(u32) -> i32) -> (f64, u32) {
    let mut t = 0.0;
    let mut looks = 0;
    while t < phase {
        t += f64::from(delay(looks)) + latency;
        looks += 1;
    }
    (t - phase, looks)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

/// p50, p95 and max added seconds, and the most messages of a phase.
fn measure(latency: f64, delay: &dyn Fn(u32) -> i32) -> (f64, f64, f64, u32) {
    let mut added = Vec::new();
    let mut most = 0;
    let mut phase = 30.0;
    while phase <= 600.0 {
        let (a, m) = notice(phase, latency, delay);
        added.push(a);
        most = most.max(m);
        phase += 0.25;
    }
    added.sort_by(f64::total_cmp);
    (percentile(&added, 0.5), percentile(&added, 0.95), added[added.len() - 1], most)
}

fn main() {
    let backoff = |a: u32| match a {
        0 => 5,
        1 => 10,
        2 => 20,
        3 => 40,
        _ => 60,
    };
    let schedules: [(&str, &dyn Fn(u32) -> i32); 5] = [
        ("5, 10, 20, 40, then 60 s (before)", &backoff),
        ("every 5 s", &|_| 5),
        ("every 4 s (in use: Recheck::delay_secs)", &Recheck::delay_secs),
        ("every 3 s", &|_| 3),
        ("every 2 s", &|_| 2),
    ];
    println!("\n### The watcher's cadence (AWS phases of 30 s to 10 min)\n");
    println!("| schedule | look latency | added p50 | added p95 | added max | messages per phase, most |");
    println!("|---|---|---|---|---|---|");
    for latency in [0.1, 0.5] {
        for (name, delay) in &schedules {
            let (p50, p95, max, most) = measure(latency, *delay);
            println!("| {name} | {latency:.1} s | {p50:.1} s | {p95:.1} s | {max:.1} s | {most} |");
        }
    }
    for latency in [0.1, 0.5] {
        let (_, p95, _, most) = measure(latency, &Recheck::delay_secs);
        assert!(p95 <= 5.0, "the cadence in use adds {p95:.1} s at p95 with {latency} s latency");
        assert!(most <= 150, "the cadence in use costs {most} messages a phase");
    }
}
