//! Features of the linear-chain tagger. Every feature is a 64-bit hash of a
//! template id and hashed token properties (word, folded lower case, shape,
//! affixes, word clusters), computed straight from the text without building
//! strings, so tagging writes only into reused buffers.
//!
//! Case and accents are folded for every lexical lookup ("PUTIN", "putin"
//! and "Putin" share their lower-case features; "Zelenskyy" and "Zelenskýy"
//! share theirs) by [`plain_lower_char`], whose output the shipped weights
//! are keyed by, while shape features are conjoined with the sentence's
//! casing mode, so an all-caps headline or lower-case text does not look
//! like a run of names.

use crate::fold::plain_lower_char;

use super::clusters::Clusters;

/// Features per token; part of the weights file's format.
pub const FEATURES_PER_TOKEN: usize = 48;

/// Version of the feature set; a weights file trained with another one is
/// rejected at load time.
pub const FEATURE_VERSION: u32 = 2;

const MULT: u64 = 0x517c_c1b7_2722_0a95;

/// Order-dependent combination of a hash state and a value.
#[inline]
pub(crate) fn mix(h: u64, x: u64) -> u64 {
    (h.rotate_left(5) ^ x).wrapping_mul(MULT)
}

/// Final avalanche (splitmix64), so that table slots use well-mixed bits.
#[inline]
pub(crate) fn finish(mut h: u64) -> u64 {
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The lookup key of a word: the hash of its folded form, as the cluster
/// table and the tagger compute it.
pub fn word_key(word: &str) -> u64 {
    let mut h = LOWER_SEED;
    for c in word.chars() {
        plain_lower_char(c, |f| h = mix(h, f as u64));
    }
    finish(h)
}

const LOWER_SEED: u64 = 0x243f_6a88_85a3_08d3;
const EXACT_SEED: u64 = 0x1319_8a2e_0370_7344;
const SHAPE_SEED: u64 = 0xa409_3822_299f_31d0;
const SUFFIX_SEED: u64 = 0x082e_fa98_ec4e_6c89;

/// Longest word prefix tried as a word piece when the whole word has no
/// cluster.
const MAX_PIECE: usize = 16;
/// Shortest prefix accepted as a word piece.
const MIN_PIECE: usize = 3;
/// Marks a cluster id that comes from a word piece, not the whole word.
const PIECE_FLAG: u32 = 1 << 20;

/// Casing mode of a sentence; shape features are conjoined with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseMode {
    /// Ordinary mixed case.
    Mixed = 1,
    /// An all-capitals sentence (headline).
    Upper = 2,
    /// An all-lower-case sentence.
    Lower = 3,
}

/// Hashed properties of one token.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenInfo {
    exact: u64,
    lower: u64,
    shape: u64,
    short: u64,
    prefix: [u64; 4],
    suffix: [u64; 4],
    /// Cluster ids at three granularities, coarse to fine; 0 when unknown.
    clusters: [u32; 3],
    has_upper: bool,
    has_lower: bool,
}

impl TokenInfo {
    /// The word's lookup key ([`word_key`]).
    pub fn key(&self) -> u64 {
        self.lower
    }

    /// Sentence boundary padding (`which` tells the start and end apart).
    fn boundary(which: u64) -> Self {
        let h = finish(mix(0x5bd1_e995, which));
        Self {
            exact: h,
            lower: h,
            shape: h,
            short: h,
            prefix: [h; 4],
            suffix: [h; 4],
            clusters: [u32::MAX - which as u32; 3],
            has_upper: false,
            has_lower: false,
        }
    }

    /// Computes the properties of `word`.
    pub fn of(word: &str, clusters: Option<&Clusters>) -> Self {
        let mut exact = EXACT_SEED;
        let mut lower = LOWER_SEED;
        let mut shape = SHAPE_SEED;
        let mut short = SHAPE_SEED;
        let mut prefix = [0u64; 4];
        let mut pieces = [0u64; MAX_PIECE];
        let mut n_folded = 0usize;
        let mut last4 = [0u32; 4];
        let (mut has_upper, mut has_lower) = (false, false);
        let (mut prev_class, mut run) = ('\0', 0usize);
        for c in word.chars() {
            exact = mix(exact, c as u64);
            plain_lower_char(c, |f| {
                lower = mix(lower, f as u64);
                if n_folded < 4 {
                    prefix[n_folded] = lower;
                }
                if n_folded < MAX_PIECE {
                    pieces[n_folded] = lower;
                }
                last4[n_folded % 4] = f as u32;
                n_folded += 1;
            });
            let class = if c.is_uppercase() {
                has_upper = true;
                'X'
            } else if c.is_lowercase() {
                has_lower = true;
                'x'
            } else if c.is_numeric() {
                'd'
            } else if c.is_alphabetic() {
                'a'
            } else {
                let mut folded = c;
                plain_lower_char(c, |f| folded = f);
                folded
            };
            if class == prev_class {
                run += 1;
            } else {
                short = mix(short, class as u64);
                prev_class = class;
                run = 1;
            }
            if run <= 4 {
                shape = mix(shape, class as u64);
            }
        }
        prefix[n_folded.min(4)..].fill(lower);
        let mut suffix = [0u64; 4];
        let mut h = SUFFIX_SEED;
        for (k, slot) in suffix.iter_mut().enumerate() {
            if k < n_folded {
                h = mix(h, last4[(n_folded - 1 - k) % 4] as u64);
            }
            *slot = h;
        }
        let lower = finish(lower);
        let clusters = clusters.map_or([0; 3], |table| {
            if let Some(ids) = table.get(lower) {
                return ids.map(|id| id + 1);
            }
            let longest = n_folded.min(MAX_PIECE);
            (MIN_PIECE..longest)
                .rev()
                .find_map(|len| table.get(finish(pieces[len - 1])))
                .map_or([0; 3], |ids| ids.map(|id| (id + 1) | PIECE_FLAG))
        });
        Self {
            exact: finish(exact),
            lower,
            shape,
            short,
            prefix,
            suffix,
            clusters,
            has_upper,
            has_lower,
        }
    }
}

/// The casing mode of a sentence made of `tokens`.
pub fn case_mode(tokens: &[TokenInfo]) -> CaseMode {
    let upper = tokens.iter().any(|t| t.has_upper);
    let lower = tokens.iter().any(|t| t.has_lower);
    let caps_words = tokens
        .iter()
        .filter(|t| t.has_upper && !t.has_lower)
        .count();
    let mixed_words = tokens.iter().filter(|t| t.has_lower).count();
    match (upper, lower) {
        (true, false) => CaseMode::Upper,
        (false, true) => CaseMode::Lower,
        // A headline with a stray lower-case word ("vs", "de") is still all caps.
        _ if caps_words >= 3 && mixed_words * 4 <= caps_words => CaseMode::Upper,
        _ => CaseMode::Mixed,
    }
}

#[inline]
fn f1(template: u64, a: u64) -> u64 {
    finish(mix(
        mix(template.wrapping_mul(0x9e37_79b9_7f4a_7c15), a),
        0xff,
    ))
}

#[inline]
fn f2(template: u64, a: u64, b: u64) -> u64 {
    finish(mix(
        mix(mix(template.wrapping_mul(0x9e37_79b9_7f4a_7c15), a), b),
        0xff,
    ))
}

#[inline]
fn f3(template: u64, a: u64, b: u64, c: u64) -> u64 {
    finish(mix(
        mix(
            mix(mix(template.wrapping_mul(0x9e37_79b9_7f4a_7c15), a), b),
            c,
        ),
        0xff,
    ))
}

/// Appends [`FEATURES_PER_TOKEN`] feature hashes for every token of a
/// sentence to `out`; `names` holds each token's gazetteer mark
/// ([`super::gazetteer::Gazetteer::mark`]), all zeros without a gazetteer.
pub fn sentence_features(tokens: &[TokenInfo], names: &[u8], out: &mut Vec<u64>) {
    let mode = case_mode(tokens) as u64;
    let start = TokenInfo::boundary(1);
    let end = TokenInfo::boundary(2);
    let at = |i: isize| -> &TokenInfo {
        if i < 0 {
            &start
        } else if i as usize >= tokens.len() {
            &end
        } else {
            &tokens[i as usize]
        }
    };
    let name = |i: isize| -> u64 {
        if i < 0 || i as usize >= tokens.len() {
            255
        } else {
            u64::from(names[i as usize])
        }
    };
    out.reserve(tokens.len() * FEATURES_PER_TOKEN);
    for i in 0..tokens.len() as isize {
        let (p2, p1, t, n1, n2) = (at(i - 2), at(i - 1), at(i), at(i + 1), at(i + 2));
        let before = out.len();
        out.extend_from_slice(&[
            f1(0, 0),
            f1(1, t.exact),
            f1(2, p2.lower),
            f1(3, p1.lower),
            f1(4, t.lower),
            f1(5, n1.lower),
            f1(6, n2.lower),
            f2(7, p1.shape, mode),
            f2(8, t.shape, mode),
            f2(9, n1.shape, mode),
            f2(10, t.short, mode),
            f1(11, t.prefix[0]),
            f1(12, t.prefix[1]),
            f1(13, t.prefix[2]),
            f1(14, t.prefix[3]),
            f1(15, t.suffix[0]),
            f1(16, t.suffix[1]),
            f1(17, t.suffix[2]),
            f1(18, t.suffix[3]),
            f2(19, p1.lower, t.lower),
            f2(20, t.lower, n1.lower),
            f3(21, mix(p1.short, t.short), n1.short, mode),
            f3(22, p1.lower, t.short, mode),
            f3(23, t.short, n1.lower, mode),
            f3(24, u64::from(i == 0), t.short, mode),
            f1(25, t.clusters[0] as u64),
            f1(26, t.clusters[1] as u64),
            f1(27, t.clusters[2] as u64),
            f1(28, p1.clusters[2] as u64),
            f1(29, n1.clusters[2] as u64),
            f1(30, p1.clusters[1] as u64),
            f1(31, n1.clusters[1] as u64),
            f2(32, t.clusters[1] as u64, t.short),
            f3(33, p1.lower, t.clusters[2] as u64, mode),
            f1(34, name(i)),
            f3(35, name(i), t.short, mode),
            f1(36, name(i - 1)),
            f1(37, name(i + 1)),
            f2(38, p2.lower, p1.lower),
            f2(39, n1.lower, n2.lower),
            f1(40, at(i - 3).lower),
            f1(40, at(i - 4).lower),
            f1(41, at(i + 3).lower),
            f1(41, at(i + 4).lower),
            f1(42, p2.clusters[2] as u64),
            f1(43, n2.clusters[2] as u64),
            f2(44, t.exact, n1.exact),
            f2(45, p1.exact, t.exact),
        ]);
        debug_assert_eq!(out.len() - before, FEATURES_PER_TOKEN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(w: &str) -> TokenInfo {
        TokenInfo::of(w, None)
    }

    #[test]
    fn folding_shares_lexical_features() {
        assert_eq!(info("PUTIN").lower, info("Putin").lower);
        assert_eq!(info("Zelenský").lower, info("zelensky").lower);
        assert_eq!(info("Kim’s").lower, info("Kim's").lower);
        assert_ne!(info("PUTIN").exact, info("Putin").exact);
        assert_ne!(info("PUTIN").shape, info("Putin").shape);
        assert_eq!(info("Zelenský").suffix, info("ZELENSKY").suffix);
        assert_eq!(word_key("Ärger"), info("arger").lower);
    }

    #[test]
    fn shapes() {
        assert_eq!(info("Putin").short, info("Pyongyang").short);
        assert_ne!(info("Kim").shape, info("Pyongyang").shape);
        assert_eq!(info("Putin").shape, info("Pyongyang").shape);
        assert_eq!(info("1996-08-22").short, info("2001-12-31").short);
        assert_ne!(info("U.S.").short, info("US").short);
    }

    #[test]
    fn case_modes() {
        let words = |s: &str| s.split(' ').map(info).collect::<Vec<_>>();
        assert_eq!(
            case_mode(&words("SOCCER - JAPAN GET LUCKY WIN .")),
            CaseMode::Upper
        );
        assert_eq!(
            case_mode(&words(
                "RUGBY UNION - CUTTITTA BACK FOR ITALY AFTER A vs B ."
            )),
            CaseMode::Upper
        );
        assert_eq!(
            case_mode(&words("putin met kim in pyongyang .")),
            CaseMode::Lower
        );
        assert_eq!(
            case_mode(&words("Putin met Kim in Pyongyang .")),
            CaseMode::Mixed
        );
    }

    #[test]
    fn a_feature_row_per_token() {
        let toks: Vec<_> = ["Kim", "met", "Putin"].iter().map(|w| info(w)).collect();
        let mut out = Vec::new();
        sentence_features(&toks, &[0; 3], &mut out);
        assert_eq!(out.len(), 3 * FEATURES_PER_TOKEN);
    }
}
