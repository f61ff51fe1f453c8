//! CoNLL-2003 column files (`TOKEN POS NER` per line, blank line between
//! sentences, IOB1 or IOB2 tags): the training and evaluation data of the
//! embedded NER model, read into sentences with entity token ranges, and
//! written out as gold JSONL so that `eval --gold` scores the same data
//! through the production pipeline (`newstag convert-conll`). The other
//! way, gold documents are written as columns so that `train-ner` learns
//! from them (`newstag convert-gold`, [`write_columns`]).

use std::io::{self, BufRead, Write};
use std::ops::Range;
use std::path::Path;

use serde::Serialize;

use crate::document::Tokenized;
use crate::error::{Error, Result};
use crate::metrics::Scores;
use crate::ner::chunk::{Chunker, Position};
use crate::ner::{EntityLabel, EntityRecognizer};
use crate::sentence::{NewsSplitter, Sentence, SentenceSplitter};
use crate::text::{CharOffsets, Span};
use crate::tokenize::tokenize;

/// One sentence of a CoNLL file.
#[derive(Debug, Clone, PartialEq)]
pub struct ConllSentence {
    /// The words, as in the file.
    pub tokens: Vec<String>,
    /// Entities as token ranges, sorted and non-overlapping.
    pub entities: Vec<(Range<usize>, EntityLabel)>,
    /// 1-based line of the first token, for messages.
    pub line: usize,
    /// Which document of the file it belongs to, counted from 0 (see
    /// [`read`]).
    pub document: usize,
}

impl ConllSentence {
    /// The tokens joined by single spaces, with each token's byte span.
    pub fn text(&self) -> (String, Vec<Span>) {
        let mut text = String::with_capacity(self.tokens.iter().map(|t| t.len() + 1).sum());
        let mut spans = Vec::with_capacity(self.tokens.len());
        for token in &self.tokens {
            if !text.is_empty() {
                text.push(' ');
            }
            spans.push(Span::new(text.len(), text.len() + token.len()));
            text.push_str(token);
        }
        (text, spans)
    }
}

/// Reads a CoNLL column file; the NER tag is the last column. Errors name
/// the line and the bad field.
///
/// Sentences are grouped into documents: a new one starts at each
/// `-DOCSTART-` line and at each headline, the sentence before a dateline
/// ("LONDON 1996-08-30"), because copies of the data without `-DOCSTART-`
/// lines (ours) still open every Reuters story with headline and dateline.
/// On the shared files this finds 214 documents in dev, 226 in test and 920
/// in train, against 216, 231 and 946 in the original: the few stories
/// without a dateline stay joined to the one before, and a story with a
/// byline between headline and dateline leaves its headline to that one.
pub fn read(path: &Path) -> Result<Vec<ConllSentence>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut sentences = Vec::new();
    let mut current = Builder::default();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| Error::io(path, e))?;
        let line_no = i + 1;
        let line = if i == 0 {
            crate::ingest::strip_bom(&line)
        } else {
            &line
        };
        let line = line.trim_end();
        if line.is_empty() || line.starts_with("-DOCSTART-") {
            current.finish(&mut sentences);
            if line.starts_with("-DOCSTART-") {
                current.document += 1;
            }
            continue;
        }
        let mut columns = line.split_whitespace();
        let (Some(token), Some(tag)) = (columns.next(), columns.next_back()) else {
            return Err(Error::record(
                path,
                line_no,
                "tag",
                "expected `TOKEN ... TAG` columns",
            ));
        };
        current
            .push(token, tag)
            .map_err(|msg| Error::record(path, line_no, "tag", msg))?;
        if current.line == 0 {
            current.line = line_no;
        }
    }
    current.finish(&mut sentences);
    number_documents(&mut sentences);
    Ok(sentences)
}

/// Renumbers `sentences`, whose `document` counts the `-DOCSTART-` lines
/// before them, so that a headline followed by a dateline also starts a
/// document.
fn number_documents(sentences: &mut [ConllSentence]) {
    let docstarts: Vec<usize> = sentences.iter().map(|s| s.document).collect();
    let mut document = 0;
    if let Some(first) = sentences.first_mut() {
        first.document = 0;
    }
    for k in 1..sentences.len() {
        let after_docstart = docstarts[k] != docstarts[k - 1];
        let before_dateline = sentences
            .get(k + 1)
            .is_some_and(|next| is_dateline(next) && docstarts[k + 1] == docstarts[k]);
        document += usize::from(after_docstart || before_dateline);
        sentences[k].document = document;
    }
}

/// A Reuters dateline: a few words of place and a `YYYY-MM-DD` date.
fn is_dateline(sentence: &ConllSentence) -> bool {
    let is_date = |t: &str| {
        let b = t.as_bytes();
        b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    };
    sentence.tokens.len() <= 6 && sentence.tokens.last().is_some_and(|t| is_date(t))
}

#[derive(Default)]
struct Builder {
    tokens: Vec<String>,
    chunker: Chunker<EntityLabel>,
    line: usize,
    document: usize,
}

impl Builder {
    fn push(&mut self, token: &str, tag: &str) -> std::result::Result<(), String> {
        let i = self.tokens.len();
        self.tokens.push(token.to_string());
        if tag == "O" {
            self.chunker.push(i, Position::Outside, EntityLabel::Misc);
            return Ok(());
        }
        let (prefix, label) = tag
            .split_once('-')
            .ok_or_else(|| format!("tag {tag:?} is neither O nor B-/I-/E-/S-LABEL"))?;
        let label: EntityLabel = label.parse().map_err(|e: Error| e.to_string())?;
        let position = match prefix {
            "B" => Position::Begin,
            "I" => Position::Inside,
            "E" => Position::End,
            "S" => Position::Single,
            _ => return Err(format!("tag {tag:?}: unknown prefix {prefix:?}")),
        };
        self.chunker.push(i, position, label);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<ConllSentence>) {
        let entities = std::mem::take(&mut self.chunker).finish(self.tokens.len());
        if !self.tokens.is_empty() {
            out.push(ConllSentence {
                tokens: std::mem::take(&mut self.tokens),
                entities,
                line: self.line,
                document: self.document,
            });
        }
        self.line = 0;
    }
}

/// Runs `recognizer` on each document of `sentences` (consecutive sentences
/// of one `-DOCSTART-` section, with their own tokens and sentence breaks,
/// so document-level decisions see what they see in the pipeline) and
/// scores entities strictly: exact token span and label, the conlleval rule.
pub fn score(recognizer: &dyn EntityRecognizer, sentences: &[ConllSentence]) -> Result<Scores> {
    let mut scores = Scores::default();
    let mut notes = Vec::new();
    for document in sentences.chunk_by(|a, b| a.document == b.document) {
        let (text, tokens, sentences) = document_text(document);
        let doc = Tokenized {
            text: &text,
            tokens: &tokens,
            sentences: &sentences,
        };
        let mentions = recognizer.recognize(&doc, &mut notes)?;
        notes.clear();
        let mut gold: Vec<(Span, &str)> = Vec::new();
        for (sentence, bounds) in document.iter().zip(&sentences) {
            let tokens = &tokens[bounds.tokens.clone()];
            gold.extend(sentence.entities.iter().map(|(r, l)| {
                (
                    Span::new(tokens[r.start].start, tokens[r.end - 1].end),
                    l.as_str(),
                )
            }));
        }
        let pred: Vec<(Span, &str)> = mentions
            .iter()
            .map(|m| (m.span, m.label.as_str()))
            .collect();
        scores.add_exact(&gold, &pred);
    }
    Ok(scores)
}

/// The sentences of one document as a text (a line per sentence, tokens
/// joined by single spaces), its token spans and its sentences.
fn document_text(document: &[ConllSentence]) -> (String, Vec<Span>, Vec<Sentence>) {
    let mut text = String::new();
    let mut tokens = Vec::new();
    let mut sentences = Vec::with_capacity(document.len());
    for sentence in document {
        if !text.is_empty() {
            text.push('\n');
        }
        let (line, spans) = sentence.text();
        let (base, first) = (text.len(), tokens.len());
        text.push_str(&line);
        tokens.extend(spans.iter().map(|s| s.shifted(base)));
        sentences.push(Sentence {
            span: Span::new(base, text.len()),
            tokens: first..tokens.len(),
        });
    }
    (text, tokens, sentences)
}

#[derive(Serialize)]
struct GoldLine<'a> {
    id: String,
    text: &'a str,
    entities: Vec<GoldEntityLine>,
}

#[derive(Serialize)]
struct GoldEntityLine {
    start: usize,
    end: usize,
    label: EntityLabel,
}

/// One gold JSONL line (ANNOTATION.md format, labels only) for sentence
/// number `index` (1-based) of a file whose name gives the id prefix.
pub fn gold_line(prefix: &str, index: usize, sentence: &ConllSentence) -> String {
    let (text, tokens) = sentence.text();
    let chars = CharOffsets::new(&text);
    let entities = sentence
        .entities
        .iter()
        .map(|(r, label)| GoldEntityLine {
            start: chars.to_char(tokens[r.start].start),
            end: chars.to_char(tokens[r.end - 1].end),
            label: *label,
        })
        .collect();
    let line = GoldLine {
        id: format!("{prefix}-{index}"),
        text: &text,
        entities,
    };
    serde_json::to_string(&line).expect("gold lines serialise")
}

/// Writes `text` with its `entities` (byte spans, in text order) as one
/// CoNLL-2003 document of `TOKEN _ _ TAG` lines (IOB2), tokenised and split
/// into sentences by newstag itself, so that training sees the tokens that
/// tagging will. A token takes the label of the entity that covers it, even
/// in part ("Kremlin" in "Kremlin-linked", which the tokenizer cannot
/// split); whitespace inside a token is dropped, and a token of whitespace
/// alone is left out.
pub fn write_columns(
    text: &str,
    entities: &[(Span, EntityLabel)],
    out: &mut impl Write,
) -> io::Result<()> {
    let tokens = tokenize(text);
    let sentences = NewsSplitter.split(text, &tokens);
    writeln!(out, "-DOCSTART- -X- -X- O\n")?;
    for sentence in &sentences {
        let mut previous: Option<usize> = None;
        for token in &tokens[sentence.tokens.clone()] {
            let covering = entities
                .iter()
                .position(|(span, _)| span.start < token.end && token.start < span.end);
            let tag = match covering {
                Some(e) => {
                    let prefix = if previous == Some(e) { "I" } else { "B" };
                    format!("{prefix}-{}", entities[e].1)
                }
                None => "O".to_string(),
            };
            previous = covering;
            let word: String = token
                .slice(text)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            if !word.is_empty() {
                writeln!(out, "{word} _ _ {tag}")?;
            }
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(s: &str) -> Result<Vec<ConllSentence>> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, s.as_bytes()).unwrap();
        read(f.path())
    }

    #[test]
    fn iob2_and_iob1_entities() {
        let s = read_str(
            "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\nGerman JJ B-MISC\n\nPeter NNP I-PER\nBlackburn NNP I-PER\nUN NNP B-PER\n",
        )
        .unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s[0].entities,
            [(0..1, EntityLabel::Org), (2..3, EntityLabel::Misc)]
        );
        assert_eq!(
            s[1].entities,
            [(0..2, EntityLabel::Per), (2..3, EntityLabel::Per)]
        );
        assert_eq!(s[1].line, 7);
        assert_eq!((s[0].document, s[1].document), (0, 0));
        assert_eq!(
            gold_line("t", 2, &s[1]),
            r#"{"id":"t-2","text":"Peter Blackburn UN","entities":[{"start":0,"end":15,"label":"PER"},{"start":16,"end":18,"label":"PER"}]}"#
        );
    }

    #[test]
    fn documents_start_at_docstart_and_at_headlines() {
        let s = read_str(concat!(
            "-DOCSTART- -X- O\n\nSOCCER NN O\n\nLONDON NNP B-LOC\n1996-08-30 CD O\n\nGoal NN O\n\n",
            "TENNIS NN O\n\nNEW NNP B-LOC\nYORK NNP I-LOC\n1996-08-31 CD O\n\nSet NN O\n\n",
            "-DOCSTART- -X- O\n\nRIO NNP B-LOC\n1996-09-01 CD O\n",
        ))
        .unwrap();
        let documents: Vec<usize> = s.iter().map(|s| s.document).collect();
        assert_eq!(documents, [0, 0, 0, 1, 1, 1, 2]);
    }

    #[test]
    fn bad_tags_name_the_line() {
        let msg = read_str("EU NNP B-ORG\nx NNP B-PERSON\n")
            .unwrap_err()
            .to_string();
        assert!(msg.contains(":2: field `tag`"), "{msg}");
        let msg = read_str("EU\n").unwrap_err().to_string();
        assert!(msg.contains(":1: field `tag`"), "{msg}");
    }

    #[test]
    fn gold_offsets_count_code_points() {
        let s = read_str("Zürich NNP B-LOC\nvotes VBZ O\nMüller NNP B-PER\n").unwrap();
        assert_eq!(
            gold_line("d", 1, &s[0]),
            r#"{"id":"d-1","text":"Zürich votes Müller","entities":[{"start":0,"end":6,"label":"LOC"},{"start":13,"end":19,"label":"PER"}]}"#
        );
    }
}
