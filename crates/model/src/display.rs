//! Times as the console shows them (the SPA renders the API's RFC 3339 strings). Server strings are cut by characters,
//! never by byte index: a slice through a multi-byte character panics, and a
//! wasm panic aborts the whole app.

/// `2026-12-01T10:30:00Z` → `2026-12-01`.
pub fn date(rfc3339: &str) -> String {
    rfc3339.chars().take(10).collect()
}

/// `2026-12-01T10:30:00Z` → `2026-12-01 10:30`.
pub fn date_time(rfc3339: &str) -> String {
    rfc3339.chars().take(16).collect::<String>().replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_cut_by_characters() {
        assert_eq!(date("2026-12-01T10:30:00Z"), "2026-12-01");
        assert_eq!(date_time("2026-12-01T10:30:00Z"), "2026-12-01 10:30");
        // Shorter or odd input is shown as it is, never a panic.
        assert_eq!(date("2026"), "2026");
        assert_eq!(date_time("ünïcödé-tïmé-ßtrïng"), "ünïcödé-tïmé-ßtr");
    }
}
