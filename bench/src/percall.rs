//! The per-call probe: a fixed number of sequential calls with the server and the client on one
//! current-thread runtime, so that `valgrind --tool=callgrind` counts the instructions of client
//! and server together, repeatably (`bench/callgrind` runs it twice and takes the difference).

use crate::harness::{Op, call, runtime};
use crate::stacks::{BoxError, Client, Stack, StackKind, WithStack};

/// Calls made before the counted ones, so that buffers, pools and dictionaries are warm in both
/// of the runs whose difference is taken.
const WARMUP: u32 = 200;

/// What one repetition of the probe does.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    /// One call of the operation on one open client.
    Call(Op),
    /// A whole session: connect, one `add`, close.
    Session,
}

impl Step {
    /// The step named `key` on the command line: an operation's key, or `setup`.
    pub(crate) fn from_key(key: &str) -> Option<Step> {
        if key == "setup" {
            return Some(Step::Session);
        }
        Op::ALL
            .into_iter()
            .find(|op| op.key() == key)
            .map(Step::Call)
    }
}

/// Runs `count` repetitions of `step` on `kind` (after the warm-up), on one thread.
pub(crate) fn run(kind: StackKind, step: Step, count: u32) -> Result<(), BoxError> {
    kind.with(Probe { step, count })
}

struct Probe {
    step: Step,
    count: u32,
}

impl WithStack for Probe {
    type Output = Result<(), BoxError>;

    fn run<S: Stack>(self, stack: S) -> Self::Output {
        let Probe { step, count } = self;
        runtime().block_on(async {
            let (server, address) = stack.serve().await?;
            match step {
                Step::Call(op) => {
                    let client = stack.connect(&address).await?;
                    let payload = op.payload();
                    for n in 0..WARMUP + count {
                        call(&client, op, &payload, n).await?;
                    }
                    client.close().await?;
                }
                Step::Session => {
                    for n in 0..WARMUP + count {
                        let client = stack.connect(&address).await?;
                        call(&client, Op::Add, &Default::default(), n).await?;
                        client.close().await?;
                    }
                }
            }
            drop(server);
            Ok(())
        })
    }
}
