//! Reading an Import CSV: header spellings mapped to profile fields, rows
//! parsed one at a time from the job's input chunks (never the whole file),
//! every cell checked, and a spreadsheet-safe error report.

use std::io::Read;

use muster_model::{validate, Profile};

const LABELS: [&str; 5] = ["First name", "Last name", "Department", "Phone", "Job title"];

/// Where each known column is in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub email: usize,
    pub fields: [Option<usize>; 5],
}

fn column(name: &str) -> Option<Option<usize>> {
    let key: String = name
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "email" | "emailaddress" | "mail" | "workemail" => None,
        "firstname" | "givenname" | "first" | "forename" => Some(0),
        "lastname" | "surname" | "familyname" | "last" => Some(1),
        "department" | "dept" | "team" => Some(2),
        "phone" | "phonenumber" | "telephone" | "mobile" | "tel" => Some(3),
        "jobtitle" | "title" | "position" | "role" => Some(4),
        _ => return None,
    })
}

pub fn header(record: &csv::StringRecord) -> Result<Header, String> {
    let mut email = None;
    let mut fields = [None; 5];
    for (i, name) in record.iter().enumerate() {
        match column(name) {
            Some(None) if email.is_none() => email = Some(i),
            Some(Some(f)) if fields[f].is_none() => fields[f] = Some(i),
            _ => {}
        }
    }
    let email = email.ok_or_else(|| {
        format!(
            "The first row must name the columns, with one called email (found: {}).",
            record.iter().map(|h| format!("“{}”", h.trim_start_matches('\u{feff}'))).collect::<Vec<_>>().join(", ")
        )
    })?;
    Ok(Header { email, fields })
}

/// One data row: `row` counts records as a spreadsheet numbers rows (the header is row 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub row: u64,
    pub email: String,
    /// `Some` where the file has a non-empty cell for the field.
    pub profile: Profile,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Row(Row),
    Error { row: u64, email: String, error: String },
}

/// Parses rows from `input`, calling `batch` with up to `size` rows at a
/// time. Stops with `Err` when the file itself cannot be read (encoding).
pub fn parse<R: Read>(input: R, size: usize, mut batch: impl FnMut(Vec<Parsed>) -> bool) -> Result<u64, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let head = reader.headers().map_err(|e| describe(&e))?.clone();
    let header = header(&head)?;
    let mut record = csv::StringRecord::new();
    let mut rows = Vec::with_capacity(size);
    let mut count = 0u64;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                count += 1;
                let row = record.position().map(|p| p.record() + 1).unwrap_or(count + 1);
                if record.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                rows.push(check(&header, &record, row));
            }
            Err(e) => return Err(describe(&e)),
        }
        if rows.len() == size && !batch(std::mem::replace(&mut rows, Vec::with_capacity(size))) {
            return Ok(count);
        }
    }
    if !rows.is_empty() {
        batch(rows);
    }
    Ok(count)
}

fn describe(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Utf8 { pos, .. } => format!(
            "Row {} is not UTF-8 text; save the file as CSV UTF-8 and upload it again.",
            pos.as_ref().map(|p| p.record() + 1).unwrap_or(0)
        ),
        csv::ErrorKind::Io(io) => format!("The file could not be read: {io}"),
        _ => format!("The file is not valid CSV: {e}"),
    }
}

fn check(header: &Header, record: &csv::StringRecord, row: u64) -> Parsed {
    let raw_email = record.get(header.email).unwrap_or("").trim().to_string();
    let email = match validate::Email::parse(&raw_email) {
        Ok(e) => e.into_inner(),
        Err(error) => return Parsed::Error { row, email: raw_email, error },
    };
    let mut profile = Profile::default();
    for (i, at) in header.fields.iter().enumerate() {
        let Some(cell) = at.and_then(|at| record.get(at)) else { continue };
        // A quoted line break in a profile cell is layout, not content.
        let cell = cell.split(['\r', '\n']).map(str::trim).filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" ");
        match validate::name(Some(&cell), LABELS[i]) {
            Ok(value) => *profile.field_mut(i) = value,
            Err(error) => return Parsed::Error { row, email, error },
        }
    }
    Parsed::Row(Row { row, email, profile })
}

/// Writes a cell so a spreadsheet shows it as text, never runs it as a formula.
pub fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}

/// Reads the job's input chunks, handed over from the async side one at a time.
pub struct ChunkReader {
    pub rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    pub current: Vec<u8>,
    pub pos: usize,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.current.len() {
            match self.rx.blocking_recv() {
                Some(next) => {
                    self.current = next;
                    self.pos = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8]) -> Result<Vec<Parsed>, String> {
        let mut out = Vec::new();
        parse(text, 2, |b| {
            out.extend(b);
            true
        })?;
        Ok(out)
    }

    #[test]
    fn header_spellings_bom_quotes_and_row_numbers() {
        let csv = "\u{feff}E-mail,First Name,Job Title,Shoe size\n\
                   ada@x.io,Ada,\"Countess, mathematician\",38\n\
                   grace@x.io,\"Grace\nHopper\",,\n\
                   nope,Bad,,\n";
        let rows = all(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 3);
        let Parsed::Row(ada) = &rows[0] else { panic!("{rows:?}") };
        assert_eq!((ada.row, ada.email.as_str()), (2, "ada@x.io"));
        assert_eq!(ada.profile.first_name.as_deref(), Some("Ada"));
        assert_eq!(ada.profile.job_title.as_deref(), Some("Countess, mathematician"));
        let Parsed::Row(grace) = &rows[1] else { panic!() };
        assert_eq!(grace.row, 3);
        assert_eq!(grace.profile.first_name.as_deref(), Some("Grace Hopper"));
        assert_eq!(grace.profile.job_title, None, "an empty cell changes nothing");
        assert!(matches!(&rows[2], Parsed::Error { row: 4, .. }));
    }

    #[test]
    fn a_file_without_an_email_column_or_in_latin1_is_refused() {
        assert!(all(b"name,phone\nAda,1\n").unwrap_err().contains("email"));
        assert!(all(b"email,first_name\nada@x.io,Ren\xe9e\n").unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("-1+2"), "'-1+2");
        assert_eq!(spreadsheet_safe("ada@x.io"), "ada@x.io");
    }
}
