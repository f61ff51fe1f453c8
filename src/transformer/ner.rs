//! NER with any rust-bert token-classification model. The words labelled are
//! newstag's own tokens, so entities align with them exactly: each word is
//! split into pieces, the first piece's label is the word's, and B/I/E/S
//! (or bare IO) tags are merged into whole entities within a sentence.
//! Documents longer than the model's sequence limit are cut into
//! overlapping windows of whole words; every word is labelled from the
//! window in which it sits farthest from an edge, so nothing is truncated.

use std::ops::Range;
use std::path::Path;
use std::sync::Mutex;

use tch::nn::VarStore;
use tch::Kind;
use tokenizers::{Encoding, TruncationParams};

use super::architectures::{Batch, TokenClassifier};
use super::embed::dir_name;
use super::tokenizer::SubwordTokenizer;
use super::{model_error, torch_error, ModelConfig, DEFAULT_BATCH_SIZE};
use crate::document::Tokenized;
use crate::error::Result;
use crate::models::{ComponentInfo, ModelFile};
use crate::ner::chunk::{Chunker, Position};
use crate::ner::{EntityLabel, EntityRecognizer, Mention};
use crate::text::Span;

/// Maps a model's entity type to newstag's labels.
///
/// CoNLL-2003 types map to themselves. OntoNotes 5 types map as:
/// PERSON → PER; ORG → ORG; GPE, LOC, FAC → LOC; NORP, EVENT, WORK_OF_ART,
/// LAW, LANGUAGE, PRODUCT → MISC. Numeric and temporal types (DATE, TIME,
/// PERCENT, MONEY, QUANTITY, ORDINAL, CARDINAL) and anything unknown are
/// dropped: they are not entities in newstag's sense.
pub fn map_entity_type(raw: &str) -> Option<EntityLabel> {
    match raw.to_ascii_uppercase().as_str() {
        "PER" | "PERSON" => Some(EntityLabel::Per),
        "ORG" | "ORGANIZATION" | "ORGANISATION" => Some(EntityLabel::Org),
        "LOC" | "LOCATION" | "GPE" | "FAC" => Some(EntityLabel::Loc),
        "MISC" | "NORP" | "EVENT" | "WORK_OF_ART" | "LAW" | "LANGUAGE" | "PRODUCT" => {
            Some(EntityLabel::Misc)
        }
        _ => None,
    }
}

/// One class of the model, parsed from its `id2label` name.
#[derive(Debug, Clone, PartialEq)]
struct Tag {
    position: Position,
    /// The model's entity type (`PER`, `GPE`, ...); empty for `O`.
    kind: String,
}

impl Tag {
    /// Parses `B-PER`, `I-ORG`, `E-LOC`, `S-MISC` (also `L-`/`U-` and `_`
    /// separators), `O`, or a bare type (IO scheme, read as inside).
    fn parse(label: &str) -> Tag {
        if label.eq_ignore_ascii_case("O") {
            return Tag {
                position: Position::Outside,
                kind: String::new(),
            };
        }
        let mut chars = label.chars();
        let (first, second) = (chars.next(), chars.next());
        let position = match (first.map(|c| c.to_ascii_uppercase()), second) {
            (Some('B'), Some('-' | '_')) => Some(Position::Begin),
            (Some('I'), Some('-' | '_')) => Some(Position::Inside),
            (Some('E' | 'L'), Some('-' | '_')) => Some(Position::End),
            (Some('S' | 'U'), Some('-' | '_')) => Some(Position::Single),
            _ => None,
        };
        match position {
            Some(position) => Tag {
                position,
                kind: label[2..].to_string(),
            },
            None => Tag {
                position: Position::Inside,
                kind: label.to_string(),
            },
        }
    }
}

/// A stretch of a document that fits the model: its words (a range of
/// token indices) and their encoding, special tokens included.
pub struct Window {
    /// Its words, as token indices into the document.
    pub words: Range<usize>,
    /// Their pieces, special tokens included.
    pub encoding: Encoding,
}

/// A token-classification model serving as newstag's entity recogniser.
pub struct TransformerRecognizer {
    // See SentenceEmbedder: the lock makes the model shareable across threads.
    model: Mutex<TokenClassifier>,
    _store: VarStore,
    tokenizer: SubwordTokenizer,
    tags: Vec<Tag>,
    /// Class names as `id2label` gives them.
    names: Vec<String>,
    /// Longest sequence per forward pass, special tokens included.
    max_len: usize,
    /// Pieces of text per window (max_len less the special tokens).
    budget: usize,
    /// Pieces shared by consecutive windows, as context for their edges.
    overlap: usize,
    batch_size: usize,
    info: ComponentInfo,
}

impl TransformerRecognizer {
    /// Loads the token-classification model in `dir` (`config.json` with
    /// `id2label`, `tokenizer.json` or `vocab.txt`, weights).
    pub fn load(dir: &Path, batch_size: Option<usize>) -> Result<Self> {
        let config = ModelConfig::read(dir)?;
        let names = config.labels()?;
        let tags: Vec<Tag> = names.iter().map(|l| Tag::parse(l)).collect();
        if !tags.iter().any(|t| map_entity_type(&t.kind).is_some()) {
            return Err(model_error(
                &config.path,
                "id2label has no entity type newstag can map (PER/ORG/LOC/MISC or OntoNotes types)",
            ));
        }
        let mut tokenizer = SubwordTokenizer::load(dir)?;
        let max_len = config.max_positions;
        let budget = max_len.saturating_sub(tokenizer.specials_single());
        if budget < 2 {
            return Err(model_error(
                &config.path,
                format!("sequence limit {max_len} leaves no room for text"),
            ));
        }
        // Windows are sized to fit; only a single word longer than a whole
        // window (a URL, a run of symbols) can reach this limit, and its
        // first piece, which carries its label, always survives.
        let params = TruncationParams {
            max_length: max_len,
            ..Default::default()
        };
        tokenizer
            .tokenizer
            .with_truncation(Some(params))
            .map_err(|e| model_error(&tokenizer.path, e))?;
        let (model, store, weights) = TokenClassifier::load(dir, &config)?;
        let files = vec![
            ModelFile::hash(&weights)?,
            ModelFile::hash(&tokenizer.path)?,
            ModelFile::hash(&config.path)?,
        ];
        Ok(Self {
            model: Mutex::new(model),
            _store: store,
            tokenizer,
            tags,
            names,
            max_len,
            budget,
            overlap: budget / 4,
            batch_size: batch_size.unwrap_or(DEFAULT_BATCH_SIZE).max(1),
            info: ComponentInfo::with_files(format!("transformer-ner:{}", dir_name(dir)), files),
        })
    }

    /// The model's tag and its probability for every token of `doc` (`None`
    /// for a token the tokenizer turns into no piece at all); windows used
    /// are noted in `notes` as by [`EntityRecognizer::recognize`].
    pub fn label_tokens(
        &self,
        doc: &Tokenized<'_>,
        notes: &mut Vec<String>,
    ) -> Result<Vec<Option<(String, f32)>>> {
        let words: Vec<&str> = doc.tokens.iter().map(|t| t.slice(doc.text)).collect();
        let labelled = if words.is_empty() {
            Vec::new()
        } else {
            self.label_words(&words, notes)?
        };
        Ok(labelled
            .into_iter()
            .map(|w| w.map(|(class, p)| (self.names[class].clone(), p)))
            .collect())
    }

    /// Word ranges of the windows that cover `pieces` (pieces per word).
    fn windows(&self, pieces: &[usize]) -> Vec<(usize, usize)> {
        let mut windows = Vec::new();
        let mut start = 0;
        while start < pieces.len() {
            let mut end = start;
            let mut used = 0;
            while end < pieces.len() && (end == start || used + pieces[end] <= self.budget) {
                used += pieces[end];
                end += 1;
            }
            windows.push((start, end));
            if end == pieces.len() {
                break;
            }
            // Back up so the next window repeats about `overlap` pieces.
            let mut next = end;
            let mut shared = 0;
            while next > start + 1 && shared + pieces[next - 1] <= self.overlap {
                shared += pieces[next - 1];
                next -= 1;
            }
            start = next;
        }
        windows
    }

    /// Best (class, probability) per word, `None` for words without pieces.
    /// The windows the recogniser runs on `words` (newstag's tokens), in
    /// order, and the number of pieces of each word.
    pub fn windows_of(&self, words: &[&str]) -> Result<(Vec<Window>, Vec<usize>)> {
        // The whole document overflows the truncation limit into further
        // encodings; pieces are counted over all of them.
        let whole = self.tokenizer.encode_words(words, false)?;
        let mut pieces = vec![0usize; words.len()];
        for part in std::iter::once(&whole).chain(whole.get_overflowing()) {
            for word in part.get_word_ids().iter().flatten() {
                pieces[*word as usize] += 1;
            }
        }
        let windows = self
            .windows(&pieces)
            .into_iter()
            .map(|(s, e)| {
                Ok(Window {
                    words: s..e,
                    encoding: self.tokenizer.encode_words(&words[s..e], true)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok((windows, pieces))
    }

    /// One padded batch of windows, as the recogniser feeds the model.
    pub fn batch(&self, windows: &[Window]) -> Batch {
        let refs: Vec<&Encoding> = windows.iter().map(|w| &w.encoding).collect();
        Batch::new(&refs, self.tokenizer.pad_id)
    }

    /// Largest number of windows per forward pass.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Best (class, probability) per word, `None` for words without pieces.
    fn label_words(
        &self,
        words: &[&str],
        notes: &mut Vec<String>,
    ) -> Result<Vec<Option<(usize, f32)>>> {
        let (windows, pieces) = self.windows_of(words)?;
        if windows.len() > 1 {
            notes.push(format!(
                "ner: {} words in {} overlapping windows of at most {} pieces ({})",
                words.len(),
                windows.len(),
                self.max_len,
                self.info.name
            ));
        }
        // Piece offset of each word, to measure how far it sits from a window edge.
        let mut offset = vec![0usize; words.len() + 1];
        for (i, n) in pieces.iter().enumerate() {
            offset[i + 1] = offset[i] + n;
        }
        let mut best: Vec<Option<(usize, f32)>> = vec![None; words.len()];
        let mut margin = vec![-1i64; words.len()];
        for group in windows.chunks(self.batch_size) {
            let batch = self.batch(group);
            let logits = {
                // A panic in an earlier forward pass poisons the lock but leaves the
                // weights as they were: it costs that one document, not the batch.
                let model = self.model.lock().unwrap_or_else(|p| p.into_inner());
                tch::no_grad(|| model.forward(&batch))?
            };
            let (probs, classes) = logits.softmax(-1, Kind::Float).max_dim(-1, false);
            let probs: Vec<f32> = Vec::try_from(probs.view([-1]))
                .map_err(|e| torch_error("reading NER scores", e))?;
            let classes: Vec<i64> = Vec::try_from(classes.view([-1]))
                .map_err(|e| torch_error("reading NER labels", e))?;
            let width = batch.input_ids.size()[1] as usize;
            for (row, window) in group.iter().enumerate() {
                let (start, end) = (window.words.start, window.words.end);
                let mut previous = None;
                for (p, word) in window.encoding.get_word_ids().iter().enumerate() {
                    let Some(word) = word.map(|w| start + w as usize) else {
                        continue;
                    };
                    if previous == Some(word) {
                        continue;
                    }
                    previous = Some(word);
                    let here =
                        (offset[word] - offset[start]).min(offset[end] - offset[word + 1]) as i64;
                    if here > margin[word] {
                        margin[word] = here;
                        let at = row * width + p;
                        best[word] = Some((classes[at] as usize, probs[at]));
                    }
                }
            }
        }
        Ok(best)
    }
}

impl EntityRecognizer for TransformerRecognizer {
    fn recognize(&self, doc: &Tokenized<'_>, notes: &mut Vec<String>) -> Result<Vec<Mention>> {
        if doc.tokens.is_empty() {
            return Ok(Vec::new());
        }
        let words: Vec<&str> = doc.tokens.iter().map(|t| t.slice(doc.text)).collect();
        let labelled = self.label_words(&words, notes)?;
        Ok(decode(doc, &labelled, &self.tags))
    }

    fn info(&self) -> ComponentInfo {
        self.info.clone()
    }
}

/// Merges word tags into mentions with the one chunker ([`Chunker`]: an
/// entity opens at B/S, or at I/E whose type differs from the open one's,
/// as in IOB1 and lenient BIO), and never across a sentence boundary or a
/// word without pieces (which has no tag). Types newstag cannot map are
/// dropped; a mention's score is the mean of its words' probabilities.
fn decode(doc: &Tokenized<'_>, labelled: &[Option<(usize, f32)>], tags: &[Tag]) -> Vec<Mention> {
    let mut chunker = Chunker::default();
    for (i, word) in labelled.iter().enumerate() {
        if i > 0 && doc.sentence_of(i) != doc.sentence_of(i - 1) {
            chunker.close(i);
        }
        match word {
            Some((class, _)) => {
                let tag = &tags[*class];
                chunker.push(i, tag.position, tag.kind.as_str());
            }
            None => chunker.close(i),
        }
    }
    chunker
        .finish(labelled.len())
        .into_iter()
        .filter_map(|(tokens, kind)| {
            let label = map_entity_type(kind)?;
            // Every word of an entity has a tag, so a probability.
            let scores = labelled[tokens.clone()].iter().flatten().map(|(_, p)| *p);
            let score = scores.sum::<f32>() / tokens.len() as f32;
            Some(Mention {
                span: Span::new(
                    doc.tokens[tokens.start].start,
                    doc.tokens[tokens.end - 1].end,
                ),
                tokens,
                label,
                score,
            })
        })
        .collect()
}

// The recogniser is shared by the pipeline's worker threads.
const _: fn() = || {
    fn shareable<T: Send + Sync>() {}
    shareable::<TransformerRecognizer>();
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::TokenizedText;

    fn tags(names: &[&str]) -> Vec<Tag> {
        names.iter().map(|n| Tag::parse(n)).collect()
    }

    fn run(text: &str, names: &[&str], classes: &[usize]) -> Vec<(String, EntityLabel)> {
        let tokenized = TokenizedText::new(text);
        let doc = tokenized.view();
        let labelled: Vec<_> = classes.iter().map(|&c| Some((c, 0.9))).collect();
        decode(&doc, &labelled, &tags(names))
            .into_iter()
            .map(|m| (m.span.slice(text).to_string(), m.label))
            .collect()
    }

    #[test]
    fn bio_tags_merge_into_whole_entities() {
        let names = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"];
        // Kim Jong Un visited North Korea .
        let got = run(
            "Kim Jong Un visited North Korea.",
            &names,
            &[1, 2, 2, 0, 3, 4, 0],
        );
        assert_eq!(
            got,
            vec![
                ("Kim Jong Un".into(), EntityLabel::Per),
                ("North Korea".into(), EntityLabel::Loc)
            ]
        );
    }

    #[test]
    fn iob1_and_adjacent_entities() {
        let names = ["O", "I-ORG", "B-ORG", "I-PER"];
        // IOB1: I- opens an entity; B- splits two adjacent ones of one type.
        let got = run("Reuters AP NATO said Smith", &names, &[1, 2, 1, 0, 3]);
        assert_eq!(
            got,
            vec![
                ("Reuters".into(), EntityLabel::Org),
                ("AP NATO".into(), EntityLabel::Org),
                ("Smith".into(), EntityLabel::Per)
            ]
        );
    }

    #[test]
    fn ontonotes_types_are_mapped_and_numbers_dropped() {
        let names = [
            "O", "B-GPE", "B-NORP", "B-DATE", "I-DATE", "B-PERSON", "E-PERSON", "S-FAC",
        ];
        let got = run(
            "Ukraine and Russian troops on 3 May met Joe Biden at Kursk",
            &names,
            &[1, 0, 2, 0, 0, 3, 4, 0, 5, 6, 0, 7],
        );
        assert_eq!(
            got,
            vec![
                ("Ukraine".into(), EntityLabel::Loc),
                ("Russian".into(), EntityLabel::Misc),
                ("Joe Biden".into(), EntityLabel::Per),
                ("Kursk".into(), EntityLabel::Loc)
            ]
        );
    }

    #[test]
    fn entities_stop_at_sentence_boundaries() {
        let names = ["O", "B-LOC", "I-LOC"];
        // An I- tag on the first word of a sentence opens a new entity.
        let got = run(
            "He went to Paris. London replied.",
            &names,
            &[0, 0, 0, 1, 2, 2, 0, 0],
        );
        assert_eq!(
            got,
            vec![
                ("Paris.".into(), EntityLabel::Loc),
                ("London".into(), EntityLabel::Loc)
            ]
        );
    }

    #[test]
    fn a_word_without_pieces_ends_an_entity_and_scores_are_means() {
        let text = "Kim Jong Un met Putin";
        let tokenized = TokenizedText::new(text);
        let doc = tokenized.view();
        // "Un" has no pieces: "Kim Jong" ends before it.
        let labelled = [
            Some((1, 0.5)),
            Some((2, 1.0)),
            None,
            Some((0, 0.9)),
            Some((1, 0.8)),
        ];
        let got: Vec<_> = decode(&doc, &labelled, &tags(&["O", "B-PER", "I-PER"]))
            .into_iter()
            .map(|m| (m.span.slice(text).to_string(), m.tokens, m.score))
            .collect();
        assert_eq!(
            got,
            vec![("Kim Jong".into(), 0..2, 0.75), ("Putin".into(), 4..5, 0.8)]
        );
    }

    #[test]
    fn tags_parse_all_schemes() {
        assert_eq!(
            Tag::parse("B-PER"),
            Tag {
                position: Position::Begin,
                kind: "PER".into()
            }
        );
        assert_eq!(
            Tag::parse("L_ORG"),
            Tag {
                position: Position::End,
                kind: "ORG".into()
            }
        );
        assert_eq!(
            Tag::parse("U-LOC"),
            Tag {
                position: Position::Single,
                kind: "LOC".into()
            }
        );
        assert_eq!(
            Tag::parse("o"),
            Tag {
                position: Position::Outside,
                kind: String::new()
            }
        );
        assert_eq!(
            Tag::parse("PER"),
            Tag {
                position: Position::Inside,
                kind: "PER".into()
            }
        );
    }
}
