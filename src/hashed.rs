//! Maps keyed by values that are already hashes (word keys, feature
//! hashes): hashing them again would only cost time.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Passes an already hashed `u64` key through.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
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

/// The hasher builder of [`HashedMap`] and [`HashedSet`].
pub type Identity = BuildHasherDefault<IdentityHasher>;

/// A map keyed by `u64` hashes.
pub type HashedMap<V> = HashMap<u64, V, Identity>;

/// A set of `u64` hashes.
pub type HashedSet = HashSet<u64, Identity>;
