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
        /// The file.
        path: PathBuf,
        #[source]
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A record in an input or data file is malformed.
    #[error("{path}:{line}: field `{field}`: {message}")]
    Record {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The field that failed (`(top level)` for the record itself).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A document could not be ingested (bad encoding, empty text, ...).
    #[error("{source_name}: {message}")]
    Input {
        /// Where the document came from (path, `path:line`, `-`).
        source_name: String,
        /// The kind written into the error record.
        kind: InputErrorKind,
        /// What went wrong.
        message: String,
    },
    /// A field of a data file (frame set, negation lists) holds a value its
    /// format allows but newstag cannot use.
    #[error("{path}: field `{field}`: {message}")]
    Field {
        /// The file.
        path: PathBuf,
        /// The field, as a path (`label[1].threshold`).
        field: String,
        /// What is wrong with its value.
        message: String,
    },
    /// A model or data file is missing; `hint` says which command provides it.
    #[error("missing model file {path}: {hint}")]
    MissingModel {
        /// The file looked for.
        path: PathBuf,
        /// The command that provides it.
        hint: String,
    },
    /// A model file exists but cannot be used.
    #[error("model {path}: {message}")]
    Model {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// A name (flag value, data file field) that is none of the known names
    /// of `what` (the `FromStr` of every enum written as names).
    #[error("unknown {what} {name:?} (one of {expected})")]
    UnknownName {
        /// What the name should have named (`role`, `frame method`, ...).
        what: &'static str,
        /// The name as given.
        name: String,
        /// The names that exist, comma-separated.
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
