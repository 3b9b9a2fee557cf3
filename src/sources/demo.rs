use crate::model::{Snapshot, Timestamp};

pub struct DemoSource {
    seed: u64,
}

impl DemoSource {
    pub fn new(seed: u64) -> DemoSource {
        DemoSource { seed }
    }

    pub fn snapshot(&self, now: Timestamp) -> Snapshot {
        let _ = (self.seed, now);
        Snapshot::default()
    }
}
