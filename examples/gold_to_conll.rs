//! Writes gold JSONL documents with entities as CoNLL-2003 columns
//! (`TOKEN _ _ TAG`, IOB2), tokenised and split into sentences by newstag
//! itself, so that `newstag train-ner --train` can learn from them.
//!
//! ```sh
//! cargo run --release --example gold_to_conll -- GOLD.jsonl [--ids a,b,...] [--exclude-ids a,b,...] > out.conll
//! ```
//!
//! A token takes the label of the gold entity that covers it; a token that
//! an entity covers only in part ("Kremlin" in "Kremlin-linked") takes the
//! entity's label, since the tokenizer cannot split it. Frames-only
//! documents are skipped.

use std::collections::HashSet;
use std::io::Write;

use newstag::sentence::{NewsSplitter, SentenceSplitter};
use newstag::tokenize::tokenize;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        anyhow::bail!("usage: gold_to_conll GOLD.jsonl [--ids a,b] [--exclude-ids a,b]");
    };
    let list = |flag: &str| -> Option<HashSet<String>> {
        let at = args.iter().position(|a| a == flag)?;
        args.get(at + 1)
            .map(|v| v.split(',').map(str::to_string).collect())
    };
    let (only, exclude) = (list("--ids"), list("--exclude-ids"));
    let gold = newstag::eval::gold::read_all(&[path])?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for doc in &gold.docs {
        let wanted = only.as_ref().is_none_or(|ids| ids.contains(&doc.id))
            && !exclude.as_ref().is_some_and(|ids| ids.contains(&doc.id));
        if !doc.has_entities || !wanted {
            continue;
        }
        let tokens = tokenize(&doc.text);
        let sentences = NewsSplitter.split(&doc.text, &tokens);
        writeln!(out, "-DOCSTART- -X- -X- O\n")?;
        for sentence in &sentences {
            let mut previous: Option<usize> = None;
            for t in sentence.tokens.clone() {
                let token = &tokens[t];
                let covering = doc
                    .entities
                    .iter()
                    .position(|e| e.span.start < token.end && token.start < e.span.end);
                let tag = match covering {
                    Some(e) => {
                        let label = doc.entities[e].label.as_str();
                        let prefix = if previous == Some(e) { "I" } else { "B" };
                        format!("{prefix}-{label}")
                    }
                    None => "O".to_string(),
                };
                previous = covering;
                let word: String = token
                    .slice(&doc.text)
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect();
                if !word.is_empty() {
                    writeln!(out, "{word} _ _ {tag}")?;
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
