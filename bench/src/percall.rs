//! The per-call probe: a fixed number of sequential calls with the server and the client on one
//! current-thread runtime, so that `valgrind --tool=callgrind` counts the instructions of client
//! and server together, repeatably (`bench/callgrind` runs it twice and takes the difference).

use crate::harness::{Op, call, runtime};
use crate::stacks::{BoxError, Client, Stack, StackKind, WithStack};

/// Calls made before the counted ones, so that buffers, pools and dictionaries are warm in both
/// of the runs whose difference is taken.
const WARMUP: u32 = 200;

/// Runs `calls` sequential calls of `op` on `kind` (after the warm-up), on one thread.
pub(crate) fn run(kind: StackKind, op: Op, calls: u32) -> Result<(), BoxError> {
    kind.with(Probe { op, calls })
}

struct Probe {
    op: Op,
    calls: u32,
}

impl WithStack for Probe {
    type Output = Result<(), BoxError>;

    fn run<S: Stack>(self, stack: S) -> Self::Output {
        let Probe { op, calls } = self;
        runtime().block_on(async {
            let (server, address) = stack.serve().await?;
            let client = stack.connect(&address).await?;
            let payload = op.payload();
            for n in 0..WARMUP + calls {
                call(&client, op, &payload, n).await?;
            }
            client.close().await?;
            drop(server);
            Ok(())
        })
    }
}
