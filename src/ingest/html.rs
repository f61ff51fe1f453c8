//! Reduces HTML to the text a reader sees, keeping a map back to the
//! original so every span of the visible text can be located in the file.
//!
//! A small tag scanner is enough here: we only need to know where markup
//! starts and ends, which elements hide their content and which ones break
//! lines. It never fails: broken markup (a `<` in text, an unclosed tag, an
//! unterminated comment) degrades to text or is dropped up to the end.

use crate::document::{Origin, VisibleTextBuilder};

/// Elements whose content is never visible.
#[rustfmt::skip]
const HIDDEN: &[&str] = &["script", "style", "noscript", "template", "iframe", "noembed", "noframes", "object"];

/// Elements that end a line (a single line break around them).
#[rustfmt::skip]
const LINE_BLOCKS: &[&str] = &["br", "li", "tr", "dt", "dd", "option", "caption", "figcaption", "summary"];

/// Elements that end a paragraph (a blank line around them, so the
/// sentence splitter ends a sentence there).
#[rustfmt::skip]
const PARAGRAPH_BLOCKS: &[&str] = &[
    "address", "article", "aside", "blockquote", "body", "center", "details", "dialog", "div", "dl", "fieldset",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "tfoot", "thead", "title", "ul",
];

/// Table cells: kept apart by a space so neighbouring cells do not merge.
const CELLS: &[&str] = &["td", "th"];

/// Elements that may appear in `<head>`; any other element ends it, as in
/// browsers, so a page that never closes `<head>` still shows its body.
#[rustfmt::skip]
const HEAD_ELEMENTS: &[&str] = &["base", "link", "meta", "script", "style", "noscript", "template", "title", "head"];

/// The visible text of `raw` and its map into `raw` (which it keeps: pass
/// a `String` to spare a copy).
pub fn to_visible(raw: impl Into<String>) -> (String, Origin) {
    let raw = raw.into();
    visible_text(&raw).finish(raw)
}

fn visible_text(raw: &str) -> VisibleTextBuilder {
    let mut out = HtmlText {
        raw,
        b: VisibleTextBuilder::for_original(raw),
        space: None,
        pending: None,
    };
    let bytes = raw.as_bytes();
    let tags = Tags::new(raw);
    let mut head = false;
    let mut pre = 0usize;
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let Some(markup) = tags.scan(i) else {
            i += 1; // a `<` that starts no markup is text
            continue;
        };
        if !head {
            out.text(text_start, i, pre > 0);
        }
        i = markup.end;
        if let Markup {
            kind: Kind::Start { name, .. } | Kind::End { name },
            ..
        } = &markup
        {
            let name = &raw[name.clone()];
            let start = matches!(markup.kind, Kind::Start { .. });
            if head && !is_one_of(name, HEAD_ELEMENTS) {
                head = false;
            }
            if start && name.eq_ignore_ascii_case("head") {
                head = true;
            } else if name.eq_ignore_ascii_case("head") {
                head = false;
            }
            if name.eq_ignore_ascii_case("pre") {
                pre = if start {
                    pre + 1
                } else {
                    pre.saturating_sub(1)
                };
            }
            if start && is_one_of(name, HIDDEN) {
                i = skip_raw_text(&tags, i, name);
            } else if start && name.eq_ignore_ascii_case("title") {
                // The title is kept (as the first line) even though it sits in <head>.
                let close = find_end_tag(raw, i, "title").unwrap_or(raw.len());
                out.brk(markup.start, Break::Paragraph);
                out.text(i, close, false);
                out.brk(close, Break::Paragraph);
                i = skip_raw_text(&tags, i, "title");
            } else if !head {
                out.brk(markup.start, break_of(name));
            }
        }
        text_start = i;
    }
    if !head {
        out.text(text_start, raw.len(), pre > 0);
    }
    out.b
}

fn is_one_of(name: &str, set: &[&str]) -> bool {
    set.iter().any(|s| s.eq_ignore_ascii_case(name))
}

/// How strongly an element separates the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    None,
    Space,
    Line,
    Paragraph,
}

fn break_of(name: &str) -> Break {
    if is_one_of(name, PARAGRAPH_BLOCKS) {
        Break::Paragraph
    } else if is_one_of(name, LINE_BLOCKS) {
        Break::Line
    } else if is_one_of(name, CELLS) {
        Break::Space
    } else {
        Break::None
    }
}

/// Builds the visible text of an HTML page: collapses whitespace that
/// contains line breaks (source formatting) into one space and turns block
/// boundaries into line breaks, emitted lazily so that no line starts or
/// ends with spaces and no run of breaks exceeds a blank line.
struct HtmlText<'a> {
    raw: &'a str,
    b: VisibleTextBuilder,
    /// Whitespace seen after the last visible character: `(offset, len, copied)`.
    space: Option<(usize, usize, bool)>,
    /// The strongest break requested since the last visible character, and where.
    pending: Option<(usize, Break)>,
}

impl HtmlText<'_> {
    fn brk(&mut self, at: usize, brk: Break) {
        if brk == Break::None {
            return;
        }
        match self.pending {
            Some((_, old)) if old >= brk => {}
            _ => self.pending = Some((at, brk)),
        }
    }

    /// Emits `raw[start..end]`, text between tags; `pre` keeps whitespace as is.
    fn text(&mut self, start: usize, end: usize, pre: bool) {
        let raw = self.raw;
        let mut i = start;
        while i < end {
            let rest = &raw[i..end];
            if pre {
                let stop = rest.find('&').map_or(end, |k| i + k);
                self.visible(i, &raw[i..stop], None);
                i = stop;
            } else {
                let ws = rest.len() - rest.trim_start().len();
                if ws > 0 {
                    let run = &rest[..ws];
                    self.space = Some((i, ws, run.bytes().all(|c| c == b' ')));
                    i += ws;
                    continue;
                }
                let stop = rest
                    .find(|c: char| c == '&' || c.is_whitespace())
                    .map_or(end, |k| i + k);
                self.visible(i, &raw[i..stop], None);
                i = stop;
            }
            if i < end && raw.as_bytes()[i] == b'&' {
                match decode_entity(&raw[i..end]) {
                    // A decoded space (`&nbsp;`) is whitespace like any other.
                    Some((len, decoded)) if decoded.as_str() == " " && !pre => {
                        self.space = Some((i, len, false));
                        i += len;
                    }
                    Some((len, decoded)) => {
                        self.visible(i, decoded.as_str(), Some(i + len));
                        i += len;
                    }
                    None => {
                        self.visible(i, "&", None);
                        i += 1;
                    }
                }
            }
        }
    }

    /// Appends visible characters, first flushing the pending break or
    /// space: copied from `at`, or standing for the markup `at..end` when
    /// `stands_for` is `Some(end)`.
    fn visible(&mut self, at: usize, piece: &str, stands_for: Option<usize>) {
        if piece.is_empty() {
            return;
        }
        let started = !self.b.text().is_empty();
        if let Some((brk_at, brk)) = self.pending.take() {
            if started {
                match brk {
                    Break::Paragraph => self.b.insert(brk_at, "\n\n"),
                    Break::Line => self.b.insert(brk_at, "\n"),
                    Break::Space => self.b.insert(brk_at, " "),
                    Break::None => {}
                }
            }
            self.space = None;
        }
        if let Some((s, len, spaces_only)) = self.space.take() {
            if started && spaces_only {
                self.b.copy(s, &self.raw[s..s + len]);
            } else if started {
                self.b.insert_for(s..s + len, " ");
            }
        }
        match stands_for {
            None => self.b.copy(at, piece),
            Some(end) => self.b.insert_for(at..end, piece),
        }
    }
}

/// What a `<` starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `<name ...>`; `name` is a byte range of the original.
    Start {
        name: std::ops::Range<usize>,
        self_closing: bool,
    },
    /// `</name ...>`.
    End { name: std::ops::Range<usize> },
    /// `<!-- ... -->`, `<!DOCTYPE ...>`, `<?...?>`, `<![CDATA[...]]>`.
    Other,
}

/// A piece of markup at `start..end` of the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Markup {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// Finds markup in one text. It remembers where the last `>` is, so a `<`
/// that cannot start a tag is known at once and scanning stays linear.
pub(crate) struct Tags<'a> {
    raw: &'a str,
    last_gt: Option<usize>,
}

impl<'a> Tags<'a> {
    pub fn new(raw: &'a str) -> Self {
        Self {
            raw,
            last_gt: raw.rfind('>'),
        }
    }

    /// The markup starting at byte `at` (which holds `<`), or `None` when
    /// the `<` is plain text ("a < b", "<3", an unclosed tag at the end).
    pub fn scan(&self, at: usize) -> Option<Markup> {
        let raw = self.raw;
        let bytes = raw.as_bytes();
        let rest = &raw[at..];
        let other = |end: usize| {
            Some(Markup {
                start: at,
                end,
                kind: Kind::Other,
            })
        };
        if let Some(body) = rest.strip_prefix("<!--") {
            // An unterminated comment runs to the end, as in browsers.
            let body_start = at + 4;
            if body.starts_with('>') {
                return other(body_start + 1);
            }
            return other(body.find("-->").map_or(raw.len(), |k| body_start + k + 3));
        }
        if rest.starts_with("<![CDATA[") {
            return other(rest.find("]]>").map_or(raw.len(), |k| at + k + 3));
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            return other(rest.find('>').map_or(raw.len(), |k| at + k + 1));
        }
        let closing = rest.starts_with("</");
        let name_start = at + if closing { 2 } else { 1 };
        if !bytes.get(name_start).is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let mut i = name_start;
        while i < bytes.len()
            && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'-' | b':' | b'_'))
        {
            i += 1;
        }
        let name = name_start..i;
        match bytes.get(i) {
            Some(b'>') => {}
            Some(b'/') if bytes.get(i + 1) == Some(&b'>') => {}
            Some(c) if c.is_ascii_whitespace() => {}
            _ => return None,
        }
        let end = self.tag_end(i)?;
        let kind = if closing {
            Kind::End { name }
        } else {
            Kind::Start {
                name,
                self_closing: bytes[end - 2] == b'/',
            }
        };
        Some(Markup {
            start: at,
            end,
            kind,
        })
    }

    /// End (past `>`) of a tag whose attributes start at `from`. Quoted
    /// attribute values may hold `>`; if a quote never closes, the first `>`
    /// ends the tag; with no `>` left at all, there is no tag.
    fn tag_end(&self, from: usize) -> Option<usize> {
        if self.last_gt.is_none_or(|gt| gt < from) {
            return None;
        }
        let bytes = self.raw.as_bytes();
        let mut i = from;
        let mut prev_eq = false;
        while i < bytes.len() {
            match bytes[i] {
                b'>' => return Some(i + 1),
                q @ (b'"' | b'\'') if prev_eq => {
                    match bytes[i + 1..].iter().position(|&c| c == q) {
                        Some(k) => {
                            i += k + 2;
                            prev_eq = false;
                            continue;
                        }
                        None => break,
                    }
                }
                b'=' => prev_eq = true,
                c if !c.is_ascii_whitespace() => prev_eq = false,
                _ => {}
            }
            i += 1;
        }
        bytes[from..]
            .iter()
            .position(|&c| c == b'>')
            .map(|k| from + k + 1)
    }
}

/// Byte offset of the `</name` that closes a raw-text element whose
/// content starts at `from`.
fn find_end_tag(raw: &str, from: usize, name: &str) -> Option<usize> {
    let bytes = raw.as_bytes();
    let mut i = from;
    while let Some(k) = raw[i..].find("</") {
        let at = i + k;
        let name_end = at + 2 + name.len();
        if name_end <= bytes.len()
            && bytes[at + 2..name_end].eq_ignore_ascii_case(name.as_bytes())
            && bytes
                .get(name_end)
                .is_none_or(|c| matches!(c, b'>' | b'/') || c.is_ascii_whitespace())
        {
            return Some(at);
        }
        i = at + 2;
    }
    None
}

/// Offset just past the element that closes a raw-text element (script,
/// style, ...) whose content starts at `from`; the end of input if unclosed.
pub(crate) fn skip_raw_text(tags: &Tags, from: usize, name: &str) -> usize {
    match find_end_tag(tags.raw, from, name) {
        Some(at) => tags.scan(at).map_or(tags.raw.len(), |m| m.end),
        None => tags.raw.len(),
    }
}

/// A decoded entity: at most 4 bytes of UTF-8 (one code point), or a
/// short literal for the named entities.
pub(crate) struct Decoded {
    buf: [u8; 4],
    len: usize,
    text: Option<&'static str>,
}

impl Decoded {
    pub fn as_str(&self) -> &str {
        match self.text {
            Some(t) => t,
            None => std::str::from_utf8(&self.buf[..self.len]).unwrap_or(""),
        }
    }
}

/// The named entities news pages use; the full HTML table has 2,000 names,
/// almost all for mathematics. Sorted by name for binary search.
#[rustfmt::skip]
const ENTITIES: &[(&str, &str)] = &[
    ("AElig", "Æ"), ("Aacute", "Á"), ("Agrave", "À"), ("Aring", "Å"), ("Atilde", "Ã"), ("Auml", "Ä"),
    ("Ccedil", "Ç"), ("Eacute", "É"), ("Egrave", "È"), ("Euml", "Ë"), ("Iacute", "Í"), ("Ntilde", "Ñ"),
    ("Oacute", "Ó"), ("Ograve", "Ò"), ("Oslash", "Ø"), ("Ouml", "Ö"), ("Scaron", "Š"), ("Uacute", "Ú"),
    ("Uuml", "Ü"), ("Zcaron", "Ž"), ("aacute", "á"), ("acirc", "â"), ("aelig", "æ"), ("agrave", "à"),
    ("amp", "&"), ("apos", "'"), ("aring", "å"), ("atilde", "ã"), ("auml", "ä"), ("bdquo", "„"),
    ("brvbar", "¦"), ("bull", "•"), ("ccedil", "ç"), ("cent", "¢"), ("copy", "©"), ("dagger", "†"),
    ("deg", "°"), ("divide", "÷"), ("eacute", "é"), ("ecirc", "ê"), ("egrave", "è"), ("emsp", " "),
    ("ensp", " "), ("euml", "ë"), ("euro", "€"), ("frac12", "½"), ("frac14", "¼"), ("frac34", "¾"),
    ("gt", ">"), ("hellip", "…"), ("iacute", "í"), ("icirc", "î"), ("iexcl", "¡"), ("igrave", "ì"),
    ("iquest", "¿"), ("iuml", "ï"), ("laquo", "«"), ("ldquo", "“"), ("lrm", ""), ("lsaquo", "‹"),
    ("lsquo", "‘"), ("lt", "<"), ("mdash", "—"), ("micro", "µ"), ("middot", "·"), ("minus", "−"),
    ("nbsp", " "), ("ndash", "–"), ("ntilde", "ñ"), ("oacute", "ó"), ("ocirc", "ô"), ("ograve", "ò"),
    ("ordf", "ª"), ("ordm", "º"), ("oslash", "ø"), ("otilde", "õ"), ("ouml", "ö"), ("para", "¶"),
    ("permil", "‰"), ("plusmn", "±"), ("pound", "£"), ("prime", "′"), ("quot", "\""), ("raquo", "»"),
    ("rdquo", "”"), ("reg", "®"), ("rlm", ""), ("rsaquo", "›"), ("rsquo", "’"), ("sbquo", "‚"),
    ("scaron", "š"), ("sect", "§"), ("shy", ""), ("sup2", "²"), ("sup3", "³"), ("szlig", "ß"),
    ("thinsp", " "), ("times", "×"), ("trade", "™"), ("uacute", "ú"), ("ucirc", "û"), ("ugrave", "ù"),
    ("uuml", "ü"), ("yacute", "ý"), ("yen", "¥"), ("yuml", "ÿ"), ("zcaron", "ž"), ("zwj", ""), ("zwnj", ""),
];

/// The named references HTML5 also decodes without their `;` ("legacy"
/// names, from the HTML4 Latin-1 set), among those in [`ENTITIES`]. Sorted.
#[rustfmt::skip]
const LEGACY: &[&str] = &[
    "AElig", "Aacute", "Agrave", "Aring", "Atilde", "Auml", "Ccedil", "Eacute", "Egrave", "Euml", "Iacute",
    "Ntilde", "Oacute", "Ograve", "Oslash", "Ouml", "Uacute", "Uuml", "aacute", "acirc", "aelig",
    "agrave", "amp", "aring", "atilde", "auml", "brvbar", "ccedil", "cent", "copy", "deg", "divide",
    "eacute", "ecirc", "egrave", "euml", "frac12", "frac14", "frac34", "gt", "iacute", "icirc", "iexcl",
    "igrave", "iquest", "iuml", "laquo", "lt", "micro", "middot", "nbsp", "ntilde", "oacute", "ocirc",
    "ograve", "ordf", "ordm", "oslash", "otilde", "ouml", "para", "plusmn", "pound", "quot", "raquo", "reg",
    "sect", "shy", "sup2", "sup3", "szlig", "times", "uacute", "ucirc", "ugrave", "uuml", "yacute", "yen",
    "yuml",
];

/// What HTML5 puts for the numeric references 0x80 to 0x9F: the Windows-1252
/// characters of those bytes (old pages write quotes and dashes so).
#[rustfmt::skip]
const WINDOWS_1252: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
];

/// The character a numeric reference stands for, by the HTML5 rules: zero,
/// surrogates and values past U+10FFFF give U+FFFD, 0x80 to 0x9F the
/// Windows-1252 characters. A non-breaking space is a plain space here.
fn numeric_reference(value: u32) -> char {
    match value {
        0xA0 => ' ',
        0x80..=0x9F => WINDOWS_1252[(value - 0x80) as usize],
        0 => '\u{FFFD}',
        v => char::from_u32(v).unwrap_or('\u{FFFD}'),
    }
}

/// Decodes the character reference at the start of `s` (which starts with
/// `&`) as an HTML5 parser does in text: named (`&amp;`), decimal
/// (`&#8217;`) or hexadecimal (`&#x2019;`). Returns its length in bytes and
/// what it stands for; `None` if `s` starts with a bare `&`. Numeric
/// references take every digit and need no `;`; named ones need their `;`
/// except the legacy Latin-1 names ([`LEGACY`], "&amp E"), matched longest
/// first. A non-breaking space decodes to a plain space, so that names
/// written with one ("North&nbsp;Korea") match like any other.
pub(crate) fn decode_entity(s: &str) -> Option<(usize, Decoded)> {
    let bytes = s.as_bytes();
    if bytes.get(1) == Some(&b'#') {
        let hex = matches!(bytes.get(2), Some(b'x' | b'X'));
        let digits_start = if hex { 3 } else { 2 };
        let radix = if hex { 16 } else { 10 };
        let digits = bytes[digits_start..]
            .iter()
            .take_while(|&&c| (c as char).is_digit(radix))
            .count();
        if digits == 0 {
            return None;
        }
        // Every digit belongs to the reference; a value past the range
        // saturates (and becomes U+FFFD).
        let value = bytes[digits_start..digits_start + digits]
            .iter()
            .fold(0u32, |v, &c| {
                let d = (c as char).to_digit(radix).unwrap_or(0);
                v.saturating_mul(radix).saturating_add(d)
            });
        let mut i = digits_start + digits;
        if bytes.get(i) == Some(&b';') {
            i += 1;
        }
        let mut buf = [0u8; 4];
        let len = numeric_reference(value).encode_utf8(&mut buf).len();
        return Some((
            i,
            Decoded {
                buf,
                len,
                text: None,
            },
        ));
    }
    let name_len = bytes[1..]
        .iter()
        .take(10)
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let named = |name: &str| {
        let i = ENTITIES.binary_search_by(|(n, _)| n.cmp(&name)).ok()?;
        let text = if name == "nbsp" { " " } else { ENTITIES[i].1 };
        Some(Decoded {
            buf: [0; 4],
            len: 0,
            text: Some(text),
        })
    };
    if name_len > 0 && bytes.get(1 + name_len) == Some(&b';') {
        if let Some(decoded) = named(&s[1..1 + name_len]) {
            return Some((name_len + 2, decoded));
        }
    }
    // Without `;`: the longest legacy name the text starts with.
    (1..=name_len).rev().find_map(|len| {
        let name = &s[1..1 + len];
        LEGACY.binary_search(&name).ok()?;
        Some((len + 1, named(name)?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_table_is_sorted_for_binary_search() {
        assert!(
            ENTITIES.windows(2).all(|w| w[0].0 < w[1].0),
            "ENTITIES must stay sorted"
        );
        assert!(
            LEGACY.windows(2).all(|w| w[0] < w[1]),
            "LEGACY must stay sorted"
        );
        assert!(LEGACY
            .iter()
            .all(|n| ENTITIES.iter().any(|(name, _)| name == n)));
    }

    #[test]
    fn entities_decode() {
        let dec = |s: &str| decode_entity(s).map(|(n, d)| (n, d.as_str().to_string()));
        assert_eq!(dec("&amp; x"), Some((5, "&".into())));
        assert_eq!(dec("&#8217;s"), Some((7, "’".into())));
        assert_eq!(dec("&#x2019;s"), Some((8, "’".into())));
        assert_eq!(dec("&#X41"), Some((5, "A".into())));
        assert_eq!(dec("&nbsp;"), Some((6, " ".into())));
        assert_eq!(dec("&#xFFFFFFFF;"), Some((12, "\u{FFFD}".into())));
        assert_eq!(dec("& x"), None);
        assert_eq!(dec("&amp"), Some((4, "&".into())));
        assert_eq!(dec("&amp E"), Some((4, "&".into())));
        assert_eq!(dec("&copyright"), Some((5, "©".into())));
        assert_eq!(dec("&trade x"), None, "not a legacy name: needs its `;`");
        assert_eq!(
            dec("&#99999999999999999999; C"),
            Some((23, "\u{FFFD}".into()))
        );
        assert_eq!(dec("&#xFFFFFFFFFF;"), Some((14, "\u{FFFD}".into())));
        assert_eq!(dec("&#xD800;"), Some((8, "\u{FFFD}".into())));
        assert_eq!(dec("&#x80;"), Some((6, "€".into())));
        assert_eq!(dec("&#150;"), Some((6, "–".into())));
        assert_eq!(dec("&unknown;"), None);
        assert_eq!(dec("&#;"), None);
    }

    #[test]
    fn markup_scanning() {
        let scan = |s: &str| Tags::new(s).scan(0);
        let m = scan("<a href=\"x>y\">t</a>").unwrap();
        assert_eq!(m.end, 14);
        assert!(matches!(m.kind, Kind::Start { .. }));
        assert_eq!(Tags::new("a < b").scan(2), None);
        assert_eq!(scan("<3 <b"), None);
        assert_eq!(scan("<b"), None, "unclosed tag at the end is text");
        assert_eq!(scan("<!-- open").unwrap().end, 9);
        let m = scan("<br/>").unwrap();
        assert!(matches!(
            m.kind,
            Kind::Start {
                self_closing: true,
                ..
            }
        ));
        // An unterminated quote falls back to the first `>`.
        assert_eq!(scan("<a title=\"x>y").unwrap().end, 12);
    }
}
