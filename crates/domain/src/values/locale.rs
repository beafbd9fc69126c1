use super::InvalidValue;

/// A locale as a BCP 47 language tag of a language and optional subtags (`en-US`, `de-DE`,
/// `pt-BR`, `zh-Hant-TW`): what orders day and month in a numeric date a student's text
/// leaves ambiguous. Kept in its usual case: the language lower, a region upper, a script
/// capitalized.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Locale(String);

impl Locale {
    /// The longest tag accepted, in characters.
    pub const MAX_CHARS: usize = 35;

    /// `en-US`, the locale of a student who has not chosen one.
    #[must_use]
    pub fn en_us() -> Self {
        Self("en-US".to_owned())
    }

    /// Reads a tag; `_` is taken for `-` (`en_GB`).
    ///
    /// # Errors
    ///
    /// When it is not a language of 2 or 3 letters followed by subtags of 1 to 8 letters or
    /// digits, or is longer than 35 characters.
    pub fn parse(tag: &str) -> Result<Self, InvalidValue> {
        let tag = tag.trim();
        let refused = || {
            InvalidValue::new(format!(
                "{:?} is not a locale: write a language tag such as en-US, en-GB or de-DE",
                tag.chars().take(40).collect::<String>()
            ))
        };
        if tag.is_empty() || tag.chars().count() > Self::MAX_CHARS {
            return Err(refused());
        }
        let mut parts = tag.split(['-', '_']);
        let language = parts.next().unwrap_or_default();
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(refused());
        }
        let mut normalized = language.to_ascii_lowercase();
        for part in parts {
            if part.is_empty() || part.len() > 8 || !part.chars().all(|c| c.is_ascii_alphanumeric())
            {
                return Err(refused());
            }
            normalized.push('-');
            let is_region = part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic());
            let is_script = part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic());
            if is_region {
                normalized.push_str(&part.to_ascii_uppercase());
            } else if is_script {
                normalized.push_str(&part[..1].to_ascii_uppercase());
                normalized.push_str(&part[1..].to_ascii_lowercase());
            } else {
                normalized.push_str(&part.to_ascii_lowercase());
            }
        }
        Ok(Self(normalized))
    }

    /// The tag.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The tag, owned.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_kept_in_their_usual_case() {
        assert_eq!(Locale::parse("en-us").unwrap().as_str(), "en-US");
        assert_eq!(Locale::parse(" de_DE ").unwrap().as_str(), "de-DE");
        assert_eq!(Locale::parse("zh-hant-tw").unwrap().as_str(), "zh-Hant-TW");
        assert_eq!(Locale::parse("es-419").unwrap().as_str(), "es-419");
        assert_eq!(Locale::parse("fr").unwrap().as_str(), "fr");
    }

    #[test]
    fn what_is_no_tag_is_refused() {
        for tag in [
            "",
            "e",
            "english",
            "en-",
            "en--US",
            "en-US!",
            "12-US",
            "en-abcdefghi",
        ] {
            assert!(Locale::parse(tag).is_err(), "{tag:?}");
        }
        assert!(Locale::parse(&format!("en-{}", "-ab".repeat(12))).is_err());
    }
}
