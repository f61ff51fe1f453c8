//! Word tokenisation in the CoNLL-2003 style that the NER models are trained
//! on: punctuation split off, possessive `'s` and `n't` separate, while
//! abbreviations ("U.S.", "Mr."), numbers ("12,000", "3.5") and hyphenated
//! names ("Jong-un") stay whole. Web addresses are one token; invisible
//! format characters (byte order mark, zero-width space) are skipped like
//! whitespace. Tokens never contain whitespace, so every span built from
//! them starts and ends on text.

use crate::text::Span;

/// A token is a byte span into the document text.
pub type Token = Span;

/// Abbreviations that keep their full stop (compared case-sensitively,
/// without the stop). Single capital letters (initials) are handled apart.
#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "Adm", "Apr", "Aug", "Brig", "Capt", "Cmdr", "Co", "Col", "Corp", "Dec", "Dept", "Dr", "Feb",
    "Fig", "Fr", "Gen", "Gov", "Inc", "Jan", "Jr", "Jul", "Jun", "Lt", "Ltd", "Maj", "Mar", "Messrs",
    "Mr", "Mrs", "Ms", "Mt", "No", "Nov", "Oct", "Prof", "Rep", "Rev", "Sen", "Sep", "Sept", "Sgt",
    "Sr", "St", "Supt", "approx", "cf", "e.g", "etc", "i.e", "vs",
];

/// Splits `text` into tokens, appending them to `out` (cleared first), so a
/// caller can reuse one buffer across documents.
pub fn tokenize_into(text: &str, out: &mut Vec<Token>) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = char_at(text, i);
        let width = c.len_utf8();
        if c.is_whitespace() || is_invisible(c) {
            i += width;
        } else if let Some(len) = url_len(&text[i..]) {
            out.push(Span::new(i, i + len));
            i += len;
        } else if c.is_alphanumeric() {
            i = word(text, i, out);
        } else {
            if let Some(len) = standalone_possessive(text, i) {
                out.push(Span::new(i, i + len));
                i += len;
                continue;
            }
            // Runs of the same mark ("...", "--", "!!") are one token.
            let mut end = i + width;
            if matches!(c, '.' | '-' | '!' | '?' | '*' | '=' | '_') {
                while end < bytes.len() && char_at(text, end) == c {
                    end += width;
                }
            }
            out.push(Span::new(i, end));
            i = end;
        }
    }
}

/// Convenience wrapper around [`tokenize_into`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    tokenize_into(text, &mut out);
    out
}

/// Scans a word starting at `start`, pushes its token(s), returns the end.
fn word(text: &str, start: usize, out: &mut Vec<Token>) -> usize {
    let bytes = text.as_bytes();
    let mut end = start + char_at(text, start).len_utf8();
    let mut has_dot = false;
    while end < bytes.len() {
        let c = char_at(text, end);
        if c.is_alphanumeric() || is_combining(c) {
            end += c.len_utf8();
            continue;
        }
        let next_at = end + c.len_utf8();
        let Some(next) = text[next_at..].chars().next() else {
            break;
        };
        let prev = text[..end].chars().next_back().unwrap_or(' ');
        let joins = match c {
            '-' | '&' | '\'' | '’' | '_' | '@' => next.is_alphanumeric(),
            '.' => next.is_alphanumeric() && !(prev.is_lowercase() && next.is_uppercase()),
            ',' | ':' | '/' => prev.is_ascii_digit() && next.is_ascii_digit(),
            _ => false,
        };
        if !joins {
            break;
        }
        has_dot |= c == '.';
        end = next_at;
    }
    // A trailing full stop belongs to abbreviations and initials.
    if end < bytes.len() && bytes[end] == b'.' && is_abbreviation(&text[start..end], has_dot) {
        end += 1;
    }
    split_clitics(text, start, end, out);
    end
}

/// Length of a possessive written apart ("Korea 's" in CoNLL text) at `i`.
fn standalone_possessive(text: &str, i: usize) -> Option<usize> {
    let rest = &text[i..];
    let quote = rest.chars().next()?;
    if quote != '\'' && quote != '’' {
        return None;
    }
    let after = &rest[quote.len_utf8()..];
    let mut chars = after.chars();
    let s = chars.next()?;
    let follows = chars.next();
    ((s == 's' || s == 'S') && !follows.is_some_and(char::is_alphanumeric))
        .then(|| quote.len_utf8() + 1)
}

fn is_abbreviation(word: &str, has_dot: bool) -> bool {
    if has_dot && word.chars().any(char::is_alphabetic) {
        return true; // "U.S", "a.m", "e.g"
    }
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase(); // initials: "J. R. R. Tolkien"
    }
    ABBREVIATIONS.contains(&word)
}

/// Pushes `start..end`, with a final `'s`, `’s` or `n't` as a token of its own.
fn split_clitics(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    let w = &text[start..end];
    let split = ["'s", "’s", "'S", "’S"]
        .iter()
        .find(|s| w.len() > s.len() && w.ends_with(*s))
        .map(|s| end - s.len())
        .or_else(|| {
            ["n't", "n’t", "N'T"]
                .iter()
                .find(|s| w.len() > s.len() && w.ends_with(*s))
                .map(|s| end - s.len())
        });
    match split {
        Some(at) => {
            out.push(Span::new(start, at));
            out.push(Span::new(at, end));
        }
        None => out.push(Span::new(start, end)),
    }
}

#[inline]
fn char_at(text: &str, i: usize) -> char {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        b as char
    } else {
        text[i..].chars().next().unwrap_or(' ')
    }
}

/// Combining marks and joiners continue the word they follow.
fn is_combining(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x00AD | 0x200C | 0x200D)
}

/// Format characters that are neither text nor whitespace (a byte order
/// mark, zero-width spaces, direction marks, variation selectors): skipped
/// like whitespace, so they never become tokens or start a sentence.
fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0xFEFF | 0x200B | 0x200E | 0x200F | 0x2060 | 0x202A..=0x202E | 0x2066..=0x2069 | 0xFE00..=0xFE0F)
}

/// Length of a web address at the start of `s` (`https://...`, `www....`),
/// which stays one token instead of a dozen pieces; punctuation that ends
/// the sentence around it is not part of it.
fn url_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let scheme = if b.len() > 8
        && (b[..8].eq_ignore_ascii_case(b"https://") || b[..7].eq_ignore_ascii_case(b"http://"))
    {
        true
    } else {
        b.len() > 5 && b[..4].eq_ignore_ascii_case(b"www.") && b[4].is_ascii_alphanumeric()
    };
    if !scheme {
        return None;
    }
    let end = s
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”' | '«' | '»'))
        .unwrap_or(s.len());
    let url = s[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '\'', '’']);
    // A closing bracket stays when the address opened one: `.../Kursk_(region)`.
    let url = match s[url.len()..end].chars().next() {
        Some(')') if url.matches('(').count() > url.matches(')').count() => &s[..url.len() + 1],
        _ => url,
    };
    (url.len() > 8 || !url.contains("://")).then_some(url.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|s| s.slice(text)).collect()
    }

    #[test]
    fn news_tokens() {
        assert_eq!(
            words("The U.S. sent 12,000 troops, Mr. Kim's aides said."),
            [
                "The", "U.S.", "sent", "12,000", "troops", ",", "Mr.", "Kim", "'s", "aides",
                "said", "."
            ]
        );
        assert_eq!(
            words("Kim Jong-un didn't go..."),
            ["Kim", "Jong-un", "did", "n't", "go", "..."]
        );
        assert_eq!(
            words("“Pyongyang’s move” (KCNA)"),
            ["“", "Pyongyang", "’s", "move", "”", "(", "KCNA", ")"]
        );
        assert_eq!(
            words("3.5 per cent on 1996-08-22"),
            ["3.5", "per", "cent", "on", "1996-08-22"]
        );
        assert_eq!(words("end.Next"), ["end", ".", "Next"]);
        assert_eq!(
            words("See https://example.org/a_b?x=1, (www.bbc.co.uk/news). Done"),
            [
                "See",
                "https://example.org/a_b?x=1",
                ",",
                "(",
                "www.bbc.co.uk/news",
                ")",
                ".",
                "Done"
            ]
        );
        assert_eq!(
            words("\u{FEFF}Kim\u{200B} met Pu\u{00AD}tin"),
            ["Kim", "met", "Pu\u{00AD}tin"]
        );
        assert_eq!(words("http:// www."), ["http", ":", "/", "/", "www", "."]);
    }

    #[test]
    fn conll_tokens_survive() {
        let line = "EU rejects German call to boycott British lamb .";
        assert_eq!(words(line), line.split(' ').collect::<Vec<_>>());
        let line = "S. Korea 's Yonhap said on Wednesday -- 1,000 fighters ' arrived ' .";
        assert_eq!(words(line), line.split(' ').collect::<Vec<_>>());
    }
}
