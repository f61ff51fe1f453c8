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
    /// A value that is not of the form it must have (a country code, ...).
    #[error("{value:?} is not {expected}")]
    InvalidValue {
        /// The value as given.
        value: String,
        /// What it should have been (`an ISO 3166-1 alpha-3 code`).
        expected: &'static str,
    },
    /// An option (a command-line flag, or the library option it fills) whose
    /// value, or whose combination with the others, cannot be used.
    #[error("{argument}: {message}")]
    InvalidArgument {
        /// The option as given, with its value (`--cv "docs:1"`, `--dim 0`).
        argument: String,
        /// Why it cannot be used, and what can.
        message: String,
    },
    /// A part of newstag that this build leaves out.
    #[error(
        "{what} is not compiled in: rebuild with `cargo build --release --features {feature}` \
         (see README)"
    )]
    NotCompiledIn {
        /// What was asked for (`the transformer engine`).
        what: &'static str,
        /// The cargo feature that builds it.
        feature: &'static str,
    },
    /// The output file of `tag` is one of its inputs, or lies where the walk
    /// of an input directory would read it. Nothing was written.
    #[error(
        "output {output} {relation} {input}; choose another output file (nothing was written)"
    )]
    OutputIsInput {
        /// The output file.
        output: PathBuf,
        /// How it is the input (`is the input`, `lies inside the input directory`).
        relation: &'static str,
        /// The input (`-` for standard input).
        input: PathBuf,
    },
    /// `--resume` refused: the output is not one this run can continue.
    /// Nothing was written.
    #[error("cannot resume {output}: {reason}; run without --resume to start afresh")]
    Resume {
        /// The output file.
        output: PathBuf,
        /// What makes it another run's (or no run's) output.
        reason: String,
    },
    /// `--resume` refused: an input document's text differs from the text
    /// of its record in the output, which was therefore made from other
    /// input. Nothing was written.
    #[error(
        "cannot resume: {source_name}: document {id:?} has other text than its record in the \
         output, which was made from other input; run without --resume to start afresh"
    )]
    ResumeInputChanged {
        /// Where the document came from (`path`, `path:line`).
        source_name: String,
        /// The document id.
        id: String,
    },
    /// A frame set that reads correctly but cannot be used as it is (its
    /// format errors are [`Error::Record`] and [`Error::Field`]).
    #[error("frame set {set}: {message}")]
    FrameSet {
        /// The set: its file, or its name when it has none.
        set: String,
        /// What is wrong with it.
        message: String,
    },
    /// A trained frame classifier that does not fit the frame set it is
    /// used with (a label it was not trained for, another encoder width).
    #[error("{classifier} does not fit the frame set of {frame_set}: {message}")]
    ClassifierMismatch {
        /// The classifier file.
        classifier: PathBuf,
        /// Where the frame set came from (its file, or `--labels`).
        frame_set: String,
        /// What does not fit.
        message: String,
    },
    /// A phrase automaton (gazetteer names, cue or negation phrases) could
    /// not be built.
    #[error("{what}: cannot build the phrase automaton: {source}")]
    Automaton {
        /// The phrases (`frame set deployment: cue phrases`).
        what: String,
        /// What aho-corasick said (too many or too long phrases).
        #[source]
        source: aho_corasick::BuildError,
    },
    /// Training or scoring was given too little data to do it.
    #[error("{what}: {message}")]
    NotEnoughData {
        /// The step (`train-frames`, `NER training`) or the file it read.
        what: String,
        /// What is missing.
        message: String,
    },
    /// One fold of a cross-validation failed.
    #[error("cross-validation fold {fold}: {source}")]
    Fold {
        /// The fold, from 1.
        fold: usize,
        /// Why it failed.
        #[source]
        source: Box<Error>,
    },
    /// A model could not be fetched; the message says how to get it by hand.
    #[error("cannot fetch {model}: {message}")]
    Fetch {
        /// The model, as named to `newstag models fetch`.
        model: String,
        /// What failed, and what to do instead.
        message: String,
    },
    /// A download failed.
    #[error("{url}: {message}")]
    Download {
        /// The URL.
        url: String,
        /// What the network or the server said.
        message: String,
    },
    /// The transformer engine (rust-bert on libtorch) failed while running
    /// a model.
    #[cfg(feature = "transformers")]
    #[error("transformer engine: {what}: {source}")]
    Torch {
        /// The step that failed (`forward`, `reading NER scores`).
        what: &'static str,
        /// What rust-bert or libtorch said.
        #[source]
        source: rust_bert::RustBertError,
    },
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
