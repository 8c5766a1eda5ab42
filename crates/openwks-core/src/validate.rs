//! Field rules shared by several resources: names, tags, enums, ranges.

use crate::error::{Error, Reason, Result};

/// A character of a server-group or app-group name: an ASCII letter or digit, a CJK unified
/// ideograph (U+4E00–U+9FA5), `_` or `-` — the vendor's pattern
/// `[\w\u4e00-\u9fa5\u002d_]` (Java's `\w` is ASCII) and its text "中文,英文大小写,数字,_-".
fn name_char_ok(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('\u{4e00}'..='\u{9fa5}').contains(&c) || c == '_' || c == '-'
}

/// Server-group and app-group names: 1–64 characters of ASCII letters, digits, Chinese
/// characters, `_` and `-`; no spaces (seeds, create-server-group Table 3, create-app-group
/// Table 3: "letters, digits, underscores and hyphens"; the vendor's definitions say which
/// letters).
pub fn check_name(field: &str, name: &str) -> Result<()> {
    let len = name.chars().count();
    if len == 0 || len > 64 {
        return Err(Error::invalid(
            Reason::InvalidName,
            format!("{field} must be 1 to 64 characters long, got {len}"),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !name_char_ok(*c)) {
        let what = if bad.is_whitespace() {
            "spaces are not allowed".to_string()
        } else {
            format!("character {bad:?} is not allowed")
        };
        return Err(Error::invalid(
            Reason::InvalidName,
            format!("{field} may contain only ASCII letters, digits, Chinese characters, '_' and '-': {what}"),
        ));
    }
    Ok(())
}

/// Free text (descriptions, paths, command lines, display names): `lo`–`hi` characters and no
/// control character (C0, DEL, C1 — a NUL, a line break, an escape), whatever the backend would
/// store. Refused with `code` and a message that names the field.
pub fn check_text(
    field: &str,
    v: &str,
    lo: usize,
    hi: usize,
    code: crate::error::Reason,
) -> Result<()> {
    let n = v.chars().count();
    if n < lo || n > hi {
        let range = if lo == 0 {
            format!("at most {hi}")
        } else {
            format!("{lo} to {hi}")
        };
        return Err(Error::invalid(
            code,
            format!("{field} must be {range} characters long, got {n}"),
        ));
    }
    if let Some(c) = v.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(
            code,
            format!(
                "{field} must not contain control characters (found U+{:04X})",
                c as u32
            ),
        ));
    }
    Ok(())
}

/// Whether `name` passes [`check_name`].
pub fn is_valid_name(name: &str) -> bool {
    check_name("name", name).is_ok()
}

/// Check that `value` is one of `allowed` (exact, case-sensitive: the SDK maps unknown enum
/// values to an empty object, so only listed values may be stored and emitted).
pub fn check_enum<'a>(field: &str, value: &str, allowed: &[&'a str]) -> Result<&'a str> {
    allowed
        .iter()
        .find(|a| **a == value)
        .copied()
        .ok_or_else(|| {
            Error::invalid(
                Reason::InvalidEnum,
                format!(
                    "{field} must be one of {}, got {value:?}",
                    allowed.join(", ")
                ),
            )
        })
}

/// Check `lo <= value <= hi`.
pub fn check_range(field: &str, value: i64, lo: i64, hi: i64) -> Result<i64> {
    if value < lo || value > hi {
        return Err(Error::invalid(
            Reason::OutOfRange,
            format!("{field} must be between {lo} and {hi}, got {value}"),
        ));
    }
    Ok(value)
}

/// A tag, validated.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tag {
    /// Key, 1–128 characters.
    pub key: String,
    /// Value, 0–255 characters.
    pub value: String,
}

fn tag_chars_ok(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "_.:=+-@".contains(c))
}

/// Tag values also take `/` (the vendor's `TmsTag.value` pattern
/// `^([\p{L}\p{Z}\p{N}_.:/=+\-@]{0,255})$`; keys do not).
fn tag_value_chars_ok(s: &str) -> bool {
    s.chars().all(|c| c == '/' || tag_chars_ok(&c.to_string()))
}

/// Maximum number of tags on one resource (seed Table 3, `tags`).
pub const MAX_TAGS: usize = 20;

/// Validate one tag (seed Table 6): key 1–128 characters, value ≤ 255, both of UTF-8 letters,
/// digits, spaces and `_ . : = + - @`; the key may not start or end with a space.
pub fn check_tag(key: Option<&str>, value: Option<&str>) -> Result<Tag> {
    let key = key.ok_or_else(|| Error::invalid(Reason::InvalidTag, "tags[].key is required"))?;
    let value = value.unwrap_or("");
    let klen = key.chars().count();
    if klen == 0 || klen > 128 {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("tag key must be 1 to 128 characters, got {klen}"),
        ));
    }
    if key.starts_with("_sys_") {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("tag key {key:?} may not start with _sys_ (reserved for system tags)"),
        ));
    }
    if key.starts_with(' ') || key.ends_with(' ') {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("tag key {key:?} may not start or end with a space"),
        ));
    }
    if !tag_chars_ok(key) {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("tag key {key:?} may contain only letters, digits, spaces and _ . : = + - @"),
        ));
    }
    let vlen = value.chars().count();
    if vlen > 255 {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("tag value must be at most 255 characters, got {vlen}"),
        ));
    }
    if !tag_value_chars_ok(value) {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!(
                "tag value {value:?} may contain only letters, digits, spaces and _ . : / = + - @"
            ),
        ));
    }
    Ok(Tag {
        key: key.to_string(),
        value: value.to_string(),
    })
}

/// Validate a list of tags given at once: each tag, at most [`MAX_TAGS`], unique keys.
pub fn check_tags<'a>(
    tags: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Result<Vec<Tag>> {
    let mut out: Vec<Tag> = Vec::new();
    for (k, v) in tags {
        let t = check_tag(k, v)?;
        if out.iter().any(|o| o.key == t.key) {
            return Err(Error::invalid(
                Reason::InvalidTag,
                format!("tag key {:?} is given twice", t.key),
            ));
        }
        out.push(t);
    }
    if out.len() > MAX_TAGS {
        return Err(Error::invalid(
            Reason::InvalidTag,
            format!("at most {MAX_TAGS} tags are allowed, got {}", out.len()),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_seed_table() {
        assert!(is_valid_name("sg-01_a"));
        assert!(is_valid_name("服务器组"));
        // Letters are ASCII and Chinese (the vendor's pattern): other scripts are refused.
        assert!(!is_valid_name("Grüße"));
        assert!(!is_valid_name("Ωmega"));
        assert!(is_valid_name("组-1_a"));
        assert!(is_valid_name(&"a".repeat(64)));
        assert!(!is_valid_name(&"a".repeat(65)));
        assert!(!is_valid_name(""));
        assert!(!is_valid_name("APIExplore Test Application Server Group"));
        assert!(!is_valid_name("a.b"));
        let e = check_name("name", "a b").expect_err("space refused");
        assert_eq!(e.code, Reason::InvalidName);
        assert!(e.message.contains("spaces"));
    }

    #[test]
    fn tags_follow_the_seed_table() {
        assert!(check_tag(Some("team"), Some("cad lab@x.y:1=2+3-4_5")).is_ok());
        assert!(check_tag(Some(" team"), None).is_err());
        assert!(check_tag(Some("team "), None).is_err());
        assert!(check_tag(Some(""), None).is_err());
        assert!(check_tag(None, Some("v")).is_err());
        assert!(check_tag(Some(&"k".repeat(129)), None).is_err());
        assert!(check_tag(Some(&"k".repeat(128)), Some(&"v".repeat(255))).is_ok());
        assert!(check_tag(Some("k"), Some(&"v".repeat(256))).is_err());
        assert!(check_tag(Some("k#"), None).is_err());
        // `/` is allowed in values, not in keys.
        assert!(check_tag(Some("path"), Some("a/b/c")).is_ok());
        assert!(check_tag(Some("a/b"), Some("v")).is_err());
        let dup = check_tags([(Some("a"), None), (Some("a"), Some("b"))]);
        assert!(dup.is_err());
        let many: Vec<String> = (0..21).map(|i| format!("k{i}")).collect();
        assert!(check_tags(many.iter().map(|k| (Some(k.as_str()), None))).is_err());
        assert!(check_tags(many.iter().take(20).map(|k| (Some(k.as_str()), None))).is_ok());
    }

    #[test]
    fn free_text_refuses_control_characters() {
        let ok = |v: &str| check_text("description", v, 0, 255, Reason::OutOfRange);
        assert!(ok("").is_ok());
        assert!(ok("第一组 — cad lab: ünïcode & \"quotes\"").is_ok());
        assert!(ok(&"d".repeat(255)).is_ok());
        for bad in [
            "a\0b",
            "line\nbreak",
            "tab\there",
            "esc\u{1b}[0m",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            let e = ok(bad).expect_err(bad);
            assert!(e.message.contains("control characters"), "{}", e.message);
            assert!(e.message.contains("description"), "{}", e.message);
        }
        let e = ok(&"d".repeat(256)).expect_err("too long");
        assert!(e.message.contains("at most 255"), "{}", e.message);
        let e = check_text("execute_path", "", 1, 255, Reason::OutOfRange).expect_err("empty");
        assert!(e.message.contains("1 to 255"), "{}", e.message);
    }

    #[test]
    fn enums_are_exact() {
        assert!(check_enum("os_type", "Windows", &["Linux", "Windows", "Other"]).is_ok());
        assert!(check_enum("os_type", "windows", &["Linux", "Windows", "Other"]).is_err());
    }
}
