//! newstag: a local tagger for news articles. It reads plain text, Markdown,
//! HTML or JSONL, splits sentences, recognises named entities, resolves them
//! into actors and places with country codes, classifies framing with
//! zero-shot labels given at run time, and writes one JSON line per document.
//!
//! The pipeline is built once from a [`PipelineConfig`] and then shared by
//! every worker thread:
//!
//! ```no_run
//! use newstag::{Document, Pipeline, PipelineConfig};
//! let pipeline = Pipeline::new(&PipelineConfig::default())?;
//! let doc = Document::plain("d1", "-", "Pyongyang sent troops to Kursk.");
//! print!("{}", pipeline.process(&doc).into_string()?);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod batch;
pub mod datafile;
pub mod document;
pub mod engine;
pub mod error;
pub mod eval;
pub mod fold;
pub mod frames;
pub mod hashed;
pub mod ingest;
pub mod learn;
pub mod logistic;
pub mod metrics;
pub mod models;
mod names;
pub mod ner;
pub mod output;
pub mod pipeline;
pub mod record;
pub mod records;
pub mod resolve;
pub mod sentence;
pub mod spool;
pub mod table;
pub mod text;
pub mod tokenize;
#[cfg(feature = "transformers")]
pub mod transformer;
pub mod view;

pub use document::{Document, Format};
pub use engine::{EngineKind, FrameChoice};
pub use error::{Error, Result};
pub use pipeline::{Annotation, Pipeline, PipelineConfig};
pub use record::Line;
