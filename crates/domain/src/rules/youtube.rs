//! YouTube links: which ones name a video, and its id.

/// The id of the video a YouTube link names: a watch page (`youtube.com/watch?v=…`, also on
/// `m.` and `music.`), a short (`/shorts/…`), an embed (`/embed/…`, also on
/// `youtube-nocookie.com`), a live page (`/live/…`) or a `youtu.be/…` link; `http` or
/// `https`. `None` for anything else, including a link whose id is not 11 characters of
/// letters, digits, `-` and `_`.
#[must_use]
pub fn video_id(link: &str) -> Option<String> {
    let link = link.trim();
    let rest = link
        .strip_prefix("https://")
        .or_else(|| link.strip_prefix("http://"))?;
    let (authority, path_and_query) = match rest.find(['/', '?', '#']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    // No credentials, and an explicit port only if it is the scheme's own.
    if authority.contains('@') {
        return None;
    }
    let host = authority
        .strip_suffix(":443")
        .or_else(|| authority.strip_suffix(":80"))
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let (path, query) = match path_and_query.split_once('?') {
        Some((path, query)) => (path, query.split('#').next().unwrap_or_default()),
        None => (path_and_query.split('#').next().unwrap_or_default(), ""),
    };
    let id = match host.as_str() {
        "youtu.be" | "www.youtu.be" => path.strip_prefix('/')?.split('/').next()?,
        "youtube.com" | "www.youtube.com" | "m.youtube.com" | "music.youtube.com" => {
            if path == "/watch" || path == "/watch/" {
                query.split('&').find_map(|pair| pair.strip_prefix("v="))?
            } else {
                after_prefix(path, &["/shorts/", "/embed/", "/live/", "/v/"])?
            }
        }
        "youtube-nocookie.com" | "www.youtube-nocookie.com" => after_prefix(path, &["/embed/"])?,
        _ => return None,
    };
    is_video_id(id).then(|| id.to_owned())
}

/// The path's first segment after one of `prefixes`.
fn after_prefix<'a>(path: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes
        .iter()
        .find_map(|prefix| path.strip_prefix(prefix))
        .and_then(|rest| rest.split('/').next())
}

/// Whether `id` has the shape of a video id.
fn is_video_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_video_link_gives_its_id() {
        for link in [
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com/watch?feature=share&v=dQw4w9WgXcQ&t=42s",
            "http://m.youtube.com/watch?v=dQw4w9WgXcQ#comments",
            "https://music.youtube.com/watch?v=dQw4w9WgXcQ&list=RD",
            "https://www.youtube.com/shorts/dQw4w9WgXcQ",
            "https://www.youtube.com/embed/dQw4w9WgXcQ?start=10",
            "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            "https://www.youtube.com/live/dQw4w9WgXcQ?si=abc",
            "https://youtu.be/dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ?t=30",
            "https://WWW.YOUTUBE.COM:443/watch?v=dQw4w9WgXcQ",
            "  https://youtu.be/dQw4w9WgXcQ  ",
        ] {
            assert_eq!(video_id(link).as_deref(), Some("dQw4w9WgXcQ"), "{link}");
        }
    }

    #[test]
    fn other_links_name_no_video() {
        for link in [
            "https://www.youtube.com/",
            "https://www.youtube.com/watch",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQX",
            "https://www.youtube.com/watch?v=dQw4w9WgX%63Q",
            "https://www.youtube.com/channel/UC38IQsAvIsxxjztdMZQtwHA",
            "https://www.youtube.com/playlist?list=PL590L5WQmH8fJ54F369BLDSqIwcs-TCfs",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "https://evil.example/youtu.be/dQw4w9WgXcQ",
            "https://user@youtube.com/watch?v=dQw4w9WgXcQ",
            "https://youtube.com:8080/watch?v=dQw4w9WgXcQ",
            "ftp://youtube.com/watch?v=dQw4w9WgXcQ",
            "youtube.com/watch?v=dQw4w9WgXcQ",
            "https://vimeo.com/76979871",
            "",
        ] {
            assert_eq!(video_id(link), None, "{link}");
        }
    }
}
