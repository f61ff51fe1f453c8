//! Case and accent folding: the one place that says how text is lowered and
//! stripped of accents before it is matched. The matchers need different
//! rules, so each rule is a named function here rather than one function
//! with flags:
//!
//! | rule | what it does | used by |
//! |---|---|---|
//! | [`push_lower`], [`lower_into`] | lower case, curly single quotes straight; accents kept | cue and negation matching, the learned frame classifier's word stems |
//! | [`for_each_unaccented`] | accents removed (NFD, combining marks dropped) | with [`push_lower`]: dictionary keys (`resolve::normalize_into`) |
//! | [`plain_lower_char`] | lower case, accents removed, typographic quotes and dashes as ASCII, one character at a time | the NER model's lexical features, word clusters and name list |
//! | [`bert_normalize_into`] | BERT's uncased normaliser | the static vectors' WordPiece vocabulary |
//!
//! Three of the rules are frozen, because shipped models were built with
//! them and would silently lose accuracy if they changed:
//! - [`plain_lower_char`]: the NER weights (`models/ner/conll2003.bin`), the
//!   word clusters and the name list are keyed by hashes of its output;
//! - [`lower_into`]: under `frames::cues::stem_into`, the learned frame
//!   classifiers' hashed word features (`models/frames/*.classifier.json`)
//!   were trained on it;
//! - [`bert_normalize_into`]: it must give the forms the WordPiece
//!   vocabulary of `models/static-minilm` was built with.
//!
//! A change to any of them needs those models rebuilt (see
//! `models/README.md`).

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::UnicodeNormalization;

/// Appends `c` in lower case to `out`, with a curly single quote (’ ‘) made
/// straight, so "Kim’s" and "Kim's" match. Accents are kept.
#[inline]
pub fn push_lower(c: char, out: &mut String) {
    match c {
        '’' | '‘' => out.push('\''),
        c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
        c => out.extend(c.to_lowercase()),
    }
}

/// Appends `word` in lower case to `out`, curly single quotes made straight
/// ([`push_lower`]): the match form of cue words and negation triggers.
/// Frozen: the learned frame classifiers' word features hash its output.
pub fn lower_into(word: &str, out: &mut String) {
    for c in word.chars() {
        push_lower(c, out);
    }
}

/// Calls `f` with each character of `s` without its accents: the canonical
/// decomposition (NFD) with combining marks dropped ("São" → "Sao").
/// ASCII text is passed through as it is.
pub fn for_each_unaccented(s: &str, mut f: impl FnMut(char)) {
    if s.is_ascii() {
        s.chars().for_each(f);
    } else {
        s.nfd().filter(|c| !is_combining_mark(*c)).for_each(&mut f);
    }
}

/// Calls `f` with the characters `c` folds to: lower case, accents removed,
/// typographic quotes and dashes as their ASCII forms (’ → ', “ → ", – → -).
/// It works one character at a time, so the NER features hash a word as
/// they read it, without building a string.
///
/// Frozen: the NER weights, word clusters and name list are keyed by hashes
/// of this output; changing it needs `newstag train-ner` again.
#[inline]
pub fn plain_lower_char(c: char, mut f: impl FnMut(char)) {
    if c.is_ascii() {
        f(c.to_ascii_lowercase());
        return;
    }
    match c {
        '’' | '‘' | '`' | '´' => f('\''),
        '“' | '”' | '„' | '«' | '»' => f('"'),
        '–' | '—' | '‐' | '‑' => f('-'),
        _ => decompose_canonical(c, |d| {
            if !is_combining_mark(d) {
                d.to_lowercase().for_each(&mut f);
            }
        }),
    }
}

/// Writes `word` into `out` (cleared first) as BERT's normaliser gives it
/// to the WordPiece vocabulary: with `strip_accents`, the NFD with the
/// combining diacritics blocks dropped; with `lowercase`, in lower case.
/// The two flags come from the model's `tokenizer.json`.
///
/// Frozen: the static vectors (`models/static-minilm`) are looked up by
/// these forms.
pub fn bert_normalize_into(word: &str, lowercase: bool, strip_accents: bool, out: &mut String) {
    out.clear();
    if strip_accents && !word.is_ascii() {
        out.extend(word.nfd().filter(|c| !is_bert_accent(*c)));
    } else {
        out.push_str(word);
    }
    if lowercase {
        if out.is_ascii() {
            out.make_ascii_lowercase();
        } else {
            *out = out.to_lowercase();
        }
    }
}

/// The accents BERT's normaliser strips: the combining diacritical mark
/// blocks.
fn is_bert_accent(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(word: &str) -> String {
        let mut out = String::new();
        for c in word.chars() {
            plain_lower_char(c, |f| out.push(f));
        }
        out
    }

    fn unaccented_lower(word: &str) -> String {
        let mut out = String::new();
        for_each_unaccented(word, |c| push_lower(c, &mut out));
        out
    }

    fn bert(word: &str) -> String {
        let mut out = String::new();
        bert_normalize_into(word, true, true, &mut out);
        out
    }

    #[test]
    fn lower_keeps_accents_and_straightens_apostrophes() {
        let mut out = String::new();
        lower_into("Kim’s ZELENSKÝ", &mut out);
        assert_eq!(out, "kim's zelenský");
    }

    #[test]
    fn unaccented_lower_folds_case_and_diacritics() {
        assert_eq!(unaccented_lower("São Tomé"), "sao tome");
        assert_eq!(unaccented_lower("Côte d’Ivoire"), "cote d'ivoire");
        assert_eq!(unaccented_lower("Chișinău"), "chisinau");
    }

    #[test]
    fn plain_lower_folds_case_accents_quotes_and_dashes() {
        assert_eq!(plain("Zelenskýy’s"), "zelenskyy's");
        assert_eq!(plain("“ÄRGER”—x"), "\"arger\"-x");
    }

    #[test]
    fn bert_normalizer_strips_accents_then_lowers() {
        assert_eq!(bert("Zelenský"), "zelensky");
        assert_eq!(bert("ΟΔΟΣ"), "οδος");
        let mut out = String::new();
        bert_normalize_into("Zelenský", false, false, &mut out);
        assert_eq!(out, "Zelenský");
    }
}
