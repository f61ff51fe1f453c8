//! Reduces markdown to its visible text, keeping a map back to the original.

use crate::document::{Origin, VisibleTextBuilder};

/// The visible text of `raw` and its map into `raw`.
pub fn to_visible(raw: &str) -> (String, Origin) {
    let mut b = VisibleTextBuilder::new();
    b.copy(0, raw);
    b.finish(raw.to_string())
}
