//! Closed sets of words that huzhu stores and sends as text: statuses,
//! origins, roles… Each is an enum, so that a misspelt word cannot compile,
//! and each word has one spelling, the same in the database and in JSON.

/// A word that is not one of the set it was read as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {word:?}")]
pub struct UnknownWord {
    /// What was read, e.g. `"need status"`.
    pub what: &'static str,
    /// The text as it was given.
    pub word: String,
}

/// Defines an enum whose variants are spelt as the given words: `ALL`,
/// `as_str`, `FromStr` (exact spelling only), `Display`, and serde in the
/// same spelling.
///
/// ```text
/// words! {
///     /// Where a match comes from.
///     pub enum MatchOrigin("match origin") {
///         Claim = "claim",
///         Round = "round",
///     }
/// }
/// ```
macro_rules! words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident($what:literal) {
            $($(#[$variant_meta:meta])* $variant:ident = $word:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        $vis enum $name {
            $($(#[$variant_meta])* #[serde(rename = $word)] $variant,)+
        }

        impl $name {
            /// Every value, in the order they are declared.
            pub const ALL: [Self; [$($word),+].len()] = [$(Self::$variant),+];

            /// The spelling stored in the database and sent in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::vocabulary::UnknownWord;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| $crate::domain::vocabulary::UnknownWord {
                        what: $what,
                        word: s.to_owned(),
                    })
            }
        }
    };
}

pub(crate) use words;

#[cfg(test)]
mod tests {
    words! {
        /// A test set.
        enum Colour("colour") {
            Red = "red",
            /// Spelt differently from its name.
            DarkBlue = "dark-blue",
        }
    }

    #[test]
    fn every_word_reads_back_as_itself_in_text_and_json() {
        assert_eq!(Colour::ALL, [Colour::Red, Colour::DarkBlue]);
        for c in Colour::ALL {
            assert_eq!(c.as_str().parse::<Colour>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            assert_eq!(format!("{c:>10}"), format!("{:>10}", c.as_str()));
            let json = serde_json::to_string(&c).expect("serializes");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Colour>(&json).expect("parses"), c);
        }
    }

    #[test]
    fn other_spellings_are_refused_with_what_was_read() {
        let e = "Red".parse::<Colour>().expect_err("case matters");
        assert_eq!(e.to_string(), "unknown colour \"Red\"");
        assert!(" red".parse::<Colour>().is_err());
        assert!(serde_json::from_str::<Colour>("\"blue\"").is_err());
    }
}
