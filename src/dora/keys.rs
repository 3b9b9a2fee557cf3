//! The distinct (app, name) keys of a list of records, numbered, and joined with probes.
//! Keys and probes are put in buckets by the top bits of their hash (a counting pass and one
//! scatter), so that a join reads both in memory order. On one million events this measured
//! faster than sorting both sides and merging them, and than a hash map, whose lookups read
//! memory out of order at every probe.

use std::cmp::Ordering;
use std::hash::Hasher;

use super::fxhash::FxHasher;
use super::names::PackedName;

/// A record's key, with what locates and compares it without reading the name's text.
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    hash: u64,
    app: u32,
    record: u32,
    name: PackedName,
}

impl Entry {
    fn new(app: u32, text: &str, record: usize) -> Entry {
        let name = PackedName::new(text);
        let mut hasher = FxHasher::default();
        hasher.add(u64::from(app));
        if name.is_long() {
            hasher.write(text.as_bytes());
        } else {
            name.words().into_iter().for_each(|word| hasher.add(word));
        }
        Entry {
            hash: hasher.finish(),
            app,
            record: record as u32,
            name,
        }
    }

    /// The order of everything but a long name's text.
    fn packed_order(&self, other: &Entry) -> Ordering {
        (self.hash, self.app, self.name).cmp(&(other.hash, other.app, other.name))
    }
}

/// `K` gives each record's app id and name.
pub(super) struct KeyIndex<K> {
    /// One entry per distinct key (its first record in bucket order); the position is the
    /// key's id.
    keys: Vec<Entry>,
    /// `keys[starts[b]..starts[b + 1]]` are the keys whose hash has the top bits `b`.
    starts: Vec<u32>,
    shift: u32,
    key_of: K,
}

impl<'a, K: Fn(usize) -> (u32, &'a str)> KeyIndex<K> {
    /// The index of records `0..n`, each record's key id, and each key's payload: the
    /// payloads of its records folded with `merge`.
    pub fn new<P: Copy + Default>(
        n: usize,
        key_of: K,
        payload_of: impl Fn(usize) -> P,
        merge: impl Fn(P, P) -> P,
    ) -> (KeyIndex<K>, Vec<u32>, Vec<P>) {
        // About one key per bucket.
        let bits = n.next_power_of_two().trailing_zeros().clamp(1, 24);
        let shift = 64 - bits;
        let records = (0..n).map(|i| {
            let (app, text) = key_of(i);
            (Entry::new(app, text, i), payload_of(i))
        });
        let (record_starts, mut grouped) = bucketed(records, bits, shift);
        let mut keys = Vec::with_capacity(n);
        let mut payloads = Vec::with_capacity(n);
        let mut starts = Vec::with_capacity(record_starts.len());
        let mut id_of = vec![0u32; n];
        starts.push(0);
        let order = |a: &(Entry, P), b: &(Entry, P)| order(&key_of, &a.0, &b.0);
        for bucket in record_starts.windows(2) {
            let records = &mut grouped[bucket[0] as usize..bucket[1] as usize];
            if records.len() > 1 {
                records.sort_unstable_by(order);
            }
            for run in records.chunk_by(|a, b| order(a, b).is_eq()) {
                for (entry, _) in run {
                    id_of[entry.record as usize] = keys.len() as u32;
                }
                keys.push(run[0].0);
                payloads.push(run[1..].iter().fold(run[0].1, |all, one| merge(all, one.1)));
            }
            starts.push(keys.len() as u32);
        }
        let index = KeyIndex {
            keys,
            starts,
            shift,
            key_of,
        };
        (index, id_of, payloads)
    }

    fn bits(&self) -> u32 {
        64 - self.shift
    }

    pub fn app(&self, id: usize) -> u32 {
        self.keys[id].app
    }

    /// Calls `on_match` with the key id and payload of each probe whose key some record has,
    /// in the order of key ids. The probes are bucketed like the keys, so both are read in
    /// memory order: looking each one up would read memory out of order twice per probe.
    pub fn join<P: Copy + Default>(
        &self,
        probes: impl Iterator<Item = (u32, &'a str, P)>,
        mut on_match: impl FnMut(usize, P),
    ) {
        // Long texts are set aside, each long probe's `record` indexing them.
        let mut long_texts: Vec<&str> = Vec::new();
        let entries = probes.map(|(app, text, payload)| {
            let entry = Entry::new(app, text, long_texts.len());
            if entry.name.is_long() {
                long_texts.push(text);
            }
            (entry, payload)
        });
        let (probe_starts, grouped) = bucketed(entries, self.bits(), self.shift);
        for (b, probed) in probe_starts.windows(2).enumerate() {
            let first_key = self.starts[b] as usize;
            let keys = &self.keys[first_key..self.starts[b + 1] as usize];
            if keys.is_empty() {
                continue;
            }
            for (probe, payload) in &grouped[probed[0] as usize..probed[1] as usize] {
                let matching = keys.iter().position(|key| {
                    key.packed_order(probe).is_eq()
                        && (!key.name.is_long()
                            || text_of(&self.key_of, key) == long_texts[probe.record as usize])
                });
                if let Some(offset) = matching {
                    on_match(first_key + offset, *payload);
                }
            }
        }
    }
}

/// The entries in buckets by the top `bits` of their hash (`shift` is 64 - `bits`):
/// `grouped[starts[b]..starts[b + 1]]` is bucket `b`. A counting pass and one scatter.
fn bucketed<P: Copy + Default>(
    entries: impl Iterator<Item = (Entry, P)>,
    bits: u32,
    shift: u32,
) -> (Vec<u32>, Vec<(Entry, P)>) {
    let bucket_of = |entry: &Entry| (entry.hash >> shift) as usize;
    // Separate passes: counting while computing the entries measured several times slower.
    let entries: Vec<(Entry, P)> = entries.collect();
    let mut starts = vec![0u32; (1 << bits) + 1];
    for (entry, _) in &entries {
        starts[bucket_of(entry) + 1] += 1;
    }
    for b in 1..starts.len() {
        starts[b] += starts[b - 1];
    }
    let mut grouped = vec![(Entry::default(), P::default()); entries.len()];
    let mut next = starts.clone();
    for entry in &entries {
        let slot = &mut next[bucket_of(&entry.0)];
        grouped[*slot as usize] = *entry;
        *slot += 1;
    }
    (starts, grouped)
}

fn text_of<'a>(key_of: &impl Fn(usize) -> (u32, &'a str), entry: &Entry) -> &'a str {
    key_of(entry.record as usize).1
}

/// Equal keys are adjacent in this order.
fn order<'a>(key_of: &impl Fn(usize) -> (u32, &'a str), a: &Entry, b: &Entry) -> Ordering {
    a.packed_order(b).then_with(|| {
        if a.name.is_long() {
            text_of(key_of, a).cmp(text_of(key_of, b))
        } else {
            Ordering::Equal
        }
    })
}

#[cfg(test)]
mod tests {
    use super::KeyIndex;

    /// The key id each probe matched, if any.
    fn matches<'a>(
        index: &KeyIndex<impl Fn(usize) -> (u32, &'a str)>,
        probes: &[(u32, &'a str)],
    ) -> Vec<Option<usize>> {
        let mut matched = vec![None; probes.len()];
        let with_payload = probes
            .iter()
            .enumerate()
            .map(|(i, &(app, text))| (app, text, i));
        index.join(with_payload, |id, i| matched[i] = Some(id));
        matched
    }

    #[test]
    fn equal_keys_share_an_id_and_probes_find_it() {
        let long = "a commit name far longer than any packing holds";
        let long_too = format!("{long} too");
        let long_copy = long.to_string();
        let records = [
            (0, "abc"),
            (1, "abc"),
            (0, long),
            (0, "abc"),
            (0, "0123456789abcdef0123456789abcdef01234567"),
            (0, long_too.as_str()),
            (0, long_copy.as_str()),
        ];
        let (index, ids, keys) = KeyIndex::new(records.len(), |i| records[i], |_| (), |_, _| ());
        assert_eq!(keys.len(), 5);
        let found = matches(&index, &records);
        for (i, &(app, _)) in records.iter().enumerate() {
            assert_eq!(found[i], Some(ids[i] as usize), "{records:?}");
            assert_eq!(index.app(ids[i] as usize), app);
        }
        assert_eq!(ids[0], ids[3]);
        assert_eq!(ids[2], ids[6]);
        assert_ne!(ids[0], ids[1]);
        assert_ne!(ids[2], ids[5]);
        let long_other = format!("{long}!");
        let strangers = [(2, "abc"), (0, "abd"), (0, long_other.as_str()), (1, long)];
        assert_eq!(matches(&index, &strangers), [None; 4]);
    }

    #[test]
    fn each_key_folds_the_payloads_of_its_records() {
        let records = [
            (0, "a", 5),
            (0, "b", 7),
            (0, "a", 3),
            (1, "a", 9),
            (0, "a", 4),
        ];
        let (_, ids, earliest) = KeyIndex::new(
            records.len(),
            |i| (records[i].0, records[i].1),
            |i| records[i].2,
            i32::min,
        );
        assert_eq!(earliest.len(), 3);
        let earliest_of = |record: usize| earliest[ids[record] as usize];
        assert_eq!([0, 1, 2, 3, 4].map(earliest_of), [3, 7, 3, 9, 3]);
    }

    #[test]
    fn no_records_no_keys() {
        let (index, ids, keys) = KeyIndex::new(0, |_| (0, ""), |_| (), |_, _| ());
        assert!(keys.is_empty());
        assert!(ids.is_empty());
        assert_eq!(matches(&index, &[(0, "")]), [None]);
    }
}
