//! Memory of idle sessions, measured in child processes: one runs the server, another opens the
//! sessions (each with one completed call) and keeps them open. The resident set of each process
//! is read from `/proc/<pid>/statm` before the sessions open and after, and the growth is divided
//! by the number of sessions. Nothing else runs in either process, so nothing must be subtracted.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use crate::harness::{ServerThread, open_idle, runtime};
use crate::stacks::{BoxError, Stack, StackKind, WithStack};

/// Resident bytes per idle session: (server, client).
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdleMemory {
    /// Growth of the server's resident set per session, in bytes.
    pub server: f64,
    /// Growth of the client's resident set per session, in bytes.
    pub client: f64,
}

/// How long the processes settle before their resident sets are read.
const SETTLE: Duration = Duration::from_millis(300);

/// The resident set of process `pid` in bytes.
fn resident(pid: u32) -> Result<u64, BoxError> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm"))?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .ok_or("statm has no resident field")?
        .parse()?;
    Ok(pages * page_size()?)
}

fn page_size() -> Result<u64, BoxError> {
    // `getconf` rather than libc: the workspace forbids unsafe code.
    let out = Command::new("getconf").arg("PAGESIZE").output()?;
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

fn spawn(args: &[&str]) -> Result<(Child, BufReader<ChildStdout>), BoxError> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    Ok((child, stdout))
}

fn read_line(from: &mut BufReader<ChildStdout>) -> Result<String, BoxError> {
    let mut line = String::new();
    from.read_line(&mut line)?;
    if line.is_empty() {
        return Err("the child process ended early".into());
    }
    Ok(line.trim().to_owned())
}

/// Ends a child by closing its standard input, and waits for it.
fn finish(mut child: Child) -> Result<(), BoxError> {
    drop(child.stdin.take());
    child.wait()?;
    Ok(())
}

/// Measures `sessions` idle sessions of `kind`.
pub(crate) fn measure(kind: StackKind, sessions: u32) -> Result<IdleMemory, BoxError> {
    let (server, mut server_out) = spawn(&["--child-server", kind.key()])?;
    let address = read_line(&mut server_out)?;
    std::thread::sleep(SETTLE);
    let server_before = resident(server.id())?;
    let count = sessions.to_string();
    let (client, mut client_out) = spawn(&["--child-client", kind.key(), &address, &count])?;
    let client_before: u64 = read_line(&mut client_out)?.parse()?;
    let ready = read_line(&mut client_out)?;
    if ready != "ready" {
        return Err(format!("the client child said {ready:?}").into());
    }
    std::thread::sleep(SETTLE);
    let client_after = resident(client.id())?;
    let server_after = resident(server.id())?;
    finish(client)?;
    finish(server)?;
    let per_session =
        |before: u64, after: u64| after.saturating_sub(before) as f64 / f64::from(sessions);
    Ok(IdleMemory {
        server: per_session(server_before, server_after),
        client: per_session(client_before, client_after),
    })
}

/// Waits until the parent closes standard input.
fn wait_for_parent() {
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}

struct ChildServer;

impl WithStack for ChildServer {
    type Output = Result<(), BoxError>;

    fn run<S: Stack>(self, stack: S) -> Self::Output {
        let server = ServerThread::start(stack)?;
        println!("{}", server.address);
        std::io::stdout().flush()?;
        wait_for_parent();
        drop(server);
        Ok(())
    }
}

struct ChildClient<'a> {
    address: &'a str,
    sessions: u32,
}

impl WithStack for ChildClient<'_> {
    type Output = Result<(), BoxError>;

    fn run<S: Stack>(self, stack: S) -> Self::Output {
        let runtime = runtime();
        // The runtime exists before the baseline, so only the sessions' memory is counted.
        println!("{}", resident(std::process::id())?);
        std::io::stdout().flush()?;
        let clients = runtime.block_on(open_idle(&stack, self.address, self.sessions))?;
        println!("ready");
        std::io::stdout().flush()?;
        // Keep the sessions open (their tasks idle on the runtime) until the parent is done.
        runtime.block_on(async { tokio::task::spawn_blocking(wait_for_parent).await })?;
        drop(clients);
        Ok(())
    }
}

/// `--child-server KEY`: serves and prints the address.
pub(crate) fn child_server(key: &str) -> Result<(), BoxError> {
    let kind = StackKind::from_key(key).ok_or("unknown stack")?;
    kind.with(ChildServer)
}

/// `--child-client KEY ADDRESS SESSIONS`: prints its resident set, opens the sessions, prints
/// `ready`.
pub(crate) fn child_client(key: &str, address: &str, sessions: &str) -> Result<(), BoxError> {
    let kind = StackKind::from_key(key).ok_or("unknown stack")?;
    kind.with(ChildClient {
        address,
        sessions: sessions.parse()?,
    })
}
