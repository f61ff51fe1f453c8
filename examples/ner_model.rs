//! The embedded NER model on its own, without the rest of the pipeline:
//! loads it from `models/`, tags the tokens of each line of stdin (one
//! sentence or headline per line) and prints each entity with its label and
//! confidence. Handy to look at the model's behaviour by hand:
//!
//! ```sh
//! echo "Kim Jong Un visited Moscow ." | cargo run --release --example ner_model
//! ```
//!
//! `examples/tag_text.rs` shows the whole pipeline instead.

use std::io::BufRead;

use newstag::models::models_dir;
use newstag::ner::model::NerModel;
use newstag::tokenize::tokenize;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = NerModel::load(&models_dir(None))?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let tokens = tokenize(&line);
        let mut found = Vec::new();
        model.tag(
            tokens.iter().map(|t| t.slice(&line)),
            |range, label, score| {
                let text = &line[tokens[range.start].start..tokens[range.end - 1].end];
                found.push(format!("[{text}]{label} {score:.2}"));
            },
        );
        println!("{line}\n    {}", found.join("  "));
    }
    Ok(())
}
