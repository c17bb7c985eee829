//! Invitations staged for one multi-row write (Invite, Import, Directory
//! Sync) with their mail, and the daily limit every mailed invitation counts
//! against.

use crate::{
    services::access::Actor,
    services::error::{DomainError, DomainResult},
    services::{crypto, mail},
    state::AppState,
    store::{
        self,
        enterprises::EnterpriseRow,
        invitations::{self, NewInvitation},
        outbox::{self, QueuedMail},
        rfc3339,
    },
};

/// Invitation rows (and their mail) for the multi-row inserts of Invite,
/// Import and Directory Sync: one expiry, one inviter, one `send` choice.
pub struct StagedInvitations<'a> {
    state: &'a AppState,
    enterprise: &'a EnterpriseRow,
    inviter_id: Option<String>,
    inviter_name: Option<String>,
    send: bool,
    now: i64,
    expires_at: i64,
    expires: String,
    pub rows: Vec<NewInvitation>,
    pub mails: Vec<QueuedMail>,
}

impl<'a> StagedInvitations<'a> {
    pub fn new(
        state: &'a AppState,
        enterprise: &'a EnterpriseRow,
        actor: Option<&Actor>,
        send: bool,
        now: i64,
    ) -> Self {
        let expires_at = now + state.config.invite_ttl_hours as i64 * 3600 * 1000;
        Self {
            state,
            enterprise,
            inviter_id: actor.map(|a| a.id.clone()),
            inviter_name: actor.map(|a| a.display_name()),
            send,
            now,
            expires_at,
            expires: rfc3339(expires_at),
            rows: Vec::new(),
            mails: Vec::new(),
        }
    }

    /// Stages one invitation; returns its id. An unsent invitation has no
    /// token: send-pending makes one with its mail.
    pub fn add(&mut self, member_id: &str, email: &str) -> String {
        let token = self.send.then(crypto::new_token);
        let id = store::new_id();
        self.rows.push(NewInvitation {
            id: id.clone(),
            member_id: member_id.into(),
            email: email.into(),
            token_hash: token.as_ref().map(|(_, hash)| hash.clone()),
            invited_by: self.inviter_id.clone(),
            sent_at: self.send.then_some(self.now),
            expires_at: self.expires_at,
        });
        if let Some((token, _)) = &token {
            let config = &self.state.config;
            let m = mail::invitation(
                email,
                &config.public_url,
                &self.enterprise.domain,
                token,
                self.inviter_name.as_deref(),
                &self.expires,
            );
            self.mails.push(QueuedMail::new(m, &id, self.now));
        }
        id
    }

    /// Writes what was staged since the last flush; the mails count against the daily limit.
    pub async fn flush(&mut self, tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> DomainResult<()> {
        spend_invite_quota(self.state, tx, self.enterprise, self.mails.len() as i64, self.now).await?;
        let backend = self.state.db.backend;
        // Mailed now (a staged one is sent later by "send pending").
        let sent = self.rows.iter().filter(|r| r.sent_at.is_some()).map(|r| {
            serde_json::json!({"invitation_id": r.id, "member_id": r.member_id, "email": r.email, "expires_at": crate::store::rfc3339(r.expires_at)})
        });
        let sent: Vec<_> = sent.collect();
        crate::services::webhooks::queue_all(
            tx,
            &self.enterprise.id,
            muster_model::WebhookEvent::InvitationSent,
            sent,
            self.now,
        )
        .await?;
        invitations::insert_many(tx, backend, &self.enterprise.id, std::mem::take(&mut self.rows), self.now).await?;
        outbox::insert_many(tx, backend, std::mem::take(&mut self.mails)).await?;
        Ok(())
    }
}

/// Counts `n` invitation mails against the enterprise's daily limit, in the
/// transaction that queues them: over the limit, the caller's whole write is undone.
pub async fn spend_invite_quota(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    e: &EnterpriseRow,
    n: i64,
    now: i64,
) -> DomainResult<()> {
    if n == 0 {
        return Ok(());
    }
    let limit = state.config.invite_daily_limit as i64;
    let sent = invitations::count_sends(tx, &e.id, n, now).await?;
    if sent > limit {
        return Err(DomainError::quota(
            "invite_limit_reached",
            format!(
                "{} can send {limit} invitations a day; {} were sent in the last 24 hours and this needs {n} more.",
                e.domain,
                sent - n
            ),
        ));
    }
    Ok(())
}
