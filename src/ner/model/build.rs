//! Building the shipped NER model end to end, as `newstag train-ner` does:
//! the word lists (clusters, name list) it trains with, the training itself
//! ([`super::train`]), the weight file, and the written model's dev score.
//! Progress lines go to a callback, so the caller decides where they show.

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::ner::{conll, EntityLabel};

use super::clusters::Clusters;
use super::gazetteer::Gazetteer;
use super::train::{self, TrainConfig};
use super::{Lexicons, NerModel, CLUSTERS_FILE, WEIGHTS_FILE};

/// What to build a model from, and where to write it.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Training data (CoNLL columns), read in order.
    pub train: Vec<PathBuf>,
    /// Development data, for per-epoch scores and choosing the epoch.
    pub dev: PathBuf,
    /// Output directory for the weights (and the word lists).
    pub out: PathBuf,
    /// Rebuild the word clusters from these word-piece embeddings
    /// (`model.safetensors`, `vocab.txt` of all-MiniLM-L6-v2); else reuse
    /// the clusters file in `out` if there is one.
    pub embeddings: Option<(PathBuf, PathBuf)>,
    /// Train without word clusters.
    pub no_clusters: bool,
    /// Freeze these names into the name list; else reuse the name list in
    /// `out` if there is one.
    pub names: Option<NameList>,
    /// Train without the name list.
    pub no_gazetteer: bool,
    /// The training run's settings.
    pub train_config: TrainConfig,
}

/// Names to freeze into the model's name list: the creating aliases of an
/// actor dictionary (`resolve::Dictionary::name_list`, which reads
/// `models/actors.jsonl`), with the file they came from.
#[derive(Debug, Clone)]
pub struct NameList {
    /// The dictionary file, named in the list's header.
    pub source: PathBuf,
    /// Each name with the label its entry gives it, in file order.
    pub names: Vec<(EntityLabel, String)>,
}

/// What a build wrote, and how the written model scores on dev.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// The weight file.
    pub weights: PathBuf,
    /// Weight entries kept.
    pub entries: usize,
    /// The epoch whose weights were kept.
    pub best_epoch: usize,
    /// Dev strict scores of the written model.
    pub dev: crate::metrics::Scores,
    /// Seconds the whole build took.
    pub seconds: f64,
}

/// Builds the word lists `opts` asks for, trains, writes the weights into
/// `opts.out` and scores the written model on dev; `progress` gets one line
/// per step and per epoch.
pub fn build(opts: &BuildOptions, mut progress: impl FnMut(&str)) -> Result<BuildReport> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::io(&opts.out, e))?;
    let started = Instant::now();
    let lexicons = lexicons(opts, &mut progress)?;
    let mut train = Vec::new();
    for path in &opts.train {
        train.extend(conll::read(path)?);
    }
    let dev = conll::read(&opts.dev)?;
    let (weights, report) = train::train(&train, &dev, &lexicons, &opts.train_config, |line| {
        progress(line)
    })?;
    let weights_path = opts.out.join(file_name(WEIGHTS_FILE));
    weights.write(&weights_path)?;
    let model = NerModel::from_parts(weights, lexicons);
    let scores = conll::score(&model, &dev)?;
    Ok(BuildReport {
        weights: weights_path,
        entries: report.entries,
        best_epoch: report.best_epoch,
        dev: scores,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The clusters and name list to train with, built first if asked.
fn lexicons(opts: &BuildOptions, progress: &mut impl FnMut(&str)) -> Result<Lexicons> {
    let clusters_path = opts.out.join(file_name(CLUSTERS_FILE));
    if let Some((embeddings, vocab)) = &opts.embeddings {
        let seed = opts.train_config.seed;
        let n = Clusters::build(embeddings, vocab, &clusters_path, seed)?;
        progress(&format!(
            "{n} words clustered into {}",
            clusters_path.display()
        ));
    }
    let clusters = if opts.no_clusters || !clusters_path.is_file() {
        progress("training without word clusters");
        None
    } else {
        Some(Clusters::load(&clusters_path)?)
    };
    let gazetteer_path = opts.out.join(file_name(super::GAZETTEER_FILE));
    if let Some(list) = &opts.names {
        let names = list
            .names
            .iter()
            .map(|(label, name)| (*label, name.as_str()));
        let n = Gazetteer::write(names, &list.source, &gazetteer_path)?;
        progress(&format!(
            "{n} names written to {}",
            gazetteer_path.display()
        ));
    }
    let gazetteer = if opts.no_gazetteer || !gazetteer_path.is_file() {
        progress("training without a name list");
        None
    } else {
        Some(Gazetteer::load(&gazetteer_path)?)
    };
    Ok(Lexicons {
        clusters,
        gazetteer,
    })
}

/// The file name of a model file given relative to `models/`
/// (`ner/conll2003.bin` is written as `conll2003.bin` into the output
/// directory).
fn file_name(relative: &str) -> &str {
    Path::new(relative)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or(relative)
}
