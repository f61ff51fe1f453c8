//! The pipeline: tokenise, split sentences, recognise entities, resolve
//! actors and places, classify frames. It owns the loaded stages and is
//! shared read-only across worker threads.

use std::sync::Arc;

use crate::document::Tokenized;
pub use crate::engine::PipelineConfig;
use crate::engine::{self, EngineInfo, OutputOptions};
use crate::error::Result;
use crate::frames::{DocFrame, Frame, FrameClassifier};
use crate::ner::EntityRecognizer;
use crate::resolve::{Entity, Referent, Resolver};
use crate::sentence::{NewsSplitter, Sentence, SentenceSplitter};
use crate::tokenize::{tokenize_into, Token};

/// Everything the pipeline found in one document; spans are byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Annotation {
    /// The tokens, in order.
    pub tokens: Vec<Token>,
    /// The sentences, each a range of `tokens`.
    pub sentences: Vec<Sentence>,
    /// The entities, in text order, with role, country and referent.
    pub entities: Vec<Entity>,
    /// Distinct actors; `Entity::referent` of an actor points here.
    pub actors: Vec<Referent>,
    /// Distinct places; `Entity::referent` of a place points here.
    pub places: Vec<Referent>,
    /// Scored frames, selected or not.
    pub frames: Vec<Frame>,
    /// How the document was processed, when that is worth knowing
    /// (windows, truncation of nothing, fallbacks).
    pub notes: Vec<String>,
}

impl Annotation {
    /// The frames aggregated per label over the annotated text (see
    /// [`crate::frames::aggregate`]); the record writer tallies them across
    /// windows itself.
    pub fn doc_frames(&self) -> Vec<DocFrame> {
        crate::frames::aggregate(&self.frames)
    }
}

/// The loaded pipeline.
pub struct Pipeline {
    splitter: Box<dyn SentenceSplitter>,
    recognizer: Box<dyn EntityRecognizer>,
    resolver: Resolver,
    framer: Option<Box<dyn FrameClassifier>>,
    info: Arc<EngineInfo>,
    output: OutputOptions,
}

impl Pipeline {
    /// Loads every stage that `config` asks for.
    pub fn new(config: &PipelineConfig) -> Result<Self> {
        let stages = engine::build(config)?;
        Ok(Self {
            splitter: Box::new(NewsSplitter),
            info: Arc::new(stages.info),
            recognizer: stages.recognizer,
            resolver: stages.resolver,
            framer: stages.framer,
            output: config.output.clone(),
        })
    }

    /// What produced the records: engine, model files and their hashes.
    pub fn info(&self) -> &Arc<EngineInfo> {
        &self.info
    }

    /// Runs every stage on the whole of `text` at once, however large; the
    /// record path and `eval` go window by window instead
    /// ([`Pipeline::annotate_into`]).
    pub fn annotate(&self, text: &str) -> Result<Annotation> {
        Ok(self.annotate_window(text, 0, usize::MAX)?.0)
    }

    /// Runs every stage on the whole sentences of `text` that start at byte
    /// `start` and fit in about `limit` bytes; returns their annotation and
    /// where the next window starts (`text.len()` after the last). Spans are
    /// byte offsets into the whole `text`; sentence, token and entity
    /// indices count from the window's start.
    ///
    /// The window is cut at whitespace and then drops its last sentence,
    /// which the cut may have split, unless that is its only one (a single
    /// sentence longer than `limit`, which is kept whole up to the cut).
    pub fn annotate_window(
        &self,
        text: &str,
        start: usize,
        limit: usize,
    ) -> Result<(Annotation, usize)> {
        let mut end = window_end(text, start, limit);
        let mut tokens = Vec::new();
        tokenize_into(&text[start..end], &mut tokens);
        for token in &mut tokens {
            *token = token.shifted(start);
        }
        let mut sentences = self.splitter.split(text, &tokens);
        if end < text.len() && sentences.len() > 1 {
            let cut = sentences.pop().expect("more than one sentence");
            tokens.truncate(cut.tokens.start);
            end = cut.span.start;
        }
        let doc = Tokenized {
            text,
            tokens: &tokens,
            sentences: &sentences,
        };
        let mut notes = Vec::new();
        let mentions = self.recognizer.recognize(&doc, &mut notes)?;
        let mut resolution = self.resolver.resolve(&doc, mentions);
        notes.append(&mut resolution.notes);
        let frames = match &self.framer {
            Some(framer) => framer.classify(&doc, &resolution.entities, &mut notes)?,
            None => Vec::new(),
        };
        let annotation = Annotation {
            tokens,
            sentences,
            entities: resolution.entities,
            actors: resolution.actors,
            places: resolution.places,
            frames,
            notes,
        };
        Ok((annotation, end))
    }

    /// The record options of the configuration the pipeline was built
    /// from, which the record writer applies.
    pub fn output(&self) -> &OutputOptions {
        &self.output
    }

    /// Annotates `text` window by window into `sink`: a text larger than
    /// `window` bytes is cut into windows of whole sentences (see
    /// [`Pipeline::annotate_window`]) whose annotations go to the sink as
    /// they come, so memory stays bounded whatever the text's size. This is
    /// the path of every record ([`WINDOW_BYTES`]) and of `eval`. Returns the
    /// text's token count.
    pub fn annotate_into(&self, text: &str, window: usize, sink: &mut dyn Sink) -> Result<usize> {
        let (mut start, mut windows, mut tokens) = (0, 0, 0);
        loop {
            let (annotation, next) = self.annotate_window(text, start, window)?;
            tokens += annotation.tokens.len();
            windows += 1;
            sink.window(annotation)?;
            if next >= text.len() {
                break;
            }
            start = next;
        }
        if windows > 1 {
            sink.note(&format!(
                "annotated in {windows} windows of whole sentences of about {window} bytes; \
                 sentence context (the learned framer's neighbouring sentences) and the grouping of a lone surname with a full name stop at window boundaries"
            ));
        }
        Ok(tokens)
    }
}

/// Where [`Pipeline::annotate_into`] puts a document's annotation: the
/// record writer ([`crate::record::RecordWriter`]) is one sink, `eval`'s
/// list of windows another.
pub trait Sink {
    /// Takes the annotation of the text's next window (spans in bytes into
    /// the whole text, indices counting from the window's start).
    fn window(&mut self, annotation: Annotation) -> Result<()>;

    /// Takes a note about how the text as a whole was processed.
    fn note(&mut self, note: &str);
}

/// Keeps every window; a note about the whole text goes with the last.
impl Sink for Vec<Annotation> {
    fn window(&mut self, annotation: Annotation) -> Result<()> {
        self.push(annotation);
        Ok(())
    }

    fn note(&mut self, note: &str) {
        if let Some(last) = self.last_mut() {
            last.notes.push(note.to_string());
        }
    }
}

/// Documents larger than this many bytes are annotated in windows of whole
/// sentences of about this size: a window's tokens, entities and frames take
/// a few times its size in memory, and the record is written out as it goes.
pub const WINDOW_BYTES: usize = 1 << 20;

/// Where a window that starts at `start` and may span `limit` bytes ends: at
/// the end of the text, or after the last whitespace before the limit, so
/// that no token is cut (at a char boundary if a run without whitespace
/// fills the window).
fn window_end(text: &str, start: usize, limit: usize) -> usize {
    if text.len() - start <= limit {
        return text.len();
    }
    let mut end = start + limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[start..end].rfind(char::is_whitespace) {
        Some(at) if at > 0 => start + at,
        _ => end.max(start + text[start..].chars().next().map_or(0, char::len_utf8)),
    }
}
