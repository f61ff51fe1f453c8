//! Flat tables from saved records, for pandas, R, DuckDB and Spark: one row
//! per mention, actor, place, frame or document, keyed by document id, with
//! column names that stay the same from run to run (README: "Tables").
//! Written as CSV (RFC 4180) or Parquet.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DataType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::Type;

use crate::error::{Error, Result};
use crate::records::{Entry, Record};

crate::names::named_enum! {
    /// Which table to build.
    pub enum What("table") {
        /// One row per entity mention.
        Mentions = "mentions",
        /// One row per actor per document.
        Actors = "actors",
        /// One row per place per document.
        Places = "places",
        /// One row per framed sentence and label.
        Frames = "frames",
        /// One row per document, error records included.
        Documents = "documents",
    }
}

/// A table file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    /// RFC 4180 CSV, UTF-8.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl TableFormat {
    /// The format a file name's extension asks for.
    pub fn from_path(path: &Path) -> Option<Self> {
        path.extension()?.to_str()?.parse().ok()
    }
}

/// Any case, and `pq` for Parquet: the names file extensions use.
impl FromStr for TableFormat {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(TableFormat::Csv),
            "parquet" | "pq" => Ok(TableFormat::Parquet),
            _ => Err(Error::UnknownName {
                what: "table format",
                name: s.to_string(),
                expected: "csv, parquet".to_string(),
            }),
        }
    }
}

/// The type of a column; every column may hold nulls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text.
    Str,
    /// A 64-bit integer.
    Int,
    /// A 64-bit float.
    Float,
    /// true or false.
    Bool,
}

/// One value of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// No value (an empty CSV field, a Parquet null).
    Null,
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
}

impl fmt::Display for Cell {
    /// The value as CSV writes it (before quoting); null is empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Str(s) => f.write_str(s),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Float(x) => write!(f, "{x}"),
            Cell::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Str(s.to_string())
    }
}

impl From<usize> for Cell {
    fn from(i: usize) -> Self {
        Cell::Int(i as i64)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Null, Into::into)
    }
}

impl From<&String> for Cell {
    fn from(s: &String) -> Self {
        Cell::Str(s.clone())
    }
}

impl From<f64> for Cell {
    fn from(x: f64) -> Self {
        Cell::Float(x)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

/// A table: named, typed columns and rows of cells in column order.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column names and types.
    pub columns: Vec<(String, Kind)>,
    /// Rows, each one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new(columns: &[(&str, Kind)]) -> Self {
        Self {
            columns: columns.iter().map(|&(n, k)| (n.to_string(), k)).collect(),
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }
}

use Kind::{Bool, Float, Int, Str};

/// Builds the table `what` from the entries of a records file.
pub fn build(what: What, entries: &[Entry]) -> Table {
    let records = entries.iter().filter_map(|e| match e {
        Entry::Record(r) => Some(r.as_ref()),
        Entry::Error(_) => None,
    });
    match what {
        What::Mentions => mentions(records),
        What::Actors => referents(records, true),
        What::Places => referents(records, false),
        What::Frames => frames(records),
        What::Documents => documents(entries),
    }
}

fn mentions<'a>(records: impl Iterator<Item = &'a Record>) -> Table {
    let mut t = Table::new(&[
        ("doc_id", Str),
        ("mention", Int),
        ("start", Int),
        ("end", Int),
        ("text", Str),
        ("label", Str),
        ("role", Str),
        ("country", Str),
        ("score", Float),
        ("sentence", Int),
        ("referent", Int),
        ("referent_name", Str),
    ]);
    for r in records {
        for (i, e) in r.entities.iter().enumerate() {
            let referent = r.referent(i);
            t.push(vec![
                (&r.id).into(),
                i.into(),
                e.start.into(),
                e.end.into(),
                (&e.text).into(),
                (&e.label).into(),
                (&e.role).into(),
                e.country.as_ref().into(),
                e.score.into(),
                e.sentence.into(),
                e.referent.into(),
                referent.map(|a| &a.name).into(),
            ]);
        }
    }
    t
}

fn referents<'a>(records: impl Iterator<Item = &'a Record>, actors: bool) -> Table {
    let index = if actors { "actor" } else { "place" };
    let mut columns = vec![
        ("doc_id", Str),
        (index, Int),
        ("name", Str),
        ("kind", Str),
        ("country", Str),
        ("mentions", Int),
        ("first_start", Int),
    ];
    if actors {
        columns.push(("framed", Int));
    }
    let mut t = Table::new(&columns);
    for r in records {
        let list = if actors { &r.actors } else { &r.places };
        for (i, a) in list.iter().enumerate() {
            let first = a.mentions.iter().map(|&m| r.entities[m].start).min();
            let mut row = vec![
                (&r.id).into(),
                i.into(),
                (&a.name).into(),
                (&a.kind).into(),
                a.country.as_ref().into(),
                a.mentions.len().into(),
                first.into(),
            ];
            if actors {
                row.push(frames_targeting(r, i).into());
            }
            t.push(row);
        }
    }
    t
}

/// How many selected frames of `r` target a mention of actor `actor`.
pub fn frames_targeting(r: &Record, actor: usize) -> usize {
    r.frames
        .iter()
        .filter(|f| f.is_selected())
        .filter_map(|f| f.target)
        .filter(|&t| r.entities[t].role == "actor" && r.entities[t].referent == Some(actor))
        .count()
}

fn frames<'a>(records: impl Iterator<Item = &'a Record>) -> Table {
    let mut t = Table::new(&[
        ("doc_id", Str),
        ("frame", Int),
        ("sentence", Int),
        ("start", Int),
        ("end", Int),
        ("text", Str),
        ("label", Str),
        ("score", Float),
        ("selected", Bool),
        ("target_mention", Int),
        ("target_text", Str),
        ("target_name", Str),
        ("target_country", Str),
        ("cues", Str),
    ]);
    for r in records {
        for (i, f) in r.frames.iter().enumerate() {
            let target = f.target.map(|k| &r.entities[k]);
            let referent = f.target.and_then(|k| r.referent(k));
            let text = match (&r.text, f.bytes) {
                (Some(text), Some(span)) => Cell::Str(span.slice(text).to_string()),
                _ => Cell::Null,
            };
            let cues: Vec<&str> = f
                .evidence
                .iter()
                .filter(|e| e.kind == "cue" && e.negated_by.is_none())
                .map(|e| e.text.as_str())
                .collect();
            t.push(vec![
                (&r.id).into(),
                i.into(),
                f.sentence.into(),
                f.start.into(),
                f.end.into(),
                text,
                (&f.label).into(),
                f.score.into(),
                f.is_selected().into(),
                f.target.into(),
                target.map(|e| &e.text).into(),
                referent.map(|a| &a.name).into(),
                referent
                    .and_then(|a| a.country.as_ref())
                    .or(target.and_then(|e| e.country.as_ref()))
                    .into(),
                (!cues.is_empty())
                    .then(|| cues.join("; "))
                    .as_deref()
                    .into(),
            ]);
        }
    }
    t
}

fn documents(entries: &[Entry]) -> Table {
    let mut columns: Vec<(String, Kind)> = [
        ("doc_id", Str),
        ("source", Str),
        ("format", Str),
        ("chars", Int),
        ("sentences", Int),
        ("entities", Int),
        ("actors", Int),
        ("places", Int),
        ("frames", Int),
        ("error_kind", Str),
        ("error_message", Str),
    ]
    .iter()
    .map(|&(n, k)| (n.to_string(), k))
    .collect();
    let fixed = columns.len();
    // Two columns per document frame label, in order of first appearance.
    let mut labels: HashMap<&str, usize> = HashMap::new();
    for r in entries.iter().filter_map(|e| match e {
        Entry::Record(r) => Some(r),
        Entry::Error(_) => None,
    }) {
        for d in &r.doc_frames {
            if !labels.contains_key(d.label.as_str()) {
                labels.insert(&d.label, columns.len());
                let name = column_name(&d.label);
                columns.push((format!("frame_{name}"), Float));
                columns.push((format!("frame_{name}_sentences"), Int));
            }
        }
    }
    let mut t = Table {
        columns,
        rows: Vec::new(),
    };
    for entry in entries {
        let mut row = vec![Cell::Null; t.columns.len()];
        match entry {
            Entry::Record(r) => {
                let selected = r.frames.iter().filter(|f| f.is_selected()).count();
                row[..fixed - 2].clone_from_slice(&[
                    (&r.id).into(),
                    (&r.source).into(),
                    (&r.format).into(),
                    r.text.as_ref().map(|t| t.chars().count()).into(),
                    r.sentences.len().into(),
                    r.entities.len().into(),
                    r.actors.len().into(),
                    r.places.len().into(),
                    selected.into(),
                ]);
                for d in &r.doc_frames {
                    let at = labels[d.label.as_str()];
                    row[at] = d.score.into();
                    row[at + 1] = d.sentences.into();
                }
            }
            Entry::Error(e) => {
                row[0] = (&e.id).into();
                row[1] = (&e.source).into();
                row[fixed - 2] = (&e.kind).into();
                row[fixed - 1] = (&e.message).into();
            }
        }
        t.rows.push(row);
    }
    t
}

/// A frame label as part of a column name (and an HTML class name): lower
/// case letters, digits and
/// underscores.
pub fn column_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes `table` as CSV (RFC 4180: CRLF line ends, a field quoted when it
/// holds a comma, quote, CR, LF or tab, quotes doubled; UTF-8, no BOM).
pub fn write_csv(table: &Table, out: &mut impl Write) -> io::Result<()> {
    let header: Vec<Cell> = table
        .columns
        .iter()
        .map(|(n, _)| Cell::Str(n.clone()))
        .collect();
    for row in std::iter::once(&header).chain(&table.rows) {
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            write_csv_field(&cell.to_string(), out)?;
        }
        out.write_all(b"\r\n")?;
    }
    out.flush()
}

fn write_csv_field(field: &str, out: &mut impl Write) -> io::Result<()> {
    if field.contains([',', '"', '\r', '\n', '\t']) {
        write!(out, "\"{}\"", field.replace('"', "\"\""))
    } else {
        out.write_all(field.as_bytes())
    }
}

/// Rows per Parquet row group.
const ROW_GROUP: usize = 64 * 1024;

/// Writes `table` as Parquet (Snappy, every column optional; strings as
/// UTF-8 byte arrays, integers INT64, floats DOUBLE).
pub fn write_parquet(table: &Table, out: impl Write + Send) -> parquet::errors::Result<()> {
    let fields = table
        .columns
        .iter()
        .map(|(name, kind)| {
            let (physical, logical) = match kind {
                Str => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
                Int => (PhysicalType::INT64, None),
                Float => (PhysicalType::DOUBLE, None),
                Bool => (PhysicalType::BOOLEAN, None),
            };
            Type::primitive_type_builder(name, physical)
                .with_repetition(Repetition::OPTIONAL)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<parquet::errors::Result<Vec<_>>>()?;
    let schema = Arc::new(
        Type::group_type_builder("newstag")
            .with_fields(fields)
            .build()?,
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build(),
    );
    let mut writer = SerializedFileWriter::new(out, schema, props)?;
    // A table without rows still gets one (empty) row group: readers then
    // see the columns.
    let groups: Vec<&[Vec<Cell>]> = if table.rows.is_empty() {
        vec![&[]]
    } else {
        table.rows.chunks(ROW_GROUP).collect()
    };
    for rows in groups {
        let mut group = writer.next_row_group()?;
        let mut c = 0;
        while let Some(mut column) = group.next_column()? {
            let cells = rows.iter().map(|row| &row[c]);
            let defs: Vec<i16> = cells.clone().map(|v| i16::from(*v != Cell::Null)).collect();
            match table.columns[c].1 {
                Str => write_values::<ByteArrayType>(&mut column, cells, &defs, |v| match v {
                    Cell::Str(s) => Some(ByteArray::from(s.as_str())),
                    _ => None,
                })?,
                Int => write_values::<Int64Type>(&mut column, cells, &defs, |v| match v {
                    Cell::Int(i) => Some(*i),
                    _ => None,
                })?,
                Float => write_values::<DoubleType>(&mut column, cells, &defs, |v| match v {
                    Cell::Float(x) => Some(*x),
                    _ => None,
                })?,
                Bool => write_values::<BoolType>(&mut column, cells, &defs, |v| match v {
                    Cell::Bool(b) => Some(*b),
                    _ => None,
                })?,
            }
            column.close()?;
            c += 1;
        }
        group.close()?;
    }
    writer.close()?;
    Ok(())
}

/// Writes the non-null values of one column chunk (`value` picks them out
/// of the cells) with its definition levels.
fn write_values<'a, T: DataType>(
    column: &mut SerializedColumnWriter<'_>,
    cells: impl Iterator<Item = &'a Cell>,
    defs: &[i16],
    value: impl Fn(&Cell) -> Option<T::T>,
) -> parquet::errors::Result<()> {
    let values: Vec<T::T> = cells.filter_map(value).collect();
    column.typed::<T>().write_batch(&values, Some(defs), None)?;
    Ok(())
}

/// Writes `table` to `path` in `format`. The file appears only once it is
/// complete: it is written beside `path` and renamed.
pub fn write(table: &Table, format: TableFormat, path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let io_err = |e: io::Error| Error::io(path, e);
    let mut builder = tempfile::Builder::new();
    // Mode 0666 less the umask, as a file created in place would have.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(io_err)?;
    {
        let mut out = io::BufWriter::new(tmp.as_file_mut());
        match format {
            TableFormat::Csv => write_csv(table, &mut out).map_err(io_err)?,
            TableFormat::Parquet => {
                write_parquet(table, &mut out).map_err(|e| io_err(io::Error::other(e)))?;
                out.flush().map_err(io_err)?;
            }
        }
    }
    tmp.persist(path).map_err(|e| io_err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_only_fields_that_need_it() {
        let table = Table {
            columns: vec![("a".into(), Str), ("b".into(), Int), ("c".into(), Float)],
            rows: vec![
                vec![
                    "say \"hi\", then\nleave\t!".into(),
                    Cell::Int(3),
                    Cell::Null,
                ],
                vec!["plain".into(), Cell::Null, Cell::Float(0.25)],
            ],
        };
        let mut out = Vec::new();
        write_csv(&table, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a,b,c\r\n\"say \"\"hi\"\", then\nleave\t!\",3,\r\nplain,,0.25\r\n"
        );
    }

    #[test]
    fn formats_by_extension_and_name() {
        assert_eq!(
            TableFormat::from_path(Path::new("x/m.PARQUET")),
            Some(TableFormat::Parquet)
        );
        assert_eq!(
            TableFormat::from_path(Path::new("m.csv")),
            Some(TableFormat::Csv)
        );
        assert_eq!(TableFormat::from_path(Path::new("m.tsv")), None);
        assert!("nodes".parse::<What>().is_err());
        assert_eq!(column_name("Hard-Line talk"), "hard_line_talk");
    }
}
