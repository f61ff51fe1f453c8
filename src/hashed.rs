//! Hashing for the tagger's look-up tables: maps keyed by values that are
//! already hashes (word keys, feature hashes), which hashing again would
//! only cost time; FNV-1a, the fixed hash of the learned models' sparse
//! features and of maps keyed by short names; and the 32-bit tag that the
//! open-addressing tables keep in each slot.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Passes an already hashed `u64` key through, times an odd constant.
/// The standard table finds a key's slot from its low bits and checks a
/// tag made of its top seven bits; keys that are small numbers (feature
/// hashes folded into 20 bits) would all share tag 0 and cost a key
/// comparison per occupied slot probed. The multiplication spreads the low
/// bits into the top ones and leaves the low ones as they were.
#[derive(Debug, Default, Clone, Copy)]
pub struct PrehashedHasher(u64);

/// Fibonacci hashing's multiplier, 2^64 divided by the golden ratio.
const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0.wrapping_mul(SPREAD)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// FNV-1a, the hash of the learned models' sparse features: fixed, so a
/// trained model means the same on every platform and in every release.
/// Short for short keys, so also the hasher of [`NameMap`] and [`NameSet`].
pub struct Fnv(u64);

impl Fnv {
    /// The FNV-1a offset basis.
    pub fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Default for Fnv {
    fn default() -> Self {
        Self::new()
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// A map keyed by short names or words read from the project's data files
/// (the resolver looks them up for every candidate span): FNV hashes such
/// a key in a fraction of the standard hasher's time, and the keys come
/// from fixed files, not from an adversary.
pub type NameMap<V> = HashMap<String, V, BuildHasherDefault<Fnv>>;

/// A set of short names or words, hashed as [`NameMap`]'s keys.
pub type NameSet = HashSet<String, BuildHasherDefault<Fnv>>;

/// The 32-bit tag an open-addressing table keeps in a slot beside its
/// entry: the top half of the key's hash, never 0, which marks an empty
/// slot. Probing starts from the hash's low bits, so the two halves are
/// independent.
pub fn slot_tag(hash: u64) -> u32 {
    ((hash >> 32) as u32).max(1)
}

/// The hasher builder of [`HashedMap`] and [`HashedSet`].
pub type Prehashed = BuildHasherDefault<PrehashedHasher>;

/// A map keyed by `u64` hashes.
pub type HashedMap<V> = HashMap<u64, V, Prehashed>;

/// A set of `u64` hashes.
pub type HashedSet = HashSet<u64, Prehashed>;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    #[test]
    fn small_keys_get_distinct_top_bits() {
        let tags: HashSet<u64> = (0..64u64)
            .map(|k| Prehashed::default().hash_one(k) >> 57)
            .collect();
        assert!(tags.len() > 32, "{} distinct tags of 64 keys", tags.len());
    }

    #[test]
    fn low_bits_follow_the_key() {
        for k in [1u64, 2, 3, 1 << 19, 0xdead_beef] {
            let h = Prehashed::default().hash_one(k);
            assert_eq!(h & 1, k & 1);
        }
    }
}
