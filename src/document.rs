//! The document type every stage works on ([`Document`] as read,
//! [`Tokenized`] once split into tokens and sentences, [`TokenizedText`]
//! owning what a `Tokenized` borrows), and the map from its visible text back
//! to the original markup it was extracted from.

use std::ops::Range;

use crate::sentence::{NewsSplitter, Sentence, SentenceSplitter};
use crate::text::Span;
use crate::tokenize::{tokenize, Token};

crate::names::named_enum! {
    /// The input format a document was read from.
    pub enum Format("format") {
        /// Plain text.
        Text = "text",
        /// Markdown; the text is its visible text.
        Markdown = "markdown",
        /// HTML; the text is its visible text.
        Html = "html",
        /// One JSON object per line.
        Jsonl = "jsonl",
    }
}

impl Format {
    /// The format a file extension stands for (`txt`, `md`, `html`, `jsonl`, ...).
    pub fn from_extension(ext: &str) -> Option<Self> {
        match ext.to_ascii_lowercase().as_str() {
            "txt" | "text" => Some(Self::Text),
            "md" | "markdown" => Some(Self::Markdown),
            "html" | "htm" | "xhtml" => Some(Self::Html),
            "jsonl" | "ndjson" => Some(Self::Jsonl),
            _ => None,
        }
    }
}

/// One input document. `text` is what the pipeline analyses and what all
/// offsets in its record refer to: the file itself for plain text and JSONL,
/// the visible text for Markdown and HTML (see [`Origin`]).
#[derive(Debug, Clone)]
pub struct Document {
    /// Unique id: the JSONL id field, else the path (plus line number for JSONL).
    pub id: String,
    /// Where it came from: a path, `path:line` for JSONL, or `-` for stdin.
    pub source: String,
    /// How the input was written.
    pub format: Format,
    /// The text the pipeline analyses (see the type's description).
    pub text: String,
    /// For markup formats, how to map `text` back to the original.
    pub origin: Option<Origin>,
}

impl Document {
    /// A plain-text document.
    pub fn plain(
        id: impl Into<String>,
        source: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            source: source.into(),
            format: Format::Text,
            text: text.into(),
            origin: None,
        }
    }
}

/// A document's text with its tokens and sentences: what every stage after
/// the splitter reads.
#[derive(Debug, Clone, Copy)]
pub struct Tokenized<'a> {
    /// The whole document text; every span points into it.
    pub text: &'a str,
    /// Its tokens, in order.
    pub tokens: &'a [Token],
    /// Its sentences, in order, each a range of `tokens`.
    pub sentences: &'a [Sentence],
}

impl<'a> Tokenized<'a> {
    /// Index of the sentence that holds token `token`.
    pub fn sentence_of(&self, token: usize) -> usize {
        self.sentences.partition_point(|s| s.tokens.end <= token)
    }

    /// The tokens that overlap `span` (empty when it falls between tokens).
    pub fn overlapping(&self, span: Span) -> Range<usize> {
        let first = self.tokens.partition_point(|t| t.end <= span.start);
        let last = self.tokens.partition_point(|t| t.start < span.end);
        first..last.max(first)
    }

    /// The text of every sentence, in order (what sentence encoders read).
    pub fn sentence_texts(&self) -> Vec<&'a str> {
        self.sentences
            .iter()
            .map(|s| s.span.slice(self.text))
            .collect()
    }
}

/// A text with its own tokens and the news splitter's sentences: the owner a
/// caller that tokenises a whole text itself (tests, benches, a recogniser
/// run outside the pipeline) lends out as a [`Tokenized`]. The pipeline does
/// not use it: it tokenises window by window with the configured splitter.
#[derive(Debug, Clone)]
pub struct TokenizedText {
    text: String,
    tokens: Vec<Token>,
    sentences: Vec<Sentence>,
}

impl TokenizedText {
    /// `text` tokenised ([`tokenize`]) and split into sentences by
    /// [`NewsSplitter`].
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let tokens = tokenize(&text);
        let sentences = NewsSplitter.split(&text, &tokens);
        Self {
            text,
            tokens,
            sentences,
        }
    }

    /// The borrowed view every stage reads.
    pub fn view(&self) -> Tokenized<'_> {
        Tokenized {
            text: &self.text,
            tokens: &self.tokens,
            sentences: &self.sentences,
        }
    }
}

/// Maps byte offsets of a visible text to byte offsets of the original markup.
///
/// The visible text is a sequence of pieces, each copied from (or, for
/// decoded entities and inserted line breaks, standing for) a position of the
/// original. An offset inside a copied piece maps exactly; one inside a
/// synthetic piece maps to the start of what it stands for.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The original file content.
    pub original: String,
    /// `(visible_start, original_start, stands_for)` per piece, in order:
    /// `stands_for` is `None` for a copied piece and the end of the markup
    /// in the original for a synthetic one.
    pieces: Vec<(usize, usize, Option<usize>)>,
}

impl Origin {
    /// Original byte offset of visible byte offset `visible`.
    pub fn to_original(&self, visible: usize) -> usize {
        let i = self.pieces.partition_point(|p| p.0 <= visible);
        if i == 0 {
            return 0;
        }
        match self.pieces[i - 1] {
            (vis, orig, None) => orig + (visible - vis),
            (_, orig, Some(_)) => orig,
        }
    }

    /// Original byte offset just past visible byte `visible - 1`: the end of
    /// a span, which stays inside the piece its last character came from;
    /// a span that ends in a synthetic piece (a decoded entity) ends after
    /// the markup it stands for.
    pub fn to_original_end(&self, visible: usize) -> usize {
        if visible == 0 {
            return self.to_original(0);
        }
        let i = self.pieces.partition_point(|p| p.0 < visible);
        if i == 0 {
            return 0;
        }
        match self.pieces[i - 1] {
            (vis, orig, None) => orig + (visible - vis),
            (_, _, Some(end)) => end,
        }
    }
}

/// Builds a visible text and its [`Origin`] piece by piece.
#[derive(Debug, Default)]
pub struct VisibleTextBuilder {
    text: String,
    pieces: Vec<(usize, usize, Option<usize>)>,
}

impl VisibleTextBuilder {
    /// A builder for the visible text of `original`, which is never longer
    /// than the markup it comes from: reserving that much up front spares
    /// the copies of a growing buffer, which would briefly double a huge
    /// document's text.
    pub fn for_original(original: &str) -> Self {
        Self {
            text: String::with_capacity(original.len()),
            pieces: Vec::new(),
        }
    }

    /// Appends `piece`, which is copied verbatim from the original at
    /// `original_start`. A piece that goes on where the previous copied one
    /// ends, in both texts, extends it: the map then grows with the markup,
    /// not with the words.
    pub fn copy(&mut self, original_start: usize, piece: &str) {
        if piece.is_empty() {
            return;
        }
        let continues = matches!(self.pieces.last(),
            Some(&(visible, original, None)) if original + (self.text.len() - visible) == original_start);
        if !continues {
            self.pieces.push((self.text.len(), original_start, None));
        }
        self.text.push_str(piece);
    }

    /// Appends `piece`, which stands for the markup at `original_start`
    /// (a line break for a block element).
    pub fn insert(&mut self, original_start: usize, piece: &str) {
        self.insert_for(original_start..original_start, piece);
    }

    /// Appends `piece`, which stands for the markup `original` (a decoded
    /// entity), so that a span ending in it ends after that markup.
    pub fn insert_for(&mut self, original: std::ops::Range<usize>, piece: &str) {
        if piece.is_empty() {
            return;
        }
        self.pieces
            .push((self.text.len(), original.start, Some(original.end)));
        self.text.push_str(piece);
    }

    /// The visible text built so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Finishes the visible text and its map into `original`.
    pub fn finish(mut self, original: String) -> (String, Origin) {
        self.text.shrink_to_fit();
        self.pieces.shrink_to_fit();
        (
            self.text,
            Origin {
                original,
                pieces: self.pieces,
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_maps_copied_and_inserted_pieces() {
        let original = "<p>Kim &amp; Putin</p>".to_string();
        let mut b = VisibleTextBuilder::default();
        b.copy(3, "Kim ");
        b.insert(7, "&");
        b.copy(12, " Putin");
        let (text, origin) = b.finish(original.clone());
        assert_eq!(text, "Kim & Putin");
        let putin = text.find("Putin").unwrap();
        let orig = origin.to_original(putin);
        assert_eq!(&original[orig..orig + 5], "Putin");
        assert_eq!(origin.to_original(4), 7);
        assert_eq!(origin.to_original(0), 3);
    }
}
