//! Helpers to record audit events with the actor taken from the session.

use crate::store::{accounts::AccountRow, audit::NewEvent};

pub fn by<'a>(
    actor: Option<&'a AccountRow>,
    enterprise_id: &'a str,
    action: &'a str,
    target: Option<&'a str>,
    details: serde_json::Value,
) -> NewEvent<'a> {
    NewEvent {
        enterprise_id: Some(enterprise_id),
        actor_id: actor.map(|a| a.id.as_str()),
        actor_email: actor.map(|a| a.email.as_str()),
        action,
        target,
        details,
    }
}
