//! Text fetched in another encoding, made UTF-8: many pages (old course sites above all) are
//! still served as Windows-1252 or ISO-8859-1, and everything after the fetch reads UTF-8.

use encoding_rs::{Encoding, UTF_8};

/// How far into an HTML page a `<meta charset>` is looked for, as browsers do.
const META_WINDOW: usize = 1024;

/// `bytes` of `content_type` as UTF-8, with the charset now true of them: the encoding is
/// the byte-order mark's, else the declared `charset`'s, else (for HTML) a `<meta>`'s; text
/// already in UTF-8, or that says nothing, is left as it is. Bytes that are not text are
/// never touched.
pub(super) fn to_utf8(
    content_type: Option<&str>,
    charset: Option<String>,
    bytes: Vec<u8>,
) -> (Option<String>, Vec<u8>) {
    let Some(content_type) = content_type.filter(|t| is_text(t)) else {
        return (charset, bytes);
    };
    let encoding = Encoding::for_bom(&bytes)
        .map(|(encoding, _)| encoding)
        .or_else(|| {
            charset
                .as_deref()
                .and_then(|c| Encoding::for_label(c.as_bytes()))
        })
        .or_else(|| {
            (content_type == "text/html" || content_type == "application/xhtml+xml")
                .then(|| meta_charset(&bytes))
                .flatten()
        });
    match encoding {
        Some(encoding) if encoding != UTF_8 => {
            let (text, _, _) = encoding.decode(&bytes);
            (Some("utf-8".to_owned()), text.into_owned().into_bytes())
        }
        Some(_) => {
            // UTF-8 already: only a byte-order mark to drop.
            let (text, _) = UTF_8.decode_with_bom_removal(&bytes);
            (Some("utf-8".to_owned()), text.into_owned().into_bytes())
        }
        None => (charset, bytes),
    }
}

fn is_text(content_type: &str) -> bool {
    content_type.starts_with("text/") || content_type == "application/xhtml+xml"
}

/// The encoding a page's `<meta charset="…">` or `<meta http-equiv="Content-Type"
/// content="…; charset=…">` names in its first kibibyte.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let window = &bytes[..bytes.len().min(META_WINDOW)];
    let head = String::from_utf8_lossy(window).to_ascii_lowercase();
    let at = head.find("charset=")? + "charset=".len();
    let label: String = head[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        .collect();
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_latin1_page_becomes_utf8() {
        let (charset, bytes) = to_utf8(
            Some("text/html"),
            Some("iso-8859-1".to_owned()),
            b"<p>Caf\xe9 na\xefve</p>".to_vec(),
        );
        assert_eq!(charset.as_deref(), Some("utf-8"));
        assert_eq!(String::from_utf8(bytes).unwrap(), "<p>Café naïve</p>");
    }

    #[test]
    fn a_meta_charset_is_read_when_the_server_says_nothing() {
        let page = b"<html><head><meta charset=\"windows-1252\"></head><p>\x93quoted\x94</p>";
        let (_, bytes) = to_utf8(Some("text/html"), None, page.to_vec());
        assert!(String::from_utf8(bytes).unwrap().contains("“quoted”"));
        let old = b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=ISO-8859-1\"><p>\xe9t\xe9</p>";
        let (_, bytes) = to_utf8(Some("text/html"), None, old.to_vec());
        assert!(String::from_utf8(bytes).unwrap().contains("été"));
    }

    #[test]
    fn utf8_and_binaries_are_left_alone() {
        let text = "Zürich".as_bytes().to_vec();
        assert_eq!(to_utf8(Some("text/plain"), None, text.clone()).1, text);
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), "Zürich".as_bytes()].concat();
        assert_eq!(to_utf8(Some("text/plain"), None, with_bom).1, text);
        let pdf = b"%PDF-1.7\n\xe9\xff".to_vec();
        assert_eq!(
            to_utf8(Some("application/pdf"), Some("latin1".into()), pdf.clone()).1,
            pdf
        );
    }
}
