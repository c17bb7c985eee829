//! The one HTTP client of the SPA: typed calls returning `Result<T, ApiError>`.
//! Pages never build URLs. A 401 anywhere ends the local session (the server's
//! idle timeout) so the shell can send the admin back to sign-in with a notice.

use gloo_net::http::{Request, RequestBuilder, Response};
use muster_model::*;
use serde::{de::DeserializeOwned, Serialize};

use crate::session::Session;

pub use mfa::LoginAnswer;

mod directory;
mod mfa;
mod scim;
mod tokens;
mod webhooks;

/// A failed call, in words: the server's problem details, or a network error.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub detail: String,
}

impl ApiError {
    fn network(e: impl std::fmt::Display) -> Self {
        Self {
            status: 0,
            code: "network".into(),
            detail: format!("Muster could not be reached ({e}). Check your connection and try again."),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

#[derive(Clone, Copy)]
pub struct Api {
    session: Session,
}

impl Api {
    pub fn new(session: Session) -> Self {
        Self { session }
    }

    fn authed(&self, req: RequestBuilder) -> RequestBuilder {
        match self.session.token() {
            Some(t) => req.header("Authorization", &format!("Bearer {t}")),
            None => req,
        }
    }

    async fn finish<T: DeserializeOwned>(&self, sent: Result<Response, gloo_net::Error>) -> ApiResult<T> {
        let resp = sent.map_err(ApiError::network)?;
        let status = resp.status();
        let text = resp.text().await.map_err(ApiError::network)?;
        if (200..300).contains(&status) {
            let text = if text.trim().is_empty() { "null" } else { text.as_str() };
            return serde_json::from_str(text).map_err(|e| ApiError {
                status,
                code: "bad_response".into(),
                detail: format!("Unexpected answer from the server: {e}"),
            });
        }
        let problem: Option<Problem> = serde_json::from_str(&text).ok();
        let err = match problem {
            Some(p) => ApiError { status, code: p.code, detail: p.detail },
            None => ApiError { status, code: "http".into(), detail: format!("The server answered {status}.") },
        };
        if status == 401 && self.session.token().is_some() {
            self.session.expire(&err.detail);
        }
        Err(err)
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ApiResult<T> {
        let sent = self.authed(Request::get(path)).send().await;
        self.finish(sent).await
    }

    async fn send_json<B: Serialize, T: DeserializeOwned>(&self, req: RequestBuilder, body: &B) -> ApiResult<T> {
        let req = self.authed(req).json(body).map_err(ApiError::network)?;
        let sent = req.send().await;
        self.finish(sent).await
    }

    async fn delete(&self, path: &str) -> ApiResult<()> {
        let sent = self.authed(Request::delete(path)).send().await;
        self.finish::<serde_json::Value>(sent).await.map(|_| ())
    }

    pub async fn sign_up(&self, req: &SignUpRequest) -> ApiResult<Account> {
        self.send_json(Request::post("/api/v1/accounts"), req).await
    }

    pub async fn activate(&self, token: &str, password: &str) -> ApiResult<Account> {
        let req = ActivateRequest { token: token.into(), password: password.into() };
        self.send_json(Request::post("/api/v1/accounts/activate"), &req).await
    }

    pub async fn request_password_reset(&self, email: &str) -> ApiResult<()> {
        let req = PasswordResetRequest { email: email.into() };
        self.send_json::<_, serde_json::Value>(Request::post("/api/v1/accounts/password-reset"), &req).await.map(|_| ())
    }

    pub async fn confirm_password_reset(&self, token: &str, password: &str) -> ApiResult<()> {
        let req = PasswordResetConfirm { token: token.into(), password: password.into() };
        self.send_json::<_, serde_json::Value>(Request::post("/api/v1/accounts/password-reset/confirm"), &req)
            .await
            .map(|_| ())
    }

    pub async fn change_password(&self, req: &ChangePasswordRequest) -> ApiResult<()> {
        self.send_json::<_, serde_json::Value>(Request::put("/api/v1/me/password"), req).await.map(|_| ())
    }

    pub async fn sessions(&self) -> ApiResult<SessionList> {
        self.get("/api/v1/sessions").await
    }

    pub async fn end_session(&self, id: &str) -> ApiResult<()> {
        self.delete(&format!("/api/v1/sessions/{id}")).await
    }

    pub async fn end_other_sessions(&self) -> ApiResult<()> {
        self.delete("/api/v1/sessions").await
    }

    pub async fn resend_activation(&self, email: &str) -> ApiResult<()> {
        self.send_json::<_, serde_json::Value>(
            Request::post("/api/v1/accounts/activation/resend"),
            &ResendActivationRequest { email: email.into() },
        )
        .await
        .map(|_| ())
    }

    pub async fn log_out(&self) -> ApiResult<()> {
        self.delete("/api/v1/sessions/current").await
    }

    pub async fn me(&self) -> ApiResult<Me> {
        self.get("/api/v1/me").await
    }

    /// 201 → `Ok(Ok(enterprise))`; 202 (the domain has an admin) → `Ok(Err(notice))`.
    pub async fn claim(&self, req: &ClaimRequest) -> ApiResult<Result<Enterprise, ClaimForwarded>> {
        let value: serde_json::Value = self.send_json(Request::post("/api/v1/enterprises"), req).await?;
        if value.get("status").and_then(|s| s.as_str()) == Some("admin_notified") {
            serde_json::from_value(value).map(Err).map_err(|e| ApiError {
                status: 202,
                code: "bad_response".into(),
                detail: e.to_string(),
            })
        } else {
            serde_json::from_value(value).map(Ok).map_err(|e| ApiError {
                status: 201,
                code: "bad_response".into(),
                detail: e.to_string(),
            })
        }
    }

    pub async fn enterprise(&self, id: &str) -> ApiResult<Enterprise> {
        self.get(&format!("/api/v1/enterprises/{}", enc(id))).await
    }

    pub async fn update_enterprise(&self, id: &str, req: &UpdateEnterpriseRequest) -> ApiResult<Enterprise> {
        self.send_json(Request::patch(&format!("/api/v1/enterprises/{}", enc(id))), req).await
    }

    pub async fn verify_domain(&self, id: &str, method: Option<VerificationMethod>) -> ApiResult<VerificationResult> {
        self.send_json(
            Request::post(&format!("/api/v1/enterprises/{}/domain/verify", enc(id))),
            &VerifyRequest { method },
        )
        .await
    }

    pub async fn audit_events(&self, id: &str, action: &str, cursor: Option<&str>) -> ApiResult<AuditEventPage> {
        let mut path = format!("/api/v1/enterprises/{}/audit-events?limit=25", enc(id));
        if !action.trim().is_empty() {
            path.push_str(&format!("&action={}", enc(action.trim())));
        }
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        self.get(&path).await
    }

    pub async fn invite(&self, id: &str, req: &InviteRequest) -> ApiResult<InviteResponse> {
        self.send_json(Request::post(&format!("/api/v1/enterprises/{}/invitations", enc(id))), req).await
    }

    pub async fn invitations(
        &self,
        id: &str,
        status: Option<InvitationStatus>,
        cursor: Option<&str>,
    ) -> ApiResult<InvitationPage> {
        let mut path = format!("/api/v1/enterprises/{}/invitations?limit=25", enc(id));
        if let Some(s) = status {
            path.push_str(&format!("&status={s}"));
        }
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        self.get(&path).await
    }

    pub async fn resend_invitation(&self, id: &str, invitation: &str) -> ApiResult<Invitation> {
        let path = format!("/api/v1/enterprises/{}/invitations/{}/resend", enc(id), enc(invitation));
        self.send_json(Request::post(&path), &serde_json::json!({})).await
    }

    pub async fn revoke_invitation(&self, id: &str, invitation: &str) -> ApiResult<()> {
        self.delete(&format!("/api/v1/enterprises/{}/invitations/{}", enc(id), enc(invitation))).await
    }

    pub async fn users(
        &self,
        id: &str,
        state: Option<MemberState>,
        search: &str,
        cursor: Option<&str>,
    ) -> ApiResult<MemberPage> {
        let mut path = format!("/api/v1/enterprises/{}/users?limit=50", enc(id));
        if let Some(s) = state {
            path.push_str(&format!("&state={s}"));
        }
        if !search.trim().is_empty() {
            path.push_str(&format!("&q={}", enc(search.trim())));
        }
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        self.get(&path).await
    }

    pub async fn update_user(&self, id: &str, member: &str, req: &UpdateMemberRequest) -> ApiResult<Member> {
        self.send_json(Request::patch(&format!("/api/v1/enterprises/{}/users/{}", enc(id), enc(member))), req).await
    }

    /// `managed`: POST …/users/manage; otherwise …/users/unmanage.
    pub async fn set_managed(&self, id: &str, ids: Vec<String>, managed: bool) -> ApiResult<BulkStateResult> {
        let verb = if managed { "manage" } else { "unmanage" };
        self.send_json(Request::post(&format!("/api/v1/enterprises/{}/users/{verb}", enc(id))), &MemberIds { ids })
            .await
    }

    pub async fn billing(&self, id: &str) -> ApiResult<Billing> {
        self.get(&format!("/api/v1/enterprises/{}/billing", enc(id))).await
    }

    /// Uploads a Bulk Invite file's text; answers with the queued job.
    pub async fn bulk_invite(&self, id: &str, text: String, send: bool) -> ApiResult<Job> {
        let path = format!("/api/v1/enterprises/{}/bulk-invites?send_invitations={send}", enc(id));
        let req = self
            .authed(Request::post(&path))
            .header("Content-Type", "text/plain; charset=utf-8")
            .body(text)
            .map_err(ApiError::network)?;
        let sent = req.send().await;
        self.finish(sent).await
    }

    /// Uploads an Import CSV straight from the chosen file (never read into the page).
    pub async fn import(&self, id: &str, file: &web_sys::File, dry_run: bool, send: bool) -> ApiResult<Job> {
        let path = format!("/api/v1/enterprises/{}/imports?dry_run={dry_run}&send_invitations={send}", enc(id));
        let req = self
            .authed(Request::post(&path))
            .header("Content-Type", "text/csv")
            .body(file.clone())
            .map_err(ApiError::network)?;
        let sent = req.send().await;
        self.finish(sent).await
    }

    /// The job's error report as CSV text.
    /// A text download (CSV reports), with `what` named in the error.
    async fn get_text(&self, path: &str, what: &str) -> ApiResult<String> {
        let resp = self.authed(Request::get(path)).send().await.map_err(ApiError::network)?;
        if resp.status() != 200 {
            return Err(ApiError {
                status: resp.status(),
                code: "http".into(),
                detail: format!("The {what} could not be downloaded."),
            });
        }
        resp.text().await.map_err(ApiError::network)
    }

    pub async fn errors_csv(&self, id: &str, job: &str) -> ApiResult<String> {
        self.get_text(&format!("/api/v1/enterprises/{}/jobs/{}/errors.csv", enc(id), enc(job)), "error report").await
    }

    pub async fn send_pending(&self, id: &str) -> ApiResult<Job> {
        self.send_json(
            Request::post(&format!("/api/v1/enterprises/{}/invitations/send-pending", enc(id))),
            &serde_json::json!({}),
        )
        .await
    }

    pub async fn job(&self, id: &str, job: &str, cursor: Option<&str>) -> ApiResult<Job> {
        let mut path = format!("/api/v1/enterprises/{}/jobs/{}?limit=200", enc(id), enc(job));
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        self.get(&path).await
    }

    pub async fn admins(&self, id: &str) -> ApiResult<Vec<AdminEntry>> {
        self.get(&format!("/api/v1/enterprises/{}/admins", enc(id))).await
    }

    pub async fn grant_admin(&self, id: &str, account: &str) -> ApiResult<AdminEntry> {
        let path = format!("/api/v1/enterprises/{}/admins/{}", enc(id), enc(account));
        self.send_json(Request::put(&path), &serde_json::json!({})).await
    }

    pub async fn revoke_admin(&self, id: &str, account: &str) -> ApiResult<()> {
        self.delete(&format!("/api/v1/enterprises/{}/admins/{}", enc(id), enc(account))).await
    }

    pub async fn transfer_ownership(&self, id: &str, req: &TransferOwnershipRequest) -> ApiResult<Vec<AdminEntry>> {
        self.send_json(Request::post(&format!("/api/v1/enterprises/{}/transfer-ownership", enc(id))), req).await
    }

    pub async fn member_counts(&self, id: &str) -> ApiResult<MemberCounts> {
        self.get(&format!("/api/v1/enterprises/{}/member-counts", enc(id))).await
    }

    pub async fn analytics(&self, id: &str, days: i64) -> ApiResult<Analytics> {
        self.get(&format!("/api/v1/enterprises/{}/analytics?days={days}", enc(id))).await
    }

    pub async fn lookup_invitation(&self, token: &str) -> ApiResult<InvitationLookup> {
        self.get(&format!("/api/v1/invitations/lookup?token={}", enc(token))).await
    }

    pub async fn accept_invitation(&self, req: &AcceptInvitationRequest) -> ApiResult<AcceptedInvitation> {
        self.send_json(Request::post("/api/v1/invitations/accept"), req).await
    }
}

/// Percent-encodes a path segment or query value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
