//! Domain verification: the DNS TXT and meta-tag checks, described in words,
//! and the state machine unverified → verified → at_risk → (grace) → unverified.

use std::time::Duration;

use muster_model::{CheckOutcome, DomainStatus, VerificationMethod, VerificationResult};

use crate::{
    integrations::{
        dns::Answer,
        web::{meta_contents, Fetched},
    },
    state::AppState,
    store::{enterprises::EnterpriseRow, enterprises::VerificationState, rfc3339},
};

pub const TXT_PREFIX: &str = "muster-verification=";
pub const META_NAME: &str = "muster-verification";

pub fn challenge_name(domain: &str) -> String {
    format!("_muster-challenge.{domain}")
}

pub async fn run_checks(
    state: &AppState,
    domain: &str,
    token: &str,
    method: Option<VerificationMethod>,
) -> Vec<CheckOutcome> {
    let dns = async {
        match method {
            None | Some(VerificationMethod::DnsTxt) => Some(check_txt(state, domain, token).await),
            _ => None,
        }
    };
    let meta = async {
        match method {
            None | Some(VerificationMethod::MetaTag) => Some(check_meta(state, domain, token).await),
            _ => None,
        }
    };
    let (dns, meta) = tokio::join!(dns, meta);
    dns.into_iter().chain(meta).collect()
}

async fn check_txt(state: &AppState, domain: &str, token: &str) -> CheckOutcome {
    let expected = format!("{TXT_PREFIX}{token}");
    let mut seen = Vec::new();
    for name in [challenge_name(domain), domain.to_string()] {
        let answer = state.dns.txt(&name).await;
        if let Answer::Found(records) = &answer {
            if records.iter().any(|r| r.trim() == expected) {
                return CheckOutcome {
                    method: VerificationMethod::DnsTxt,
                    verified: true,
                    detail: format!("TXT record {expected} found at {name}."),
                };
            }
        }
        seen.push(describe_txt(&name, &answer, state.dns.timeout()));
    }
    CheckOutcome { method: VerificationMethod::DnsTxt, verified: false, detail: seen.join("; ") + "." }
}

fn describe_txt(name: &str, answer: &Answer<String>, timeout: Duration) -> String {
    match answer {
        Answer::Found(records) => {
            let ours = records.iter().filter(|r| r.starts_with(TXT_PREFIX)).count();
            let n = records.len();
            let plural = if n == 1 { "" } else { "s" };
            if ours > 0 {
                format!("{n} TXT record{plural} at {name}, {ours} with {TXT_PREFIX} but a different token")
            } else {
                format!("{n} TXT record{plural} at {name}, none matches")
            }
        }
        Answer::Nothing { nxdomain: true } => {
            format!("no TXT record at {name} (the name does not exist)")
        }
        Answer::Nothing { nxdomain: false } => format!("no TXT record at {name}"),
        Answer::TimedOut => format!("DNS lookup of {name} timed out after {} s", timeout.as_secs()),
        Answer::Failed(e) => format!("DNS lookup of {name} failed: {e}"),
    }
}

async fn check_meta(state: &AppState, domain: &str, token: &str) -> CheckOutcome {
    let (verified, detail) = match state.fetcher.fetch_home(domain).await {
        Fetched::Refused(why) => (false, format!("page not fetched: {why}.")),
        Fetched::TimedOut => {
            (false, format!("{} timed out after {} s.", state.fetcher.url_for(domain), state.fetcher.timeout.as_secs()))
        }
        Fetched::Failed(why) => (false, format!("{} could not be fetched: {why}.", state.fetcher.url_for(domain))),
        Fetched::Page { url, status, body, truncated } => {
            let contents = meta_contents(&body, META_NAME);
            let cut = if truncated { " (read the first 1 MiB)" } else { "" };
            if contents.iter().any(|c| c == token) {
                (true, format!("page {url} fetched (HTTP {status}), meta tag {META_NAME} matches."))
            } else if !(200..300).contains(&status) {
                (false, format!("page {url} answered HTTP {status}{cut}; no matching meta tag."))
            } else if contents.is_empty() {
                (false, format!("page {url} fetched (HTTP {status}){cut}, no meta tag named {META_NAME}."))
            } else {
                (
                    false,
                    format!(
                        "page {url} fetched (HTTP {status}), {} meta tag(s) named {META_NAME}, none with this token.",
                        contents.len()
                    ),
                )
            }
        }
    };
    CheckOutcome { method: VerificationMethod::MetaTag, verified, detail }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// "Check now" in the console: may verify, never downgrades.
    Manual,
    /// The background checker: claim-time retries and daily re-verification.
    Background,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    None,
    Verified,
    AtRisk,
    Recovered,
    Lapsed,
}

#[derive(Debug, Clone)]
pub struct Timing {
    pub recheck: Duration,
    pub grace: Duration,
    pub backoff: Duration,
}

impl Timing {
    pub fn from(state: &AppState) -> Self {
        Self {
            recheck: state.config.domain_recheck_interval,
            grace: state.config.domain_grace,
            backoff: state.config.claim_check_backoff,
        }
    }
}

const MAX_BACKOFF_MS: i64 = 3600 * 1000;

/// Pure: the next stored state after a check. `ok` is whether any method matched.
pub fn next_state(
    e: &EnterpriseRow,
    ok: bool,
    trigger: Trigger,
    now: i64,
    t: &Timing,
    result_json: String,
) -> (VerificationState, Transition) {
    let status = e.domain_status;
    let recheck = t.recheck.as_millis() as i64;
    let at_risk_recheck = recheck.min(6 * 3600 * 1000).min((t.grace.as_millis() as i64 / 4).max(1000));
    let mut s = VerificationState {
        domain_status: status.as_str().into(),
        verified_at: e.verified_at,
        at_risk_since: e.at_risk_since,
        next_check_at: e.next_check_at,
        check_attempts: e.check_attempts,
        last_check: result_json,
    };
    let verified = |s: &mut VerificationState| {
        s.domain_status = DomainStatus::Verified.as_str().into();
        s.at_risk_since = None;
        s.next_check_at = Some(now + recheck);
        s.check_attempts = 0;
    };
    let transition = match (ok, status, trigger) {
        (true, DomainStatus::Unverified, _) => {
            verified(&mut s);
            s.verified_at = Some(now);
            Transition::Verified
        }
        (true, DomainStatus::AtRisk, _) => {
            verified(&mut s);
            Transition::Recovered
        }
        (true, DomainStatus::Verified, _) => {
            verified(&mut s);
            Transition::None
        }
        (false, _, Trigger::Manual) => Transition::None,
        (false, DomainStatus::Unverified, Trigger::Background) => {
            let until = e.claim_checks_until.unwrap_or(0);
            let delay =
                (t.backoff.as_millis() as i64).saturating_mul(1 << e.check_attempts.clamp(0, 20)).min(MAX_BACKOFF_MS);
            s.check_attempts = e.check_attempts + 1;
            s.next_check_at = (now + delay < until).then_some(now + delay);
            Transition::None
        }
        (false, DomainStatus::Verified, Trigger::Background) => {
            s.domain_status = DomainStatus::AtRisk.as_str().into();
            s.at_risk_since = Some(now);
            s.next_check_at = Some(now + at_risk_recheck);
            Transition::AtRisk
        }
        (false, DomainStatus::AtRisk, Trigger::Background) => {
            let since = e.at_risk_since.unwrap_or(now);
            if now - since >= t.grace.as_millis() as i64 {
                s.domain_status = DomainStatus::Unverified.as_str().into();
                s.verified_at = None;
                s.at_risk_since = None;
                s.next_check_at = None;
                Transition::Lapsed
            } else {
                s.next_check_at = Some(now + at_risk_recheck);
                Transition::None
            }
        }
    };
    (s, transition)
}

pub fn result(checks: Vec<CheckOutcome>, status: DomainStatus, now: i64) -> VerificationResult {
    VerificationResult {
        verified: checks.iter().any(|c| c.verified),
        domain_status: status,
        checked_at: rfc3339(now),
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_model::{BillingCycle, EnterpriseKind, Plan};

    fn enterprise(status: &str) -> EnterpriseRow {
        EnterpriseRow {
            id: "e".into(),
            domain: "acme.test".into(),
            kind: EnterpriseKind::Online,
            plan: Plan::Free,
            billing_cycle: BillingCycle::Monthly,
            seat_cap: None,
            domain_status: DomainStatus::parse(status).unwrap(),
            verification_token: Some("t".into()),
            verified_at: None,
            at_risk_since: None,
            claim_checks_until: Some(100_000_000),
            next_check_at: Some(0),
            check_attempts: 0,
            last_check: None,
            created_at: 0,
            require_admin_mfa: 0,
        }
    }

    fn timing() -> Timing {
        Timing {
            recheck: Duration::from_secs(86_400),
            grace: Duration::from_secs(7 * 86_400),
            backoff: Duration::from_secs(60),
        }
    }

    #[test]
    fn claim_checks_back_off_and_stop_after_the_window() {
        let mut e = enterprise("unverified");
        let (s, t) = next_state(&e, false, Trigger::Background, 1000, &timing(), String::new());
        assert_eq!(t, Transition::None);
        assert_eq!(s.next_check_at, Some(1000 + 60_000));
        e.check_attempts = 3;
        let (s, _) = next_state(&e, false, Trigger::Background, 1000, &timing(), String::new());
        assert_eq!(s.next_check_at, Some(1000 + 480_000));
        e.check_attempts = 30;
        let (s, _) = next_state(&e, false, Trigger::Background, 1000, &timing(), String::new());
        assert_eq!(s.next_check_at, Some(1000 + 3_600_000), "capped at an hour");
        let (s, _) = next_state(&e, false, Trigger::Background, 99_999_000, &timing(), String::new());
        assert_eq!(s.next_check_at, None, "no checks after 72 h");
    }

    #[test]
    fn verified_domain_goes_at_risk_then_lapses_after_grace() {
        let e = enterprise("verified");
        let (s, t) = next_state(&e, false, Trigger::Background, 10, &timing(), String::new());
        assert_eq!((s.domain_status.as_str(), t), ("at_risk", Transition::AtRisk));
        let mut e = enterprise("at_risk");
        e.at_risk_since = Some(0);
        let (s, t) = next_state(&e, false, Trigger::Background, 86_400_000, &timing(), String::new());
        assert_eq!((s.domain_status.as_str(), t), ("at_risk", Transition::None));
        let (s, t) = next_state(&e, false, Trigger::Background, 7 * 86_400_000, &timing(), String::new());
        assert_eq!((s.domain_status.as_str(), t), ("unverified", Transition::Lapsed));
        let (s, t) = next_state(&e, true, Trigger::Background, 86_400_000, &timing(), String::new());
        assert_eq!((s.domain_status.as_str(), t), ("verified", Transition::Recovered));
    }

    #[test]
    fn a_manual_failure_never_downgrades() {
        let e = enterprise("verified");
        let (s, t) = next_state(&e, false, Trigger::Manual, 10, &timing(), String::new());
        assert_eq!((s.domain_status.as_str(), t), ("verified", Transition::None));
    }

    #[test]
    fn txt_descriptions_say_what_was_seen() {
        let d = describe_txt(
            "acme.test",
            &Answer::Found(vec!["v=spf1".into(), "x".into(), "y".into()]),
            Duration::from_secs(5),
        );
        assert_eq!(d, "3 TXT records at acme.test, none matches");
        let d =
            describe_txt("_muster-challenge.acme.test", &Answer::Nothing { nxdomain: false }, Duration::from_secs(5));
        assert_eq!(d, "no TXT record at _muster-challenge.acme.test");
        assert!(describe_txt("a", &Answer::TimedOut, Duration::from_secs(5)).contains("timed out after 5 s"));
    }
}
