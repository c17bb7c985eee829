//! The safeguards: a run that would suspend too many people, or that sees far
//! fewer entries than the last good run, stops before writing.

use std::collections::HashSet;

use super::{plan::Plan, read::Snapshot, Settings};
use crate::store::directory::SyncedMember;
use muster_model::MemberState;

/// A run whose search returns less than this share of the last good run's
/// entries is blocked (a wrong base DN or a bind account that sees less).
pub const SHRINK_BLOCK_RATIO: f64 = 0.5;
/// Below this many entries in the last good run, shrinkage is not judged.
pub const SHRINK_MIN_ENTRIES: i64 = 20;

/// Why this run must not write, if it must not.
pub fn safeguard(
    s: &Settings,
    last_good: Option<i64>,
    snap: &Snapshot,
    current: &[SyncedMember],
    plan: &Plan,
) -> Option<String> {
    // Everyone the directory governs after this run: linked already, or linked now by email.
    let unlinked: HashSet<&str> = current.iter().filter(|m| m.directory_id.is_none()).map(|m| m.id.as_str()).collect();
    let first_links = plan.updates.iter().filter(|(id, ..)| unlinked.contains(id.as_str()));
    let linked = current
        .iter()
        .filter(|m| m.directory_id.is_some() && !matches!(m.state, MemberState::Suspended | MemberState::Removed))
        .count() as u64
        + first_links.count() as u64;
    let suspend = plan.suspends.len() as u64;
    if suspend > 0 && suspend * 100 > s.max_suspend_percent as u64 * linked {
        return Some(format!(
            "This run would suspend {suspend} of the {linked} people synced from the directory ({:.0}%), more than the \
             {}% allowed. Nothing was changed. If the directory is right, raise “Most suspended in one run” and run again.",
            suspend as f64 * 100.0 / linked as f64,
            s.max_suspend_percent
        ));
    }
    if let Some(good) = last_good.filter(|g| *g >= SHRINK_MIN_ENTRIES) {
        if (snap.entries as f64) < good as f64 * SHRINK_BLOCK_RATIO {
            return Some(format!(
                "The directory returned {} entries, far fewer than the {good} of the last good run — a wrong base DN or \
                 OU, a changed filter, or a bind account that sees less? Nothing was changed. If the smaller directory is \
                 right, start the run again accepting it.",
                snap.entries
            ));
        }
    }
    None
}
