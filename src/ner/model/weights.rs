//! The weights file of the embedded NER model and its in-memory table.
//!
//! Layout (little-endian): magic `NEWSTAG-NER\0`, u32 format version, u32
//! feature version, u32 features per token, u32 tag count, u32 flags (bit 0:
//! uses word clusters, bit 1: uses the gazetteer), f32 weight scale, f32 confidence scale, f32
//! transitions (start, pair row-major, end), u64 entry count, then per
//! entry a u64 feature hash and one i16 weight per tag.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::hashed::slot_tag;

use super::features::{FEATURES_PER_TOKEN, FEATURE_VERSION};
use super::{Transitions, N_TAGS};

const MAGIC: &[u8; 12] = b"NEWSTAG-NER\0";
const FORMAT_VERSION: u32 = 1;

/// One slot of the open-addressing table: a 32-bit fingerprint of the
/// feature hash (0 = empty) and its quantised weights.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
struct Slot {
    fingerprint: u32,
    weights: [i16; N_TAGS],
}

/// Feature hash → weights per tag, quantised to i16. Lookups touch one
/// slot in the common case; the table is at most half full.
#[derive(Debug, Clone, Default)]
pub struct WeightTable {
    slots: Vec<Slot>,
    mask: usize,
    len: usize,
}

impl WeightTable {
    /// A table for `entries` (feature hash, weights); duplicates keep the
    /// last.
    pub fn new(entries: &[(u64, [i16; N_TAGS])]) -> Self {
        let size = (entries.len() * 2).next_power_of_two().max(16);
        let mut table = Self {
            slots: vec![Slot::default(); size],
            mask: size - 1,
            len: 0,
        };
        for &(hash, weights) in entries {
            table.insert(hash, weights);
        }
        table
    }

    fn insert(&mut self, hash: u64, weights: [i16; N_TAGS]) {
        let fp = slot_tag(hash);
        let mut i = hash as usize & self.mask;
        loop {
            let slot = &mut self.slots[i];
            if slot.fingerprint == 0 || slot.fingerprint == fp {
                self.len += usize::from(slot.fingerprint == 0);
                *slot = Slot {
                    fingerprint: fp,
                    weights,
                };
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// The weights of feature `hash`, if it has any.
    #[inline]
    pub fn get(&self, hash: u64) -> Option<&[i16; N_TAGS]> {
        let fp = slot_tag(hash);
        let mut i = hash as usize & self.mask;
        loop {
            let slot = &self.slots[i];
            if slot.fingerprint == fp {
                return Some(&slot.weights);
            }
            if slot.fingerprint == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Asks the processor to start loading the slot of feature `hash`, so
    /// that a later [`get`](Self::get) finds it in cache: lookups land at
    /// random in a table larger than the cache, and a token's features are
    /// known before any is looked up. It changes no result.
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let slot = &self.slots[hash as usize & self.mask];
            // SAFETY: SSE, which `_mm_prefetch` needs, is part of every
            // x86_64 processor, and a prefetch reads nothing into the program.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(slot).cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    /// Entries in the table.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Everything the weights file holds.
#[derive(Debug, Clone)]
pub struct WeightFile {
    /// Whether the model was trained with word clusters.
    pub uses_clusters: bool,
    /// Whether the model was trained with the name list.
    pub uses_gazetteer: bool,
    /// Multiplier from quantised i16 weights to scores.
    pub scale: f32,
    /// Margin that maps to confidence 0.73 (sigmoid of 1).
    pub confidence_scale: f32,
    /// Transition, start and end scores.
    pub transitions: Transitions,
    /// The feature weights.
    pub table: WeightTable,
    /// The entries in file order (kept for writing).
    entries: Vec<(u64, [i16; N_TAGS])>,
}

impl WeightFile {
    /// Weights from their parts (the trainer's output).
    pub fn new(
        uses_clusters: bool,
        uses_gazetteer: bool,
        scale: f32,
        confidence_scale: f32,
        transitions: Transitions,
        mut entries: Vec<(u64, [i16; N_TAGS])>,
    ) -> Self {
        entries.sort_unstable_by_key(|e| e.0);
        let table = WeightTable::new(&entries);
        Self {
            uses_clusters,
            uses_gazetteer,
            scale,
            confidence_scale,
            transitions,
            table,
            entries,
        }
    }

    fn flags(&self) -> u32 {
        u32::from(self.uses_clusters) | u32::from(self.uses_gazetteer) << 1
    }

    /// Writes the weights file to `path`.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut buf = Vec::with_capacity(64 + self.entries.len() * (8 + 2 * N_TAGS));
        buf.extend_from_slice(MAGIC);
        for v in [
            FORMAT_VERSION,
            FEATURE_VERSION,
            FEATURES_PER_TOKEN as u32,
            N_TAGS as u32,
            self.flags(),
        ] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        buf.extend_from_slice(&self.scale.to_le_bytes());
        buf.extend_from_slice(&self.confidence_scale.to_le_bytes());
        let t = &self.transitions;
        for v in t.start.iter().chain(t.pair.iter().flatten()).chain(&t.end) {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        buf.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for (hash, weights) in &self.entries {
            buf.extend_from_slice(&hash.to_le_bytes());
            for w in weights {
                buf.extend_from_slice(&w.to_le_bytes());
            }
        }
        let mut file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        file.write_all(&buf).map_err(|e| Error::io(path, e))
    }

    /// Reads the weights file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
            path,
        };
        if r.take(MAGIC.len(), "magic")? != MAGIC {
            return Err(r.error("magic", "not a newstag NER weights file".into()));
        }
        let expect = [
            ("format version", FORMAT_VERSION),
            ("feature version", FEATURE_VERSION),
            ("features per token", FEATURES_PER_TOKEN as u32),
            ("tag count", N_TAGS as u32),
        ];
        for (field, want) in expect {
            let got = r.u32(field)?;
            if got != want {
                return Err(r.error(
                    field,
                    format!("file has {got}, this newstag reads {want}; retrain the model"),
                ));
            }
        }
        let flags = r.u32("flags")?;
        let (uses_clusters, uses_gazetteer) = (flags & 1 == 1, flags & 2 == 2);
        let scale = r.f32("scale")?;
        let confidence_scale = r.f32("confidence scale")?;
        let mut transitions = Transitions::default();
        for v in transitions.start.iter_mut() {
            *v = r.f32("transitions")?;
        }
        for v in transitions.pair.iter_mut().flatten() {
            *v = r.f32("transitions")?;
        }
        for v in transitions.end.iter_mut() {
            *v = r.f32("transitions")?;
        }
        let n = r.u64("entry count")? as usize;
        let entry_len = 8 + 2 * N_TAGS;
        if bytes.len() - r.at != n * entry_len {
            return Err(r.error(
                "entries",
                format!(
                    "{n} entries need {} bytes, found {}",
                    n * entry_len,
                    bytes.len() - r.at
                ),
            ));
        }
        let mut entries = Vec::with_capacity(n);
        for chunk in bytes[r.at..].chunks_exact(entry_len) {
            let hash = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
            let mut weights = [0i16; N_TAGS];
            for (k, w) in weights.iter_mut().enumerate() {
                *w = i16::from_le_bytes([chunk[8 + 2 * k], chunk[9 + 2 * k]]);
            }
            entries.push((hash, weights));
        }
        let table = WeightTable::new(&entries);
        Ok(Self {
            uses_clusters,
            uses_gazetteer,
            scale,
            confidence_scale,
            transitions,
            table,
            entries,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    path: &'a Path,
}

impl<'a> Reader<'a> {
    fn error(&self, field: &str, message: String) -> Error {
        Error::Model {
            path: self.path.to_path_buf(),
            message: format!("byte {}: field `{field}`: {message}", self.at),
        }
    }

    fn take(&mut self, n: usize, field: &str) -> Result<&'a [u8]> {
        let out = self
            .bytes
            .get(self.at..self.at + n)
            .ok_or_else(|| self.error(field, "file ends early".into()))?;
        self.at += n;
        Ok(out)
    }

    fn u32(&mut self, field: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4, field)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self, field: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8, field)?.try_into().expect("8 bytes"),
        ))
    }

    fn f32(&mut self, field: &str) -> Result<f32> {
        let v = f32::from_le_bytes(self.take(4, field)?.try_into().expect("4 bytes"));
        if v.is_finite() {
            Ok(v)
        } else {
            Err(self.error(field, format!("not a finite number: {v}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trip_and_lookup() {
        let entries: Vec<(u64, [i16; N_TAGS])> = (0..1000u64)
            .map(|i| (super::super::features::finish(i), [i as i16; N_TAGS]))
            .collect();
        let mut trans = Transitions::default();
        trans.pair[1][2] = 0.5;
        let file = WeightFile::new(true, false, 0.01, 2.0, trans.clone(), entries.clone());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        file.write(&path).unwrap();
        let back = WeightFile::read(&path).unwrap();
        assert_eq!(back.transitions, trans);
        assert!(back.uses_clusters && !back.uses_gazetteer);
        assert_eq!(back.table.len(), 1000);
        for (hash, weights) in &entries {
            assert_eq!(back.table.get(*hash), Some(weights));
        }
        assert_eq!(back.table.get(super::super::features::finish(5000)), None);
        std::fs::write(&path, b"NEWSTAG-NER\0\x01").unwrap();
        let msg = WeightFile::read(&path).unwrap_err().to_string();
        assert!(
            msg.contains("w.bin") && msg.contains("format version"),
            "{msg}"
        );
    }
}
