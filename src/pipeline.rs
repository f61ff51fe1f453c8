//! The pipeline: tokenise, split sentences, recognise entities, resolve
//! actors and places, classify frames. It owns the loaded stages and is
//! shared read-only across worker threads.

use std::path::PathBuf;
use std::sync::Arc;

use crate::document::Document;
use crate::engine::{self, EngineInfo, EngineKind, FrameChoice, TransformerOptions};
use crate::error::Result;
use crate::frames::{DocFrame, Frame, FrameClassifier};
use crate::ner::EntityRecognizer;
use crate::record::{OutputOptions, OutputRecord};
use crate::resolve::{Entity, Referent, Resolver};
use crate::sentence::{NewsSplitter, Sentence, SentenceSplitter};
use crate::tokenize::{tokenize_into, Token};

/// A document's text with its tokens and sentences: what every stage after
/// the splitter reads.
#[derive(Debug, Clone, Copy)]
pub struct Tokenized<'a> {
    pub text: &'a str,
    pub tokens: &'a [Token],
    pub sentences: &'a [Sentence],
}

impl Tokenized<'_> {
    /// Index of the sentence that holds token `token`.
    pub fn sentence_of(&self, token: usize) -> usize {
        self.sentences.partition_point(|s| s.tokens.end <= token)
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
    pub doc_frames: Vec<DocFrame>,
    /// How the document was processed, when that is worth knowing
    /// (windows, truncation of nothing, fallbacks).
    pub notes: Vec<String>,
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

    /// Runs every stage on `text`.
    pub fn annotate(&self, text: &str) -> Result<Annotation> {
        let mut tokens = Vec::new();
        tokenize_into(text, &mut tokens);
        let sentences = self.splitter.split(text, &tokens);
        let doc = Tokenized { text, tokens: &tokens, sentences: &sentences };
        let mut notes = Vec::new();
        let mentions = self.recognizer.recognize(&doc, &mut notes)?;
        let mut resolution = self.resolver.resolve(&doc, mentions);
        notes.append(&mut resolution.notes);
        let frames = match &self.framer {
            Some(framer) => framer.classify(&doc, &resolution.entities, &mut notes)?,
            None => Vec::new(),
        };
        let doc_frames = crate::frames::aggregate(&frames);
        Ok(Annotation {
            tokens,
            sentences,
            entities: resolution.entities,
            actors: resolution.actors,
            places: resolution.places,
            frames,
            doc_frames,
            notes,
        })
    }

    /// Annotates `doc` and builds its output record; a failure becomes an
    /// error record, never a lost document.
    pub fn process(&self, doc: &Document) -> OutputRecord {
        self.process_counted(doc).0
    }

    /// [`Pipeline::process`], also returning the document's token count
    /// (for throughput figures).
    pub fn process_counted(&self, doc: &Document) -> (OutputRecord, usize) {
        match self.annotate(&doc.text) {
            Ok(annotation) => {
                let tokens = annotation.tokens.len();
                (OutputRecord::ok(doc, &annotation, &self.info, &self.output), tokens)
            }
            Err(err) => (OutputRecord::error(&doc.id, &doc.source, &err), 0),
        }
    }
}
