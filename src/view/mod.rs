//! A self-contained HTML view of saved records, for reading in a browser:
//! a summary page (counts, actors by country, frames per label, actors by
//! frame, frame share chart) linking to every document, each shown with its
//! entities, frames, actors and places. No scripts, fonts or anything else
//! fetched: one file, or for a large corpus the summary with pages of
//! [`PAGE_SIZE`] documents in a folder beside it. Everything taken from the
//! records is HTML-escaped.

mod doc;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::eval::{GoldDoc, GoldSet};
use crate::records::{Entry, Records};
use crate::table::{column_name, frames_targeting};

/// Documents per page; a corpus of at most this many gets one file.
pub const PAGE_SIZE: usize = 50;

/// Escapes text for HTML element content and quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The files of a view: paths and contents, the summary first.
#[derive(Debug)]
pub struct View {
    /// Where each file goes, and its HTML.
    pub files: Vec<(PathBuf, String)>,
}

/// The folder that holds the pages of the view `index` (`view.html` →
/// `view-pages/`).
pub fn pages_dir(index: &Path) -> PathBuf {
    let stem = index
        .file_stem()
        .map_or("view".into(), |s| s.to_string_lossy());
    index.with_file_name(format!("{stem}-pages"))
}

/// Builds the view of `records` to be written at `index`; with `gold`,
/// entities are styled by whether gold has them.
pub fn build(records: &Records, gold: Option<&GoldSet>, index: &Path) -> View {
    let gold_by_id: HashMap<&str, &GoldDoc> = gold
        .map(|g| g.docs.iter().map(|d| (d.id.as_str(), d)).collect())
        .unwrap_or_default();
    let entries = &records.entries;
    let paged = entries.len() > PAGE_SIZE;
    let dir = pages_dir(index);
    let dir_name = dir
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let page_name = |p: usize| format!("{:04}.html", p + 1);
    let href = |n: usize| {
        if paged {
            format!("{}/{}#d{n}", dir_name, page_name(n / PAGE_SIZE))
        } else {
            format!("#d{n}")
        }
    };
    let labels = frame_labels(records);
    let mut summary = String::new();
    head(&mut summary, "newstag view", &labels);
    write_summary(&mut summary, records, &labels, gold.is_some(), &href);
    let write_docs = |out: &mut String, range: std::ops::Range<usize>| {
        for n in range {
            match &entries[n] {
                Entry::Record(r) => {
                    doc::write_record(out, n, r, gold_by_id.get(r.id.as_str()).copied())
                }
                Entry::Error(e) => doc::write_error(out, n, e),
            }
        }
    };
    let mut files = Vec::new();
    if !paged {
        summary.push_str("<h1 id=\"documents\">Documents</h1>\n");
        write_docs(&mut summary, 0..entries.len());
        summary.push_str("</body></html>\n");
        files.push((index.to_path_buf(), summary));
        return View { files };
    }
    summary.push_str("</body></html>\n");
    let index_name = index
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let pages = entries.len().div_ceil(PAGE_SIZE);
    files.push((index.to_path_buf(), summary));
    for p in 0..pages {
        let range = p * PAGE_SIZE..((p + 1) * PAGE_SIZE).min(entries.len());
        let mut page = String::new();
        head(
            &mut page,
            &format!("newstag view: documents {}-{}", range.start + 1, range.end),
            &labels,
        );
        let mut nav = format!("<nav><a href=\"../{}\">summary</a>", escape(&index_name));
        if p > 0 {
            let _ = write!(nav, " · <a href=\"{}\">previous</a>", page_name(p - 1));
        }
        let _ = write!(nav, " · page {} of {pages}", p + 1);
        if p + 1 < pages {
            let _ = write!(nav, " · <a href=\"{}\">next</a>", page_name(p + 1));
        }
        nav.push_str("</nav>\n");
        page.push_str(&nav);
        write_docs(&mut page, range);
        page.push_str(&nav);
        page.push_str("</body></html>\n");
        files.push((dir.join(page_name(p)), page));
    }
    View { files }
}

impl View {
    /// Writes the files: pages first, the summary last, each complete
    /// before it appears under its name.
    pub fn write(&self) -> Result<()> {
        for (path, html) in self.files.iter().rev() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            }
            crate::datafile::write_whole(path, html)?;
        }
        Ok(())
    }
}

/// Frame labels in order of first appearance.
fn frame_labels(records: &Records) -> Vec<String> {
    let mut labels: Vec<String> = Vec::new();
    for r in records.records() {
        for l in r
            .doc_frames
            .iter()
            .map(|d| &d.label)
            .chain(r.frames.iter().map(|f| &f.label))
        {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
    }
    labels
}

/// Label colours, assigned in order.
const PALETTE: [&str; 8] = [
    "#e4572e", "#17bebb", "#ffc914", "#76b041", "#7d5ba6", "#f49cbb", "#2e86ab", "#a0a0a0",
];

fn head(out: &mut String, title: &str, labels: &[String]) {
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{}</title><style>\n{}",
        escape(title),
        CSS
    );
    for (i, l) in labels.iter().enumerate() {
        let c = PALETTE[i % PALETTE.len()];
        let _ = writeln!(
            out,
            ".f.f-{0}{{border-bottom:3px solid {c};}} .chip.f-{0}{{background:{c}33;border:1px solid {c};}}",
            column_name(l)
        );
    }
    out.push_str("</style></head><body>\n");
}

const CSS: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:1.5em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.4em;border-bottom:1px solid #ccc} h2{font-size:1.1em;margin:.2em 0}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right} .doc{border-top:2px solid #888;margin-top:2em;padding-top:.5em}
.src,.note{color:#666;font-size:.9em} .error{background:#fdd;padding:.3em .6em;border-left:4px solid #c00}
.text{white-space:pre-wrap;line-height:1.9;background:#fafafa;padding:.6em;border:1px solid #eee}
mark.e{padding:1px 2px;border-radius:3px;background:#ddd;color:inherit}
mark.e::after{content:attr(data-label);font-size:.65em;font-weight:bold;margin-left:2px;vertical-align:super;opacity:.7}
mark.l-per{background:#cfe2ff} mark.l-org{background:#ffe0b3} mark.l-loc{background:#d4f5d4} mark.l-misc{background:#eadcf8}
mark.g-pred{outline:2px dashed #c00} mark.g-gold{background:none;outline:2px solid #080} mark.g-match{box-shadow:inset 0 -2px #080}
.chip{display:inline-block;padding:0 .4em;border-radius:3px;margin:1px;font-size:.9em}
.bar{fill:#2e86ab} .legend{font-size:.9em;color:#555} nav{margin:1em 0}
";

#[derive(Default)]
struct LabelStats {
    sentences: usize,
    documents: usize,
    score_sum: f64,
}

fn write_summary(
    out: &mut String,
    records: &Records,
    labels: &[String],
    with_gold: bool,
    href: &dyn Fn(usize) -> String,
) {
    let recs: Vec<_> = records.records().collect();
    let count = |f: &dyn Fn(&crate::records::Record) -> usize| recs.iter().map(|r| f(r)).sum();
    let rows: [(&str, &str, usize); 8] = [
        ("documents", "documents (lines used)", records.entries.len()),
        ("records", "annotated records", recs.len()),
        (
            "errors",
            "error records",
            records.entries.len() - recs.len(),
        ),
        ("bad-lines", "bad lines skipped", records.bad.len()),
        ("entities", "entity mentions", count(&|r| r.entities.len())),
        (
            "actors",
            "actors (per document)",
            count(&|r| r.actors.len()),
        ),
        (
            "places",
            "places (per document)",
            count(&|r| r.places.len()),
        ),
        (
            "frames",
            "framed sentences (label × sentence)",
            count(&|r| r.frames.iter().filter(|f| f.is_selected()).count()),
        ),
    ];
    out.push_str("<h1>Summary</h1><table class=\"counts\">\n");
    for (id, what, n) in rows {
        let _ = writeln!(
            out,
            "<tr><th>{what}</th><td class=\"n\" id=\"count-{id}\">{n}</td></tr>"
        );
    }
    out.push_str("</table>\n");
    if with_gold {
        out.push_str("<p class=\"legend\">Gold overlay: <mark class=\"e g-match\" data-label=\"\">matching</mark> <mark class=\"e g-pred\" data-label=\"\">prediction only</mark> <mark class=\"e g-gold\" data-label=\"\">gold only</mark></p>\n");
    }

    // Actors by country.
    let mut countries: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &recs {
        for a in &r.actors {
            let c = countries
                .entry(a.country.as_deref().unwrap_or("(none)"))
                .or_default();
            c.0 += 1;
            c.1 += a.mentions.len();
        }
    }
    let mut countries: Vec<_> = countries.into_iter().collect();
    countries.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
    out.push_str("<h1>Actors by country</h1><table id=\"countries\"><tr><th>country</th><th>actors (per document)</th><th>mentions</th></tr>\n");
    for (c, (actors, mentions)) in &countries {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"n\">{actors}</td><td class=\"n\">{mentions}</td></tr>",
            escape(c)
        );
    }
    out.push_str("</table>\n");

    // Frames per label, and the chart of frame share.
    let mut stats: HashMap<&str, LabelStats> = HashMap::new();
    for r in &recs {
        for f in r.frames.iter().filter(|f| f.is_selected()) {
            stats.entry(&f.label).or_default().sentences += 1;
        }
        for d in &r.doc_frames {
            let s = stats.entry(&d.label).or_default();
            s.score_sum += d.score;
            s.documents += usize::from(d.sentences > 0);
        }
    }
    if !labels.is_empty() {
        out.push_str("<h1>Frames</h1><table id=\"frame-labels\"><tr><th>label</th><th>framed sentences</th><th>documents framed</th><th>mean document score</th></tr>\n");
        for l in labels {
            let s = stats.get(l.as_str());
            let (sentences, documents, sum) =
                s.map_or((0, 0, 0.0), |s| (s.sentences, s.documents, s.score_sum));
            let _ = writeln!(
                out,
                "<tr><td><span class=\"chip f-{}\">{}</span></td><td class=\"n\">{sentences}</td><td class=\"n\">{documents}</td><td class=\"n\">{:.3}</td></tr>",
                column_name(l),
                escape(l),
                sum / recs.len().max(1) as f64
            );
        }
        out.push_str("</table>\n");
        write_chart(out, labels, &stats, recs.len());
        write_actors_by_frame(out, &recs, labels);
    }

    // Document index.
    out.push_str("<h1>Document index</h1><table id=\"index\"><tr><th>#</th><th>id</th><th>entities</th><th>actors</th><th>framed sentences</th><th>error</th></tr>\n");
    for (n, e) in records.entries.iter().enumerate() {
        let (ents, actors, frames, error) = match e {
            Entry::Record(r) => (
                r.entities.len().to_string(),
                r.actors.len().to_string(),
                r.frames
                    .iter()
                    .filter(|f| f.is_selected())
                    .count()
                    .to_string(),
                String::new(),
            ),
            Entry::Error(e) => (String::new(), String::new(), String::new(), escape(&e.kind)),
        };
        let _ = writeln!(
            out,
            "<tr><td class=\"n\">{}</td><td><a href=\"{}\">{}</a></td><td class=\"n\">{ents}</td><td class=\"n\">{actors}</td><td class=\"n\">{frames}</td><td>{error}</td></tr>",
            n + 1,
            escape(&href(n)),
            escape(e.id())
        );
    }
    out.push_str("</table>\n");
}

/// A bar per label: the share of documents with at least one sentence
/// framed with it.
fn write_chart(
    out: &mut String,
    labels: &[String],
    stats: &HashMap<&str, LabelStats>,
    docs: usize,
) {
    let (bar, gap, width, left) = (18, 6, 300.0, 140);
    let height = labels.len() * (bar + gap) + gap;
    let _ = write!(
        out,
        "<p class=\"legend\">Share of documents framed with each label</p>\
<svg id=\"frame-share\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"share of documents per frame label\">",
        left + width as usize + 60
    );
    for (i, l) in labels.iter().enumerate() {
        let framed = stats.get(l.as_str()).map_or(0, |s| s.documents);
        let share = framed as f64 / docs.max(1) as f64;
        let y = gap + i * (bar + gap);
        let _ = write!(
            out,
            "<text x=\"0\" y=\"{}\" font-size=\"13\">{}</text>\
<rect class=\"bar\" x=\"{left}\" y=\"{y}\" width=\"{:.1}\" height=\"{bar}\"><title>{} of {docs} documents</title></rect>\
<text x=\"{:.1}\" y=\"{}\" font-size=\"12\">{:.0}%</text>",
            y + bar - 4,
            escape(l),
            share * width,
            framed,
            left as f64 + share * width + 4.0,
            y + bar - 4,
            share * 100.0
        );
    }
    out.push_str("</svg>\n");
}

/// Actors by frame: how often each actor (by name and country, over all
/// documents) is the target of a frame with each label; the 40 most
/// targeted.
fn write_actors_by_frame(out: &mut String, recs: &[&crate::records::Record], labels: &[String]) {
    let mut table: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for r in recs {
        for (i, a) in r.actors.iter().enumerate() {
            if frames_targeting(r, i) == 0 {
                continue;
            }
            let row = table
                .entry((a.name.clone(), a.country.clone().unwrap_or_default()))
                .or_insert_with(|| vec![0; labels.len()]);
            for f in r.frames.iter().filter(|f| f.is_selected()) {
                let Some(t) = f.target else { continue };
                let e = &r.entities[t];
                if e.role == "actor" && e.referent == Some(i) {
                    if let Some(k) = labels.iter().position(|l| *l == f.label) {
                        row[k] += 1;
                    }
                }
            }
        }
    }
    let mut rows: Vec<_> = table.into_iter().collect();
    rows.sort_by(|a, b| {
        let total = |r: &Vec<usize>| r.iter().sum::<usize>();
        total(&b.1).cmp(&total(&a.1)).then(a.0.cmp(&b.0))
    });
    out.push_str("<h1>Actors by frame</h1><p class=\"legend\">Selected frames whose target is a mention of the actor.</p><table id=\"actors-by-frame\"><tr><th>actor</th><th>country</th>");
    for l in labels {
        let _ = write!(out, "<th>{}</th>", escape(l));
    }
    out.push_str("</tr>\n");
    for ((name, country), counts) in rows.iter().take(40) {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td>",
            escape(name),
            escape(country)
        );
        for c in counts {
            let _ = write!(out, "<td class=\"n\">{c}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::read_from;

    #[test]
    fn article_markup_renders_as_text() {
        let text = "<script>alert(1)</script> \"><img src=x onerror=alert(2)> Kim";
        let n = text.chars().count();
        let line = serde_json::json!({
            "id": "x\"><b>", "text": text,
            "sentences": [{"start": 0, "end": n}],
            "entities": [{"start": n - 3, "end": n, "text": "Kim", "label": "PER", "role": "other"}],
            "frames": [{"start": 0, "end": n, "label": "<i>", "score": 0.9, "evidence": [{"kind": "cue", "text": "<u>"}]}]
        });
        let records = read_from(line.to_string().as_bytes(), Path::new("t")).unwrap();
        let view = build(&records, None, Path::new("v.html"));
        let html = &view.files[0].1;
        assert_eq!(view.files.len(), 1);
        for bad in ["<script", "<img", "<b>", "<i>", "<u>"] {
            assert!(!html.contains(bad), "{bad} unescaped");
        }
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("data-e=\"0:0\" data-label=\"PER\""));
        assert!(html.contains(">Kim</mark>"));
    }
}
