//! Which methods each documented path answers, read from the OpenAPI document
//! itself, so a request with another method gets 405 with `Allow` (not the SPA,
//! not a 404) and the list can never drift from the routes' docs.

use std::sync::OnceLock;

struct Template {
    segments: Vec<Option<String>>,
    methods: Vec<&'static str>,
}

fn templates() -> &'static [Template] {
    static ALL: OnceLock<Vec<Template>> = OnceLock::new();
    ALL.get_or_init(|| {
        super::shared()
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segments = path
                    .trim_start_matches('/')
                    .split('/')
                    .map(|s| (!(s.starts_with('{') && s.ends_with('}'))).then(|| s.to_string()))
                    .collect();
                let mut methods = Vec::new();
                for (op, name) in [
                    (&item.get, "GET"),
                    (&item.put, "PUT"),
                    (&item.post, "POST"),
                    (&item.delete, "DELETE"),
                    (&item.patch, "PATCH"),
                ] {
                    if op.is_some() {
                        methods.push(name);
                    }
                }
                Template { segments, methods }
            })
            .collect()
    })
}

/// The methods of the documented path that `path` is an instance of; `None`
/// when no documented path matches (a literal segment beats a parameter).
pub fn allowed(path: &str) -> Option<Vec<&'static str>> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(usize, &Template)> = None;
    for t in templates() {
        if t.segments.len() != parts.len() {
            continue;
        }
        let fits = t.segments.iter().zip(&parts).all(|(seg, part)| match seg {
            Some(literal) => literal == part,
            None => !part.is_empty(),
        });
        if fits {
            let literals = t.segments.iter().filter(|s| s.is_some()).count();
            if best.is_none_or(|(n, _)| literals > n) {
                best = Some((literals, t));
            }
        }
    }
    best.map(|(_, t)| t.methods.clone())
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn documented_paths_answer_with_their_methods() {
        assert_eq!(allowed("/readyz"), Some(vec!["GET"]));
        assert_eq!(allowed("/api/v1/me"), Some(vec!["GET"]));
        assert_eq!(allowed("/api/v1/enterprises/abc"), Some(vec!["GET", "PATCH"]));
        // A literal segment wins over a parameter.
        assert_eq!(allowed("/api/v1/sessions/current"), Some(vec!["DELETE"]));
        assert_eq!(allowed("/api/v1/sessions/xyz"), Some(vec!["DELETE"]));
        assert_eq!(allowed("/api/v1/nothing-here"), None);
        assert_eq!(allowed("/api/v1/enterprises//users"), None);
    }
}
