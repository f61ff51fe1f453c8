//! Tagging a piece of text with the library: the pipeline is built once
//! from the default configuration (the embedded engine, with the models in
//! `models/`), annotates a string, and the annotation holds the entities
//! with their roles and countries, the actors and places they refer to,
//! and the frames of each sentence. Spans are byte offsets into the text.
//!
//! ```sh
//! cargo run --release --example tag_text -- "Pyongyang sent troops to Kursk, the Kremlin said."
//! ```
//!
//! Without an argument it tags a short text of its own. To write records
//! as `newstag tag` does, see `Pipeline::process` (the crate's front page).

use newstag::{Pipeline, PipelineConfig};

const TEXT: &str = "North Korea has sent thousands of soldiers to fight for Russia in the \
Kursk region, South Korea's intelligence service said. Moscow faces a shortage of men \
after heavy losses, analysts in Kyiv said.";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::env::args().nth(1).unwrap_or_else(|| TEXT.to_string());
    // Loading is the slow part: build the pipeline once and share it (it is
    // `Sync`) across every text and thread.
    let pipeline = Pipeline::new(&PipelineConfig::default())?;
    let annotation = pipeline.annotate(&text)?;

    println!(
        "sentences: {}, tokens: {}",
        annotation.sentences.len(),
        annotation.tokens.len()
    );
    println!("\nentities:");
    for entity in &annotation.entities {
        let mention = &entity.mention;
        println!(
            "  {:<28} {:<5} {:<6} {}",
            mention.span.slice(&text),
            mention.label.as_str(),
            entity.role.as_str(),
            entity.country.as_ref().map_or("-", |c| c.as_str())
        );
    }
    for (what, referents) in [
        ("actors", &annotation.actors),
        ("places", &annotation.places),
    ] {
        println!("\n{what}:");
        for referent in referents {
            println!(
                "  {} ({}; mentions: {})",
                referent.name,
                referent.country.as_ref().map_or("-", |c| c.as_str()),
                referent.mentions.len()
            );
        }
    }
    println!("\nframes (selected):");
    for frame in annotation.frames.iter().filter(|f| f.selected) {
        let about = frame
            .target
            .map(|i| annotation.entities[i].mention.span.slice(&text));
        println!(
            "  sentence {}: {} {:.2}{}",
            frame.sentence,
            frame.label,
            frame.score,
            about.map_or(String::new(), |a| format!(", about {a}"))
        );
    }
    println!("\ndocument frames:");
    for frame in annotation.doc_frames() {
        println!(
            "  {:<14} {:.2} (sentences selected: {})",
            frame.label, frame.score, frame.sentences
        );
    }
    Ok(())
}
