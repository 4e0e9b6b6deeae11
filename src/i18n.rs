//! The two languages every person-facing text comes in, and the language of
//! the request being served.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// A language huzhu speaks. Simplified Chinese is the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// Parses a stored or submitted locale tag (`zh-CN`, `zh`, `en`, `en-GB`…).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Self::ZhCn),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring q-values; anything unreadable falls back to zh-CN.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let mut best: Option<(f32, Self)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(locale) = pieces.next().and_then(Self::parse) else {
                continue;
            };
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, locale));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

/// A locale tag as [`Locale::parse`] reads it; stored locales are read so.
impl std::str::FromStr for Locale {
    type Err = UnknownLocale;

    fn from_str(tag: &str) -> Result<Self, Self::Err> {
        Self::parse(tag).ok_or_else(|| UnknownLocale(tag.to_owned()))
    }
}

/// A tag of a language huzhu does not speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown locale {0:?}")]
pub struct UnknownLocale(pub String);

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The cookie that remembers the language a visitor picked on a page
/// (anonymous visitors; a logged-in person's choice is their account's).
pub const LOCALE_COOKIE: &str = "huzhu_lang";

tokio::task_local! {
    static REQUEST_LOCALE: Locale;
}

/// Runs `fut` with `locale` as the language of everything it renders.
pub async fn with_locale<F: Future>(locale: Locale, fut: F) -> F::Output {
    REQUEST_LOCALE.scope(locale, fut).await
}

/// The language of the request being served (zh-CN outside of one).
pub fn current() -> Locale {
    REQUEST_LOCALE.try_with(|l| *l).unwrap_or_default()
}

/// A text a person reads, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Text {
    pub const fn fixed(zh: &'static str, en: &'static str) -> Self {
        Self {
            zh: Cow::Borrowed(zh),
            en: Cow::Borrowed(en),
        }
    }

    pub fn owned(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: Cow::Owned(zh.into()),
            en: Cow::Owned(en.into()),
        }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::ZhCn => &self.zh,
            Locale::En => &self.en,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_supported_q_value() {
        let cases = [
            (None, Locale::ZhCn),
            (Some("en"), Locale::En),
            (Some("en-US,en;q=0.9"), Locale::En),
            (Some("fr, en;q=0.5, zh-CN;q=0.8"), Locale::ZhCn),
            (Some("de, en;q=0.3"), Locale::En),
            (Some("en;q=0, zh"), Locale::ZhCn),
            (Some(";;;,,q=x"), Locale::ZhCn),
        ];
        for (header, expected) in cases {
            assert_eq!(Locale::from_accept_language(header), expected, "{header:?}");
        }
    }
}
