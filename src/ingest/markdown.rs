//! Reduces Markdown (including Obsidian-style notes with wiki links and
//! inline HTML) to the text a reader sees, keeping a map back to the
//! original so every span of the visible text can be located in the file.
//!
//! The rules, in the order a line meets them:
//! - YAML front matter (a first line `---` up to the closing `---`) and the
//!   blank lines right after it are dropped;
//! - at a line start: indentation with a list marker (`- `, `* `, `+ `,
//!   `1. `, `1) `), blockquote markers (`> `) and heading markers (`## `) are
//!   dropped, the rest of the line is kept; fence lines (```` ``` ````) are
//!   dropped and the code between them kept verbatim;
//! - `[[target | label]]` gives `label`, `[[target]]` gives `target`
//!   (trimmed); `[text](url)` and `[text][ref]` give `text`; images
//!   (`![alt](url)`, `![[embed]]`) are dropped; inline code keeps its content
//!   without the backticks; `<https://...>` autolinks keep the address;
//! - an HTML element keeps only its inner text (`<br/>` gives nothing),
//!   comments, `<script>` and `<style>` are dropped; entities are decoded;
//! - emphasis markers (`**`, `__`, `*`, `_`, `~~`) are dropped; `_` inside a
//!   word (`ap_news`) is kept; backslash escapes lose the backslash;
//! - spaces and tabs at line ends are dropped;
//! - everything else, newlines and blank lines included, is kept.

use super::html::{decode_entity, skip_raw_text, Kind, Tags};
use crate::document::{Origin, VisibleTextBuilder};

/// How far a link's closing bracket or parenthesis is looked for; real
/// links are far shorter, and the bound keeps a text full of unmatched `[`
/// linear.
const MAX_LINK: usize = 2048;

/// Raw-text HTML elements whose content is dropped inside Markdown too.
const HIDDEN: &[&str] = &["script", "style", "noscript", "template"];

/// The visible text of `raw` and its map into `raw` (which it keeps: pass
/// a `String` to spare a copy).
pub fn to_visible(raw: impl Into<String>) -> (String, Origin) {
    let raw = raw.into();
    visible_text(&raw).finish(raw)
}

fn visible_text(raw: &str) -> VisibleTextBuilder {
    let mut md = Reducer {
        raw,
        tags: Tags::new(raw),
        last_comment_end: raw.rfind("-->"),
        out: LineText::new(raw),
        closers: Vec::new(),
    };
    md.run(front_matter_end(raw));
    md.out.b
}

/// Byte offset where the body starts: after the front matter and the blank
/// lines that follow it, or 0 when there is none.
fn front_matter_end(raw: &str) -> usize {
    let body = raw.strip_prefix('\u{FEFF}').unwrap_or(raw);
    let bom = raw.len() - body.len();
    let mut lines = line_spans(body);
    let Some((_, first)) = lines.next() else {
        return 0;
    };
    if first.trim_end() != "---" {
        return 0;
    }
    let Some((close, _)) = lines.find(|(_, line)| matches!(line.trim_end(), "---" | "...")) else {
        return 0;
    };
    let mut end = close;
    // Skip the closing line, then the blank lines after it.
    for (start, line) in line_spans(&body[close..]) {
        if start > 0 && !line.trim().is_empty() {
            break;
        }
        end = close + start + line.len();
    }
    bom + end
}

/// `(offset, line including its '\n')` of each line of `s`.
fn line_spans(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split_inclusive('\n').scan(0, |at, line| {
        let start = *at;
        *at += line.len();
        Some((start, line))
    })
}

struct Reducer<'a> {
    raw: &'a str,
    tags: Tags<'a>,
    /// Where the last `-->` is: a `<!--` after it is never closed.
    last_comment_end: Option<usize>,
    out: LineText<'a>,
    /// Open links: `(offset of their closing ']', offset past the link)`.
    closers: Vec<(usize, usize)>,
}

impl Reducer<'_> {
    fn run(&mut self, start: usize) {
        let raw = self.raw;
        let bytes = raw.as_bytes();
        let mut i = start;
        let mut fence: Option<(u8, usize)> = None;
        let mut line_start = true;
        while i < bytes.len() {
            if line_start {
                line_start = false;
                let line_end = raw[i..].find('\n').map_or(raw.len(), |k| i + k + 1);
                let line = &raw[i..line_end];
                if let Some((ch, n)) = fence {
                    if fence_marker(line)
                        .is_some_and(|(c, m)| c == ch && m >= n && line.trim()[m..].is_empty())
                    {
                        fence = None;
                    } else {
                        self.out.copy(i, line);
                    }
                    i = line_end;
                    line_start = true;
                    continue;
                }
                if let Some(marker) = fence_marker(line) {
                    fence = Some(marker);
                    i = line_end;
                    line_start = true;
                    continue;
                }
                i += line_prefix(line);
                continue;
            }
            let run_end = bytes[i..]
                .iter()
                .position(|c| {
                    matches!(
                        c,
                        b'[' | b']'
                            | b'!'
                            | b'`'
                            | b'<'
                            | b'&'
                            | b'*'
                            | b'_'
                            | b'~'
                            | b'\\'
                            | b'\n'
                    )
                })
                .map_or(bytes.len(), |k| i + k);
            if run_end > i {
                self.out.copy(i, &raw[i..run_end]);
                i = run_end;
                continue;
            }
            i = match bytes[i] {
                b'\n' => {
                    self.out.copy(i, "\n");
                    line_start = true;
                    i + 1
                }
                b'[' => self.bracket(i),
                b']' => self.close_bracket(i),
                b'!' => self.image(i),
                b'`' => self.code(i),
                b'<' => self.markup(i),
                b'&' => self.entity(i),
                b'*' | b'_' | b'~' => self.emphasis(i),
                _ => self.escape(i),
            };
        }
    }

    /// Copies the single character at `i` as text.
    fn literal(&mut self, i: usize) -> usize {
        let len = self.raw[i..].chars().next().map_or(1, char::len_utf8);
        self.out.copy(i, &self.raw[i..i + len]);
        i + len
    }

    /// `[[wiki link]]`, `[text](url)`, `[text][ref]`, or a literal `[`.
    fn bracket(&mut self, i: usize) -> usize {
        if let Some((inner, end)) = wiki_link(self.raw, i) {
            let shown = match self.raw[inner.clone()].find('|') {
                Some(bar) => inner.start + bar + 1..inner.end,
                None => inner.clone(),
            };
            let text = &self.raw[shown.clone()];
            let lead = text.len() - text.trim_start().len();
            self.out.copy(shown.start + lead, text.trim());
            return end;
        }
        match link(self.raw, i) {
            Some((close, end)) => {
                self.closers.push((close, end));
                i + 1
            }
            None => self.literal(i),
        }
    }

    fn close_bracket(&mut self, i: usize) -> usize {
        // A link whose `]` was skipped (inside code or a comment) is over.
        while self.closers.last().is_some_and(|&(close, _)| close < i) {
            self.closers.pop();
        }
        match self.closers.last() {
            Some(&(close, end)) if close == i => {
                self.closers.pop();
                end
            }
            _ => self.literal(i),
        }
    }

    /// `![alt](url)` and `![[embed]]` are dropped; another `!` is text.
    fn image(&mut self, i: usize) -> usize {
        if self.raw[i + 1..].starts_with('[') {
            if let Some((_, end)) = wiki_link(self.raw, i + 1) {
                return end;
            }
            if let Some((_, end)) = link(self.raw, i + 1) {
                return end;
            }
        }
        self.literal(i)
    }

    /// Inline code: the content between matching backtick runs, verbatim.
    fn code(&mut self, i: usize) -> usize {
        let bytes = self.raw.as_bytes();
        let n = bytes[i..].iter().take_while(|&&c| c == b'`').count();
        let from = i + n;
        let limit = bytes.len().min(from + MAX_LINK);
        let mut j = from;
        while j < limit {
            if bytes[j] == b'`' {
                let m = bytes[j..].iter().take_while(|&&c| c == b'`').count();
                if m == n {
                    let mut content = from..j;
                    // One space on both sides is padding, as in CommonMark.
                    let s = &self.raw[content.clone()];
                    if s.len() >= 2
                        && s.starts_with(' ')
                        && s.ends_with(' ')
                        && !s.trim().is_empty()
                    {
                        content = content.start + 1..content.end - 1;
                    }
                    self.out.copy(content.start, &self.raw[content]);
                    return j + m;
                }
                j += m;
            } else if bytes[j] == b'\n' && bytes.get(j + 1) == Some(&b'\n') {
                break; // code spans do not cross paragraphs
            } else {
                j += 1;
            }
        }
        self.out.copy(i, &self.raw[i..from]);
        from
    }

    /// Inline HTML: tags and comments vanish, their inner text stays. A
    /// `<!--` never closed is text, as in CommonMark: it must not hide the
    /// rest of the document.
    fn markup(&mut self, i: usize) -> usize {
        let raw = self.raw;
        let unclosed_comment = raw[i..].starts_with("<!--")
            && !raw[i + 4..].starts_with('>')
            && self.last_comment_end.is_none_or(|end| end < i + 4);
        if unclosed_comment {
            return self.literal(i);
        }
        if let Some(m) = self.tags.scan(i) {
            if let Kind::Start {
                name,
                self_closing: false,
            } = &m.kind
            {
                let name = &raw[name.clone()];
                if HIDDEN.iter().any(|h| h.eq_ignore_ascii_case(name)) {
                    return skip_raw_text(&self.tags, m.end, name);
                }
            }
            return m.end;
        }
        if let Some(end) = autolink(raw, i) {
            self.out.copy(i + 1, &raw[i + 1..end - 1]);
            return end;
        }
        self.literal(i)
    }

    fn entity(&mut self, i: usize) -> usize {
        match decode_entity(&self.raw[i..]) {
            Some((len, decoded)) => {
                self.out.insert(i..i + len, decoded.as_str());
                i + len
            }
            None => self.literal(i),
        }
    }

    /// Emphasis and strike-through markers are dropped when they touch a
    /// word; `_` inside a word and runs standing alone stay.
    fn emphasis(&mut self, i: usize) -> usize {
        let raw = self.raw;
        let c = raw.as_bytes()[i];
        let n = raw.as_bytes()[i..].iter().take_while(|&&b| b == c).count();
        let end = i + n;
        let before = raw[..i].chars().next_back();
        let after = raw[end..].chars().next();
        let left = after.is_some_and(|a| !a.is_whitespace());
        let right = before.is_some_and(|b| !b.is_whitespace());
        let intraword =
            before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric);
        let marker = match c {
            b'~' => n == 2,
            b'_' => n <= 3 && !intraword,
            _ => n <= 3,
        };
        if marker && (left || right) {
            end
        } else {
            self.out.copy(i, &raw[i..end]);
            end
        }
    }

    /// `\*` gives `*`; a backslash before anything else stays.
    fn escape(&mut self, i: usize) -> usize {
        match self.raw.as_bytes().get(i + 1) {
            Some(c) if c.is_ascii_punctuation() => {
                self.out.copy(i + 1, &self.raw[i + 1..i + 2]);
                i + 2
            }
            _ => self.literal(i),
        }
    }
}

/// Length of the markers that open `line`: indentation with a list item
/// marker, blockquote markers, a heading marker, each with the spaces after.
fn line_prefix(line: &str) -> usize {
    let b = line.as_bytes();
    let spaces = |from: usize| {
        b[from..]
            .iter()
            .take_while(|&&c| c == b' ' || c == b'\t')
            .count()
    };
    let mut i = 0;
    loop {
        let indent = spaces(i);
        let j = i + indent;
        if b.get(j) == Some(&b'>') {
            i = j + 1 + spaces(j + 1).min(1);
            continue;
        }
        if let Some(len) = list_marker(&b[j..]) {
            return j + len + spaces(j + len);
        }
        let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
        if (1..=6).contains(&hashes)
            && b.get(j + hashes)
                .is_none_or(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            return j + hashes + spaces(j + hashes);
        }
        return i;
    }
}

/// Length of a list item marker (`- `, `* `, `+ `, `12. `, `3) `) at the
/// start of `b`, without the space after it.
fn list_marker(b: &[u8]) -> Option<usize> {
    let spaced = |at: usize| matches!(b.get(at), Some(b' ' | b'\t'));
    if matches!(b.first(), Some(b'-' | b'*' | b'+')) && spaced(1) {
        return Some(1);
    }
    let digits = b.iter().take(9).take_while(|c| c.is_ascii_digit()).count();
    (digits > 0 && matches!(b.get(digits), Some(b'.' | b')')) && spaced(digits + 1))
        .then_some(digits + 1)
}

/// A code fence opening `line`: its character and length.
fn fence_marker(line: &str) -> Option<(u8, usize)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let c = *t.as_bytes().first()?;
    let n = t.bytes().take_while(|&b| b == c).count();
    (matches!(c, b'`' | b'~') && n >= 3 && !(c == b'`' && t[n..].contains('`'))).then_some((c, n))
}

/// `[[...]]` at `i`: the inner byte range and the offset past `]]`.
fn wiki_link(raw: &str, i: usize) -> Option<(std::ops::Range<usize>, usize)> {
    let rest = raw.get(i..)?.strip_prefix("[[")?;
    let window = &rest[..floor_boundary(rest, MAX_LINK)];
    let close = window.find("]]")?;
    let inner = &window[..close];
    (!inner.contains('\n') && !inner.contains('['))
        .then(|| (i + 2..i + 2 + close, i + 2 + close + 2))
}

/// `[text](url)` or `[text][ref]` at `i`: the offset of the `]` that closes
/// the text and the offset past the link.
fn link(raw: &str, i: usize) -> Option<(usize, usize)> {
    let b = raw.as_bytes();
    let limit = b.len().min(i + MAX_LINK);
    let mut depth = 0usize;
    let mut j = i;
    let close = loop {
        if j >= limit {
            return None;
        }
        match b[j] {
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    break j;
                }
            }
            b'\n' if b.get(j + 1) == Some(&b'\n') => return None,
            b'\\' => j += 1,
            _ => {}
        }
        j += 1;
    };
    let (open, shut) = match b.get(close + 1) {
        Some(b'(') => (b'(', b')'),
        Some(b'[') => (b'[', b']'),
        _ => return None,
    };
    let mut depth = 0usize;
    for (k, &c) in b[close + 1..limit.max(close + 1)].iter().enumerate() {
        if c == open {
            depth += 1;
        } else if c == shut {
            depth -= 1;
            if depth == 0 {
                return Some((close, close + 1 + k + 1));
            }
        } else if c == b'\n' && open == b'[' {
            return None;
        }
    }
    None
}

/// `<scheme:...>` or `<user@host>` at `i`: the offset past `>`.
fn autolink(raw: &str, i: usize) -> Option<usize> {
    let rest = &raw[i + 1..];
    let end = rest.find(|c: char| c == '>' || c == '<' || c.is_whitespace())?;
    let inner = &rest[..end];
    let scheme = inner.find(':').is_some_and(|k| {
        k >= 2
            && inner[..k]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-'))
    });
    (rest[end..].starts_with('>') && (scheme || inner.contains('@')) && !inner.is_empty())
        .then_some(i + 1 + end + 1)
}

/// The largest char boundary of `s` not above `at`.
fn floor_boundary(s: &str, at: usize) -> usize {
    let mut at = at.min(s.len());
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The visible text under construction, with spaces and tabs held back
/// until it is known whether they end a line (then they are dropped).
struct LineText<'a> {
    raw: &'a str,
    b: VisibleTextBuilder,
    /// Held-back horizontal whitespace: byte ranges of the original.
    held: Vec<(usize, usize)>,
}

impl<'a> LineText<'a> {
    fn new(raw: &'a str) -> Self {
        Self {
            raw,
            b: VisibleTextBuilder::for_original(raw),
            held: Vec::new(),
        }
    }

    /// Appends `piece`, copied from the original at `at`.
    fn copy(&mut self, at: usize, piece: &str) {
        let mut at = at;
        let mut rest = piece;
        while !rest.is_empty() {
            let (line, nl) = match rest.find('\n') {
                Some(k) => (&rest[..k], true),
                None => (rest, false),
            };
            let kept = line.trim_end_matches([' ', '\t', '\r']);
            if !kept.is_empty() {
                self.flush();
                self.b.copy(at, kept);
            }
            if nl {
                self.held.clear();
                self.b.copy(at + line.len(), "\n");
                at += line.len() + 1;
                rest = &rest[line.len() + 1..];
            } else {
                if kept.len() < line.len() {
                    self.held.push((at + kept.len(), at + line.len()));
                }
                break;
            }
        }
    }

    /// Appends `piece`, which stands for the markup `original` (a decoded entity).
    fn insert(&mut self, original: std::ops::Range<usize>, piece: &str) {
        self.flush();
        self.b.insert_for(original, piece);
    }

    fn flush(&mut self) {
        for (s, e) in self.held.drain(..) {
            self.b.copy(s, &self.raw[s..e]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(Markdown, visible text)`.
    #[rustfmt::skip]
    const CASES: &[(&str, &str)] = &[
        ("---\ntitle: x\n---\n\n\n## Head\nBody.", "Head\nBody."),
        ("--- not front matter\nx", "--- not front matter\nx"),
        ("---\nunclosed\n", "---\nunclosed\n"),
        ("#hashtag and ###### six\n####### seven", "#hashtag and ###### six\n####### seven"),
        ("From: [[zeihan]] <br/> \nx", "From: zeihan\nx"),
        ("the [[a_b | North Korean]] troops", "the North Korean troops"),
        ("see [the **report**](https://x.org/a_(b)) and ![img](i.png).", "see the report and ."),
        ("[ref][1] and [plain] and [^1]", "ref and [plain] and [^1]"),
        ("a <a data-t=\"00:00:51\">[00:00:51]</a>.", "a [00:00:51]."),
        ("x<script>var a = '<b>';</script>y<!-- c -->z", "xyz"),
        (
            "Putin said <!-- in Moscow that Kyiv fell.",
            "Putin said <!-- in Moscow that Kyiv fell.",
        ),
        ("run `cargo test` now, <https://x.org>", "run cargo test now, https://x.org"),
        ("Kim &amp; Putin&#8217;s a < b", "Kim & Putin’s a < b"),
        ("**Bold** and *it* and __u__ ap_news ~~gone~~ 2 * 3", "Bold and it and u ap_news gone 2 * 3"),
        ("- one\n* two\n  1. three\n> quoted\n> - both", "one\ntwo\nthree\nquoted\nboth"),
        ("\\*not emphasis\\*", "*not emphasis*"),
        ("```rust\nlet *x* = 1;\n```\nafter", "let *x* = 1;\nafter"),
    ];

    #[test]
    fn reduces_to_visible_text() {
        for (raw, expected) in CASES {
            assert_eq!(to_visible(*raw).0, *expected, "Markdown: {raw:?}");
        }
    }

    #[test]
    fn broken_markup_does_not_panic() {
        for raw in [
            "[",
            "[[",
            "![",
            "`",
            "<",
            "&",
            "*",
            "\\",
            "[a](b",
            "[[a|",
            "<a href='x",
            "<!--",
            "```",
            "é[ü](",
            "[x](",
        ] {
            let (text, origin) = to_visible(raw);
            assert!(origin.to_original(text.len()) <= raw.len());
        }
    }
}
