//! One document of the view: its text with entities highlighted by label
//! (role, country and referent on hover) inside framed sentences marked per
//! label, then its frames, actors and places; with a gold document beside
//! it, matching, prediction-only and gold-only spans styled apart.

use std::fmt::Write;

use super::escape;
use crate::eval::GoldDoc;
use crate::records::{ErrorEntry, Record};
use crate::table::column_name;
use crate::text::Span;

/// How an entity span compares with gold, when a gold file is given:
/// unknown (no gold document), matching, prediction only, gold only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overlay {
    /// No gold document for this record.
    Unknown,
    /// Gold has the same span and label.
    Match,
    /// Predicted, not in gold.
    Pred,
    /// In gold, not predicted.
    Gold,
}

impl Overlay {
    fn class(self) -> &'static str {
        match self {
            Overlay::Unknown => "",
            Overlay::Match => " g-match",
            Overlay::Pred => " g-pred",
            Overlay::Gold => " g-gold",
        }
    }
}

/// A highlighted span of the text.
struct Mark {
    span: Span,
    /// Index of the predicted entity, none for a gold-only span.
    entity: Option<usize>,
    label: String,
    title: String,
    gold: Overlay,
}

/// Writes the section of an error record.
pub fn write_error(out: &mut String, n: usize, e: &ErrorEntry) {
    let _ = writeln!(
        out,
        "<section class=\"doc\" id=\"d{n}\"><h2>{}</h2><p class=\"src\">{}</p>\
         <p class=\"error\">error record: <strong>{}</strong>: {}</p></section>",
        escape(&e.id),
        escape(&e.source),
        escape(&e.kind),
        escape(&e.message)
    );
}

/// Writes the section of a record, `n` its number in the view.
pub fn write_record(out: &mut String, n: usize, r: &Record, gold: Option<&GoldDoc>) {
    let _ = writeln!(
        out,
        "<section class=\"doc\" id=\"d{n}\" data-doc=\"{}\"><h2>{}</h2><p class=\"src\">{} · {} sentences · {} entities · {} actors · {} places · {} framed sentences</p>",
        escape(&r.id),
        escape(&r.id),
        escape(&r.source),
        r.sentences.len(),
        r.entities.len(),
        r.actors.len(),
        r.places.len(),
        r.frames.iter().filter(|f| f.is_selected()).count(),
    );
    let gold = gold.filter(|g| r.text.as_deref() == Some(g.text.as_str()));
    match &r.text {
        Some(text) => {
            out.push_str("<div class=\"text\">");
            write_text(out, n, r, text, gold);
            out.push_str("</div>\n");
        }
        None => out.push_str("<p class=\"note\">(record written without its text)</p>\n"),
    }
    if !r.doc_frames.is_empty() {
        out.push_str("<p class=\"docframes\">document frames: ");
        for d in &r.doc_frames {
            let _ = write!(
                out,
                "<span class=\"chip f-{}\">{} {:.2} ({} sentences)</span> ",
                column_name(&d.label),
                escape(&d.label),
                d.score,
                d.sentences
            );
        }
        out.push_str("</p>\n");
    }
    write_frames(out, r);
    write_referents(out, r, true);
    write_referents(out, r, false);
    if !r.notes.is_empty() {
        out.push_str("<ul class=\"notes\">");
        for note in &r.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// The referent (actor or place) an entity points at, as "name (COUNTRY)".
fn referent_of(r: &Record, entity: usize) -> Option<String> {
    let a = r.referent(entity)?;
    Some(match &a.country {
        Some(c) => format!("{} ({c})", a.name),
        None => a.name.clone(),
    })
}

fn marks(r: &Record, gold: Option<&GoldDoc>) -> Vec<Mark> {
    let gold_spans: Vec<(Span, &str)> = gold
        .map(|g| {
            g.entities
                .iter()
                .map(|e| (e.span, e.label.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let mut marks: Vec<Mark> = r
        .entities
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let span = e.bytes?;
            let mut title = format!("{} · {}", e.label, e.role);
            if let Some(c) = &e.country {
                let _ = write!(title, " · {c}");
            }
            if let Some(name) = referent_of(r, i) {
                let _ = write!(title, " · {name}");
            }
            if let Some(s) = e.score {
                let _ = write!(title, " · score {s:.2}");
            }
            let gold = match gold {
                None => Overlay::Unknown,
                Some(_) if gold_spans.contains(&(span, e.label.as_str())) => Overlay::Match,
                Some(_) => Overlay::Pred,
            };
            Some(Mark {
                span,
                entity: Some(i),
                label: e.label.clone(),
                title,
                gold,
            })
        })
        .collect();
    if let Some(g) = gold {
        for e in &g.entities {
            let label = e.label.as_str();
            if marks.iter().any(|m| m.span == e.span && m.label == label) {
                continue;
            }
            let mut title = format!("gold only: {label}");
            if let Some(role) = e.role {
                let _ = write!(title, " · {}", role.as_str());
            }
            if let Some(c) = e.country {
                let _ = write!(title, " · {c}");
            }
            marks.push(Mark {
                span: e.span,
                entity: None,
                label: label.to_string(),
                title,
                gold: Overlay::Gold,
            });
        }
    }
    // Marks cannot nest: predictions (which never overlap each other) are
    // all drawn, and a gold-only span that overlaps one is left out of the
    // text (it is still counted in eval's false negatives).
    let (mut kept, gold_only): (Vec<Mark>, Vec<Mark>) =
        marks.into_iter().partition(|m| m.entity.is_some());
    for m in gold_only {
        if !kept
            .iter()
            .any(|k| k.span.start < m.span.end && m.span.start < k.span.end)
        {
            kept.push(m);
        }
    }
    kept.sort_by_key(|m| (m.span.start, m.span.end));
    kept
}

/// Framed sentences: span, and the selected frames in it.
fn framed_spans(r: &Record, marks: &[Mark]) -> Vec<(Span, Vec<usize>)> {
    let mut spans: Vec<(Span, Vec<usize>)> = Vec::new();
    for (k, f) in r.frames.iter().enumerate() {
        let (Some(mut span), true) = (f.bytes, f.is_selected()) else {
            continue;
        };
        // Widen to whole marks so that a mark never straddles a frame edge.
        for m in marks {
            if m.span.start < span.start && span.start < m.span.end {
                span.start = m.span.start;
            }
            if m.span.start < span.end && span.end < m.span.end {
                span.end = m.span.end;
            }
        }
        match spans.iter_mut().find(|(s, _)| *s == span) {
            Some((_, frames)) => frames.push(k),
            None => spans.push((span, vec![k])),
        }
    }
    spans.sort_by_key(|(s, _)| (s.start, s.end));
    let mut kept: Vec<(Span, Vec<usize>)> = Vec::with_capacity(spans.len());
    for s in spans {
        if kept.last().is_some_and(|(k, _)| k.end > s.0.start) {
            continue;
        }
        kept.push(s);
    }
    kept
}

fn write_text(out: &mut String, n: usize, r: &Record, text: &str, gold: Option<&GoldDoc>) {
    let marks = marks(r, gold);
    let framed = framed_spans(r, &marks);
    let mut next_mark = 0;
    let mut write_range = |out: &mut String, from: usize, to: usize| {
        let mut pos = from;
        while let Some(m) = marks.get(next_mark).filter(|m| m.span.end <= to) {
            next_mark += 1;
            if m.span.start < pos {
                continue;
            }
            out.push_str(&escape(&text[pos..m.span.start]));
            let id = m
                .entity
                .map_or(String::new(), |i| format!(" data-e=\"{n}:{i}\""));
            let _ = write!(
                out,
                "<mark class=\"e l-{}{}\"{id} data-label=\"{}\" title=\"{}\">{}</mark>",
                column_name(&m.label),
                m.gold.class(),
                escape(&m.label),
                escape(&m.title),
                escape(&text[m.span.start..m.span.end])
            );
            pos = m.span.end;
        }
        out.push_str(&escape(&text[pos..to]));
    };
    let mut pos = 0;
    for (span, frames) in &framed {
        write_range(out, pos, span.start);
        let labels: Vec<&str> = frames.iter().map(|&k| r.frames[k].label.as_str()).collect();
        let classes: Vec<String> = labels
            .iter()
            .map(|l| format!("f-{}", column_name(l)))
            .collect();
        let title: Vec<String> = frames.iter().map(|&k| frame_summary(r, k)).collect();
        let _ = write!(
            out,
            "<span class=\"f {}\" data-frames=\"{}\" title=\"{}\">",
            classes.join(" "),
            escape(&labels.join(",")),
            escape(&title.join("\n"))
        );
        write_range(out, span.start, span.end);
        out.push_str("</span>");
        pos = span.end;
    }
    write_range(out, pos, text.len());
}

/// "label 0.53 · cues: a, b · target: Russians (Russia, RUS)".
fn frame_summary(r: &Record, k: usize) -> String {
    let f = &r.frames[k];
    let mut s = format!("{} {:.2}", f.label, f.score);
    let cues: Vec<String> = f
        .evidence
        .iter()
        .map(|e| match &e.negated_by {
            Some(neg) => format!("{} \"{}\" (negated by \"{neg}\")", e.kind, e.text),
            None => format!("{} \"{}\"", e.kind, e.text),
        })
        .collect();
    if !cues.is_empty() {
        let _ = write!(s, " · {}", cues.join("; "));
    }
    if let Some(t) = f.target {
        let _ = write!(s, " · target: {}", r.entities[t].text);
        if let Some(name) = referent_of(r, t) {
            let _ = write!(s, " = {name}");
        }
    }
    s
}

fn write_frames(out: &mut String, r: &Record) {
    let frames: Vec<usize> = (0..r.frames.len())
        .filter(|&k| r.frames[k].is_selected())
        .collect();
    if frames.is_empty() {
        return;
    }
    out.push_str(
        "<details><summary>framed sentences</summary><table class=\"frames\"><tr><th>sentence</th><th>label</th><th>score</th><th>evidence</th><th>target</th></tr>\n",
    );
    for k in frames {
        let f = &r.frames[k];
        let evidence: Vec<String> = f
            .evidence
            .iter()
            .map(|e| {
                let neg = e
                    .negated_by
                    .as_ref()
                    .map_or(String::new(), |n| format!(" (negated by “{}”)", escape(n)));
                format!("{}: “{}”{neg}", escape(&e.kind), escape(&e.text))
            })
            .collect();
        let target = f.target.map_or(String::new(), |t| {
            let name = referent_of(r, t).map_or(String::new(), |n| format!(" = {n}"));
            escape(&format!("{}{name}", r.entities[t].text))
        });
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td><span class=\"chip f-{}\">{}</span></td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            f.sentence.map_or(String::new(), |s| s.to_string()),
            column_name(&f.label),
            escape(&f.label),
            f.score,
            evidence.join("<br>"),
            target
        );
    }
    out.push_str("</table></details>\n");
}

fn write_referents(out: &mut String, r: &Record, actors: bool) {
    let (list, what) = if actors {
        (&r.actors, "actors")
    } else {
        (&r.places, "places")
    };
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details><summary>{what}</summary><table class=\"{what}\"><tr><th>name</th><th>kind</th><th>country</th><th>mentions</th></tr>"
    );
    for a in list {
        let mentions: Vec<&str> = a
            .mentions
            .iter()
            .map(|&m| r.entities[m].text.as_str())
            .collect();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} × {}</td></tr>",
            escape(&a.name),
            escape(&a.kind),
            escape(a.country.as_deref().unwrap_or("")),
            mentions.len(),
            escape(&mentions.join(", "))
        );
    }
    out.push_str("</table></details>\n");
}
