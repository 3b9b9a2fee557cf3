//! A figure kept until what it was computed from changes: DORA reports and trends are costly on
//! a million events and change only with the data or the clock's minute.

/// The last value and the key it was computed for.
#[derive(Debug)]
pub struct Memo<K, V> {
    kept: Option<(K, V)>,
}

impl<K, V> Default for Memo<K, V> {
    fn default() -> Self {
        Memo { kept: None }
    }
}

impl<K: PartialEq, V: Clone> Memo<K, V> {
    /// The value for `key`: the kept one when the key is the same, else `compute`'s, kept.
    pub fn get(&mut self, key: K, compute: impl FnOnce() -> V) -> V {
        match &self.kept {
            Some((kept, value)) if *kept == key => value.clone(),
            _ => {
                let value = compute();
                self.kept = Some((key, value.clone()));
                value
            }
        }
    }

    /// Forgets the kept value (the settings it was computed with changed).
    pub fn clear(&mut self) {
        self.kept = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computes_once_per_key_and_again_after_a_clear() {
        let mut memo = Memo::default();
        let mut calls = 0;
        let mut get = |memo: &mut Memo<u8, u8>, key| {
            memo.get(key, || {
                calls += 1;
                key * 2
            })
        };
        assert_eq!(get(&mut memo, 1), 2);
        assert_eq!(get(&mut memo, 1), 2);
        assert_eq!(get(&mut memo, 2), 4);
        memo.clear();
        assert_eq!(get(&mut memo, 2), 4);
        assert_eq!(calls, 3);
    }
}
