use indigo::prelude::*;

struct Calculator;

impl Calculator {
    #[operation]
    async fn clear(&mut self) {}
}

fn main() {}
