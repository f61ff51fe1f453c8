//! The pipeline: tokenise, split sentences, recognise entities, resolve
//! actors and places, classify frames. It owns the loaded stages and is
//! shared read-only across worker threads.

use std::path::PathBuf;
use std::sync::Arc;

use crate::document::Document;
use crate::engine::{self, EngineInfo, EngineKind, FrameChoice, TransformerOptions};
use crate::error::{Error, InputErrorKind, Result};
use crate::frames::{DocFrame, Frame, FrameClassifier};
use crate::ner::EntityRecognizer;
use crate::record::{Line, OutputOptions, RecordWriter};
use crate::resolve::{Entity, Referent, Resolver};
use crate::sentence::{NewsSplitter, Sentence, SentenceSplitter};
use crate::spool::Spool;
use crate::tokenize::{tokenize_into, Token};

/// A document's text with its tokens and sentences: what every stage after
/// the splitter reads.
#[derive(Debug, Clone, Copy)]
pub struct Tokenized<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
    pub sentences: &'a [Sentence],
}

impl<'a> Tokenized<'a> {
    /// Index of the sentence that holds token `token`.
    pub fn sentence_of(&self, token: usize) -> usize {
        self.sentences.partition_point(|s| s.tokens.end <= token)
    }

    /// The text of every sentence, in order (what sentence encoders read).
    pub fn sentence_texts(&self) -> Vec<&'a str> {
        self.sentences
            .iter()
            .map(|s| s.span.slice(self.text))
            .collect()
    }
}

/// Everything the pipeline found in one document; spans are byte offsets.
#[derive(Debug, Clone, Default)]
pub struct Annotation {
    pub tokens: Vec<Token>,
    pub sentences: Vec<Sentence>,
    pub entities: Vec<Entity>,
    pub actors: Vec<Referent>,
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

/// Settings from which a [`Pipeline`] is built, once.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub engine: EngineKind,
    /// Models directory; `None` finds it as [`crate::models::models_dir`] says.
    pub models_dir: Option<PathBuf>,
    pub frames: FrameChoice,
    pub transformer: TransformerOptions,
    pub output: OutputOptions,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        Self {
            engine: EngineKind::Embedded,
            models_dir: None,
            frames: FrameChoice::Default,
            transformer: TransformerOptions::default(),
            output: OutputOptions::default(),
        }
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
    /// record path ([`Pipeline::process`]) goes window by window instead.
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

    /// Annotates `doc` and writes its output line. A document larger than
    /// [`WINDOW_BYTES`] is annotated in windows of whole sentences whose
    /// results are written out as they come (see [`RecordWriter`]), so
    /// memory stays bounded whatever the document's size. A failure becomes
    /// an error record, never a lost document.
    pub fn process(&self, doc: &Document) -> Line {
        self.process_windows(doc, WINDOW_BYTES)
    }

    /// [`Pipeline::process`] with windows of about `window` bytes (tests use
    /// small windows to check that windowing changes nothing it should not).
    pub fn process_windows(&self, doc: &Document, window: usize) -> Line {
        match self.write_record(doc, window) {
            Ok((spool, tokens)) => Line::record(spool, tokens),
            Err(err) => Line::error(&doc.id, &doc.source, &err),
        }
    }

    /// Annotates `doc` window by window into its record line; returns the
    /// line and the document's token count.
    fn write_record(&self, doc: &Document, window: usize) -> Result<(Spool, usize)> {
        let spool_err = |e: std::io::Error| Error::Input {
            source_name: doc.source.clone(),
            kind: InputErrorKind::Processing,
            message: format!("could not write the record to a temporary file: {e}"),
        };
        let mut record = RecordWriter::new(doc, &self.info, &self.output);
        let (mut start, mut windows, mut tokens) = (0, 0, 0);
        loop {
            let (annotation, next) = self.annotate_window(&doc.text, start, window)?;
            tokens += annotation.tokens.len();
            windows += 1;
            record.add(&annotation).map_err(spool_err)?;
            if next >= doc.text.len() {
                break;
            }
            start = next;
        }
        if windows > 1 {
            record.note(&format!(
                "annotated in {windows} windows of whole sentences of about {window} bytes; \
                 sentence context and the grouping of a lone surname with a full name stop at window boundaries"
            ));
        }
        Ok((record.finish().map_err(spool_err)?, tokens))
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
