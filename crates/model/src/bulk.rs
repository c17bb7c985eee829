//! Bulk Invite's reading of a text file, shared by the server (which runs it)
//! and the SPA (which previews it before sending): one address a line, commas
//! and semicolons also split, blanks ignored, repeats noted with the line
//! where the address first appeared.

use std::collections::HashMap;

/// An address as written, with its line, or a repeat of an earlier line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Address { line: u64, text: String },
    Repeat { line: u64, text: String, first_line: u64 },
}

/// Splits the file; repeats are matched ignoring case and surrounding space.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut first_seen: HashMap<String, u64> = HashMap::new();
    let mut entries = Vec::new();
    for (i, line) in text.trim_start_matches('\u{feff}').lines().enumerate() {
        let line_no = i as u64 + 1;
        for token in line.split([',', ';']).map(str::trim).filter(|t| !t.is_empty()) {
            let key = token.to_lowercase();
            match first_seen.get(&key) {
                Some(&first_line) => entries.push(Entry::Repeat { line: line_no, text: token.into(), first_line }),
                None => {
                    first_seen.insert(key, line_no);
                    entries.push(Entry::Address { line: line_no, text: token.into() });
                }
            }
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_commas_and_semicolons_and_notes_repeats() {
        let entries = parse("\u{feff}a@x.io, b@x.io\n\n  ;c@x.io;\nA@X.io\n");
        assert_eq!(
            entries,
            vec![
                Entry::Address { line: 1, text: "a@x.io".into() },
                Entry::Address { line: 1, text: "b@x.io".into() },
                Entry::Address { line: 3, text: "c@x.io".into() },
                Entry::Repeat { line: 4, text: "A@X.io".into(), first_line: 1 },
            ]
        );
    }
}
