//! Duplicates and order: fixtures replayed in shuffled schedules.

use super::*;

// ---------------------------------------------------------------------------
// Duplicates and order
// ---------------------------------------------------------------------------

/// The fixtures' peering and gateways, replaced by the world's when delivered.
pub(super) const FIXTURE_ATTACHMENT: &str = "tgw-attach-0c0c0c0c0c0c0c0c3";
pub(super) const FIXTURE_TGW_EAST: &str = "tgw-0aaaaaaaaaaaaaaa1";
pub(super) const FIXTURE_TGW_WEST: &str = "tgw-0bbbbbbbbbbbbbbb2";

pub(super) const STORY_REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];
pub(super) const VPC_W1: &str = "vpc-0eeeeeeeeeeeeeee1";
pub(super) const VPC_W2: &str = "vpc-0eeeeeeeeeeeeeee2";
pub(super) const VPC_A1: &str = "vpc-0ddddddddddddddd1";

/// How many times each event is delivered in a shuffled run.
pub(super) const REPLAYS: usize = 10;
pub(super) const SHUFFLED_ORDERS: u32 = 100;

/// The simulated clock (each re-check round is a minute), per thread.
pub(super) const T0: i64 = 1_795_600_000;
thread_local!(pub(super) static NOW: Cell<i64> = const { Cell::new(T0) });

pub(super) fn simulated_clock() -> i64 {
    NOW.with(Cell::get)
}

/// A `Tag Change on Resource` event for a VPC, like the fixtures.
pub(super) fn tag_event(r: &str, vpc: &str, tagged: bool) -> Value {
    let name = if tagged { "tag-change-added.json" } else { "tag-change-removed.json" };
    with(
        fixture(name),
        &[
            ("/id", json!(format!("evt-{vpc}-{tagged}"))),
            ("/region", json!(r)),
            ("/resources", json!([format!("arn:aws:ec2:{r}:{ACCOUNT}:vpc/{vpc}")])),
        ],
    )
}

/// One step of the story: a change in the world and the events that tell of
/// it (events are hints: each asks for a look, whatever it names).
pub(super) struct Step {
    pub(super) change: fn(&World),
    pub(super) events: Vec<Value>,
}

/// Three Regions; VPCs tagged, then a CIDR added and withdrawn, then a VPC
/// untagged. The events are every fixture, plus tag events of the other
/// Regions' VPCs.
pub(super) fn story() -> Vec<Step> {
    vec![
        Step {
            change: |w| {
                w.vpc("us-east-1", FIXTURE_VPC, Some("true"), &["10.20.0.0/16"]);
                w.vpc("eu-west-1", VPC_W1, Some("true"), &["10.30.0.0/16"]);
                w.vpc("eu-west-1", VPC_W2, Some("true"), &["10.31.0.0/16"]);
                w.vpc("ap-southeast-2", VPC_A1, Some("true"), &["10.40.0.0/16"]);
            },
            events: vec![
                fixture("tag-change-added.json"),
                tag_event("eu-west-1", VPC_W1, true),
                tag_event("eu-west-1", VPC_W2, true),
                tag_event("ap-southeast-2", VPC_A1, true),
                fixture("cloudtrail-create-vpc.json"),
                fixture("tag-change-other-key.json"),
            ],
        },
        Step {
            change: |w| {
                w.vpc("us-east-1", FIXTURE_VPC, Some("true"), &["10.20.0.0/16", "10.21.0.0/16"])
            },
            events: vec![
                fixture("cloudtrail-associate-vpc-cidr-block.json"),
                fixture("cloudtrail-create-tgw-peering.json"),
                fixture("cloudtrail-accept-tgw-peering.json"),
                fixture("state-change.json"),
                fixture("sqs-recheck.json"),
                fixture("scheduled-event.json"),
            ],
        },
        Step {
            change: |w| w.set_cidr("us-east-1", FIXTURE_VPC, "10.21.0.0/16", CidrState::Gone),
            events: vec![fixture("cloudtrail-disassociate-vpc-cidr-block.json")],
        },
        Step {
            change: |w| w.untag("eu-west-1", VPC_W2),
            events: vec![
                tag_event("eu-west-1", VPC_W2, false),
                // Names the fixtures' VPC, still tagged: the look must
                // withdraw nothing of it.
                fixture("tag-change-removed.json"),
                fixture("cloudtrail-delete-vpc.json"),
                fixture("cloudtrail-delete-tgw-peering.json"),
            ],
        },
    ]
}

/// The fixtures' peering and gateway ids replaced by the world's (the
/// peering's only once it exists: before, the event names an unknown one).
pub(super) fn adapt(world: &World, event: &Value) -> Value {
    let mut text = event.to_string();
    if let Some(id) = world.peering_between("us-east-1", "eu-west-1") {
        text = text.replace(FIXTURE_ATTACHMENT, id.as_str());
    }
    text = text
        .replace(FIXTURE_TGW_EAST, world.tgw("us-east-1").as_str())
        .replace(FIXTURE_TGW_WEST, world.tgw("eu-west-1").as_str());
    serde_json::from_str(&text).unwrap()
}

pub(super) struct Run {
    pub(super) rig: Rig,
    pub(super) deliveries: usize,
}

impl Run {
    pub(super) fn new() -> Run {
        NOW.with(|now| now.set(T0));
        let mut rig = Rig::new(World::new(&STORY_REGIONS));
        rig.handler.clock = simulated_clock;
        Run { rig, deliveries: 0 }
    }

    pub(super) fn deliver(&mut self, payload: &Value) {
        self.deliveries += 1;
        if let Err(e) = block_on(self.rig.handler.handle(payload)) {
            panic!("delivery {} failed: {e}\n{payload}", self.deliveries);
        }
    }

    /// Delivers the state changes and re-checks the bus and queue collected,
    /// a minute apart, AWS moving the peerings on in between, until none is
    /// left, or for `rounds` rounds only (the rest stays in flight).
    pub(super) fn drive(&mut self, rounds: Option<usize>) {
        for round in 0..rounds.unwrap_or(100) {
            let changes: Vec<_> = self
                .rig
                .bus
                .take()
                .into_iter()
                .filter(|e| e.detail_type() == STATE_CHANGE)
                .collect();
            let rechecks: Vec<Recheck> =
                self.rig.queue.take().into_iter().map(|(r, _)| r).collect();
            if changes.is_empty() && rechecks.is_empty() {
                return;
            }
            for (i, e) in changes.iter().enumerate() {
                self.deliver(&delivered(e, &format!("change-{round}-{i}")));
            }
            NOW.with(|now| now.set(now.get() + 60));
            self.rig.world.advance_peerings();
            for batch in rechecks.chunks(10) {
                self.deliver(&sqs_batch(batch));
            }
        }
        assert!(rounds.is_some(), "no convergence after 100 rounds of re-checks");
    }

    /// Plays the story: at each step the world changes, the events of its
    /// slot arrive in the order given, and the re-checks and state changes
    /// run for the step's number of rounds (`None`: until none is left), the
    /// next change coming while the rest are in flight. Then they run to the
    /// end, and a scheduled sweep must find nothing to do: the events alone
    /// converged.
    pub(super) fn play(
        mut self,
        story: &[Step],
        slots: &[Vec<&Value>],
        rounds: &[Option<usize>],
    ) -> Run {
        for ((step, slot), rounds) in story.iter().zip(slots).zip(rounds) {
            (step.change)(&self.rig.world);
            for event in slot {
                let event = adapt(&self.rig.world, event);
                self.deliver(&event);
            }
            self.drive(*rounds);
        }
        self.drive(None);
        let before = self.rig.world.writes().len();
        self.deliver(&fixture("scheduled-event.json"));
        self.drive(None);
        let swept = &self.rig.world.writes()[before..];
        assert!(swept.is_empty(), "the sweep after convergence wrote {swept:?}");
        self
    }
}

#[test]
fn events_replayed_ten_times_in_shuffled_orders_converge_to_the_same_network() {
    let story = story();
    let events = story.iter().map(|s| s.events.len()).sum::<usize>();
    let last = story.len() - 1;

    // Once through: each event once, in order, right after its change.
    let once: Vec<Vec<&Value>> = story.iter().map(|s| s.events.iter().collect()).collect();
    let reference = Run::new().play(&story, &once, &vec![None; story.len()]);
    let network = reference.rig.world.network();
    let writes = reference.rig.world.writes();
    // The story exercised creates, accepts, routes and withdrawals.
    for expected in [
        "create_peering",
        "accept",
        "associate",
        "create_route",
        "delete_route us-east-1 10.31.0.0/16",
        "delete_route eu-west-1 10.21.0.0/16",
    ] {
        assert!(writes.iter().any(|w| w.starts_with(expected)), "{expected}: {writes:?}");
    }
    assert_eq!(network.iter().filter(|l| l.starts_with("peering")).count(), 3);
    assert!(network
        .iter()
        .filter(|l| l.starts_with("peering"))
        .all(|l| l.matches("available").count() == 2));
    assert_eq!(network.iter().filter(|l| l.contains(": route ")).count(), 6);

    // Then each event REPLAYS times: every copy delayed by 0 to 3 steps
    // (never before the change it tells of), the copies of each step
    // delivered in a random order, and the next change often coming while
    // re-check chains are still in flight (0 to 2 rounds run of them).
    let copies = events * REPLAYS;
    let deliveries = Cell::new(0);
    let config = ProptestConfig { max_shrink_iters: 64, ..proptest_config(SHUFFLED_ORDERS, 2) };
    check_property(
        "shuffled replays",
        config,
        (
            prop::collection::vec((0..=3_usize, any::<u64>()), copies),
            prop::collection::vec(prop::option::of(0..3_usize), story.len()),
        ),
        |(schedule, rounds)| {
            let mut slots: Vec<Vec<(u64, usize, &Value)>> = vec![Vec::new(); story.len()];
            let all = story
                .iter()
                .enumerate()
                .flat_map(|(i, s)| s.events.iter().map(move |e| (i, e)))
                .flat_map(|x| std::iter::repeat_n(x, REPLAYS));
            for (n, ((step, event), (delay, order))) in all.zip(&schedule).enumerate() {
                slots[(step + delay).min(last)].push((*order, n, event));
            }
            let slots: Vec<Vec<&Value>> = slots
                .into_iter()
                .map(|mut slot| {
                    slot.sort_by_key(|&(order, n, _)| (order, n));
                    slot.into_iter().map(|(_, _, e)| e).collect()
                })
                .collect();
            let run = Run::new().play(&story, &slots, &rounds);
            deliveries.set(deliveries.get() + run.deliveries);
            prop_assert_eq!(run.rig.world.network(), network.clone());
            Ok(())
        },
    );
    println!(
        "duplicates and order: {events} events (all 13 fixtures and 4 tag events), once through in \
         {} deliveries; then {SHUFFLED_ORDERS} shuffled schedules of {REPLAYS} copies each \
         ({} replays, delayed by up to 3 steps, the world changing while re-checks are in flight), \
         {} deliveries in all with the re-checks and state changes: every run ended in the same \
         network ({} peerings, {} associations, {} routes) and a sweep with nothing to do",
        reference.deliveries,
        SHUFFLED_ORDERS as usize * copies,
        deliveries.get(),
        network.iter().filter(|l| l.starts_with("peering")).count(),
        network.iter().filter(|l| l.ends_with("associated")).count(),
        network.iter().filter(|l| l.contains(": route ")).count(),
    );
}
