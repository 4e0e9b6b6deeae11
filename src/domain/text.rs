//! Which characters a text people type may hold. Every free-text field
//! (needs, households, accounts, region names, notes, and the same fields
//! in imports) goes through [`clean_text`], so one rule holds everywhere.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::i18n::Text;

/// How a text is shown: on one line, or as lines of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// Titles and names: shown in lists, headings and email subjects.
    One,
    /// Descriptions and notes: shown as paragraphs.
    Many,
}

/// Trims `text` and checks its characters; a multi-line text comes back with
/// each line break written `\n`.
///
/// Multi-line texts keep line breaks and tabs: every browser sends a
/// `<textarea>` with `\r\n`, and pasted tables bring tabs. Other control
/// characters (Unicode Cc) are refused in every text: they do nothing a
/// reader sees but can break the pages, exports and emails they end up in.
/// One-line texts also refuse line breaks and tabs, and the invisible
/// format characters (Unicode Cf: direction overrides and isolates,
/// zero-width spaces and joiners, the byte-order mark…), with which a name
/// or title could show as something else than it is in a page or an email.
pub fn clean_text(text: &str, lines: Lines) -> Result<String, Text> {
    let text = text.trim();
    match lines {
        Lines::Many => {
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                return Err(Text::fixed(
                    "不能包含控制字符（换行和制表符除外）",
                    "This text cannot contain control characters other than line breaks and tabs",
                ));
            }
            Ok(text)
        }
        Lines::One => {
            // U+2028 and U+2029 break lines too, without being control characters.
            if text
                .chars()
                .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'))
            {
                return Err(Text::fixed(
                    "不能包含换行、制表符或其他控制字符",
                    "This text cannot contain line breaks, tabs or other control characters",
                ));
            }
            if text
                .chars()
                .any(|c| c.general_category() == GeneralCategory::Format)
            {
                return Err(Text::fixed(
                    "不能包含不可见的格式字符（如文字方向控制符、零宽字符）",
                    "This text cannot contain invisible format characters \
                     (such as direction overrides or zero-width spaces)",
                ));
            }
            Ok(text.to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_line_texts_keep_tabs_and_write_every_line_break_as_a_newline() {
        let cases = [
            (
                "第一行\r\n第二行\r第三行\n第四行",
                "第一行\n第二行\n第三行\n第四行",
            ),
            ("数量\t2 袋", "数量\t2 袋"),
            ("  前后空白  \r\n", "前后空白"),
        ];
        for (text, kept) in cases {
            assert_eq!(
                clean_text(text, Lines::Many).as_deref(),
                Ok(kept),
                "{text:?}"
            );
        }
    }

    #[test]
    fn multi_line_texts_refuse_other_control_characters() {
        for text in [
            "响\u{7}铃",
            "空\u{0}字符",
            "换\u{c}页",
            "下\u{85}一行",
            "删\u{7f}除",
        ] {
            let err = clean_text(text, Lines::Many).expect_err(text);
            assert!(err.en.contains("control"), "{text:?}");
        }
    }

    #[test]
    fn one_line_texts_refuse_breaks_controls_and_invisible_format_characters() {
        let cases = [
            ("两\n行", "control"),
            ("两\r\n行", "control"),
            ("制\t表", "control"),
            ("行\u{2028}分隔", "control"),
            ("张三\u{202e}gnp.exe", "format"),
            ("李\u{2066}四\u{2069}", "format"),
            ("王\u{200b}五", "format"),
            ("赵\u{200d}六", "format"),
            ("\u{feff}孙七", "format"),
            ("周\u{2060}八", "format"),
            ("软\u{ad}连字符", "format"),
            ("标签\u{e0041}", "format"),
        ];
        for (text, reason) in cases {
            let err = clean_text(text, Lines::One).expect_err(text);
            assert!(err.en.contains(reason), "{text:?}: {}", err.en);
            assert!(!err.zh.contains(text) && !err.en.contains(text));
        }
    }

    #[test]
    fn ordinary_names_and_titles_pass_trimmed() {
        for (text, kept) in [
            (" 张三 ", "张三"),
            ("Zoë O'Brien-Łukasz", "Zoë O'Brien-Łukasz"),
            ("代买米面（10 斤）", "代买米面（10 斤）"),
            ("👍🏽 帮忙", "👍🏽 帮忙"),
        ] {
            assert_eq!(clean_text(text, Lines::One).as_deref(), Ok(kept));
        }
    }
}
