//! `?limit=&cursor=` of every list route, read once: list handlers take a
//! `Paging` next to their own filters (both read the same query string).

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use serde::Deserialize;

use crate::error::{ApiError, DomainError};

/// How a list is paged (the documented parameters; `nullable` as every
/// other optional query parameter is documented).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1–200, default 50.
    #[param(minimum = 1, maximum = 200, nullable)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    #[param(nullable)]
    pub cursor: Option<String>,
}

/// A page of a job's (or a sync run's) per-line results (the documented parameters).
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Results per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200, nullable)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page of results (a line number).
    #[param(pattern = "^[0-9]{0,18}$", nullable)]
    pub cursor: Option<String>,
}

/// The page asked for, its limit checked.
pub struct Paging {
    pub limit: i64,
    pub cursor: Option<String>,
}

impl Paging {
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }
}

impl FromRequest for Paging {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(paging(req.query_string()).map_err(Into::into))
    }
}

fn paging(query: &str) -> Result<Paging, ApiError> {
    let q = web::Query::<PageQuery>::from_query(query)
        .map_err(|e| DomainError::Validation(format!("bad query string: {e}")))?
        .into_inner();
    Ok(Paging { limit: page_limit(q.limit)?, cursor: q.cursor })
}

/// `?limit=` of list routes: 1–200, default 50.
pub fn page_limit(limit: Option<i64>) -> Result<i64, DomainError> {
    match limit.unwrap_or(50) {
        n @ 1..=200 => Ok(n),
        _ => Err(DomainError::field("invalid_limit", "limit must be between 1 and 200")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_defaults_to_fifty_and_stays_within_one_to_two_hundred() {
        assert_eq!(paging("").unwrap().limit, 50);
        let p = paging("limit=200&cursor=abc").unwrap();
        assert_eq!((p.limit, p.cursor()), (200, Some("abc")));
        assert!(paging("limit=0").is_err());
        assert!(paging("limit=201").is_err());
        assert!(paging("limit=ten").is_err());
    }
}
