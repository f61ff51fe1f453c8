//! One error type for the library: every variant names what failed and where.

use std::path::PathBuf;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in newstag. Variants carry the file, line and field
/// that failed so that a message alone is enough to find the problem.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A record in an input or data file is malformed.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Record {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    /// A document could not be ingested (bad encoding, empty text, ...).
    #[error("{source_name}: {message}")]
    Input {
        source_name: String,
        kind: InputErrorKind,
        message: String,
    },
    /// A field of a data file (frame set, negation lists) holds a value its
    /// format allows but newstag cannot use.
    #[error("{path}: field `{field}`: {message}")]
    Field {
        path: PathBuf,
        field: String,
        message: String,
    },
    /// A model or data file is missing; `hint` says which command provides it.
    #[error("missing model file {path}: {hint}")]
    MissingModel { path: PathBuf, hint: String },
    /// A model file exists but cannot be used.
    #[error("model {path}: {message}")]
    Model { path: PathBuf, message: String },
    /// A name (flag value, data file field) that is none of the known names
    /// of `what` (the `FromStr` of every enum written as names).
    #[error("unknown {what} {name:?} (one of {expected})")]
    UnknownName {
        what: &'static str,
        name: String,
        expected: String,
    },
    /// A configuration value (flag or configuration file) is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The transformer engine (libtorch) failed.
    #[error("transformer engine: {0}")]
    Transformer(String),
}

crate::names::named_enum! {
    /// Machine-readable kind of an input error; written into error records.
    pub enum InputErrorKind("input error kind") {
        /// Bytes that are not UTF-8.
        InvalidUtf8 = "invalid_utf8",
        /// A binary file (NUL bytes) where text was expected.
        Binary = "binary",
        /// The file could not be read.
        Unreadable = "unreadable",
        /// A JSONL line that is not a JSON object.
        InvalidJson = "invalid_json",
        /// A JSONL record without the text field, or with the wrong type.
        MissingField = "missing_field",
        /// A JSONL record whose id was already seen.
        DuplicateId = "duplicate_id",
        /// The document has no text.
        Empty = "empty",
        /// The document is larger than the ingest limit.
        TooLarge = "too_large",
        /// The document was read but the pipeline failed on it.
        Processing = "processing",
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A malformed field in line `line` (1-based) of `path`.
    pub fn record(
        path: impl Into<PathBuf>,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Record {
            path: path.into(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// The kind written into an error record for this error.
    pub fn input_kind(&self) -> InputErrorKind {
        match self {
            Self::Input { kind, .. } => *kind,
            Self::Io { .. } => InputErrorKind::Unreadable,
            Self::Record { .. } => InputErrorKind::InvalidJson,
            _ => InputErrorKind::Processing,
        }
    }
}
