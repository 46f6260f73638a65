// Only indigo's bindings and layers can claim to provide a session.
use indigo::contract::{Contract, ProvidesSession};

#[derive(Clone)]
struct HomeMade;

impl<C: Contract> ProvidesSession<C> for HomeMade {}

fn main() {}
