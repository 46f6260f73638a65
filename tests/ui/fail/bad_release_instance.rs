use indigo::prelude::*;

#[service_contract]
trait Recycler {
    #[operation(release_instance = AfterEachCall)]
    async fn unknown(&mut self);
    #[operation(release_instance = "AfterCall")]
    async fn quoted(&mut self);
    #[operation(release_instance = AfterCall, release_instance = BeforeCall)]
    async fn twice(&mut self);
}

fn main() {}
