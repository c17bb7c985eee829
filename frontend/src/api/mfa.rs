//! Log in (with its second step), elevation, two-step verification and the phone number.

use gloo_net::http::Request;
use muster_model::*;

use super::{Api, ApiError, ApiResult};

/// What a correct password gets.
pub enum LoginAnswer {
    Session(SessionCreated),
    SecondStep(MfaChallenge),
}

impl Api {
    pub async fn log_in(&self, req: &LoginRequest) -> ApiResult<LoginAnswer> {
        let value: serde_json::Value = self.send_json(Request::post("/api/v1/sessions"), req).await?;
        let bad = |e: serde_json::Error| ApiError { status: 200, code: "bad_response".into(), detail: e.to_string() };
        if value.get("mfa_required").and_then(|v| v.as_bool()) == Some(true) {
            serde_json::from_value(value).map(LoginAnswer::SecondStep).map_err(bad)
        } else {
            serde_json::from_value(value).map(LoginAnswer::Session).map_err(bad)
        }
    }

    pub async fn log_in_second_step(&self, req: &MfaLoginRequest) -> ApiResult<SessionCreated> {
        self.send_json(Request::post("/api/v1/sessions/mfa"), req).await
    }

    pub async fn elevate(&self, password: &str, code: Option<String>) -> ApiResult<SessionInfo> {
        let req = ElevateRequest { password: password.into(), code };
        self.send_json(Request::post("/api/v1/sessions/current/elevate"), &req).await
    }

    pub async fn mfa_status(&self) -> ApiResult<MfaStatus> {
        self.get("/api/v1/me/mfa").await
    }

    pub async fn enrol_totp(&self, req: &TotpEnrolRequest) -> ApiResult<TotpEnrolment> {
        self.send_json(Request::post("/api/v1/me/mfa/totp"), req).await
    }

    pub async fn confirm_totp(&self, code: &str) -> ApiResult<RecoveryCodes> {
        self.send_json(Request::post("/api/v1/me/mfa/totp/confirm"), &TotpConfirmRequest { code: code.into() }).await
    }

    pub async fn disable_totp(&self, req: &TotpDisableRequest) -> ApiResult<()> {
        self.send_json::<_, serde_json::Value>(Request::delete("/api/v1/me/mfa/totp"), req).await.map(|_| ())
    }

    pub async fn new_recovery_codes(&self, req: &TotpDisableRequest) -> ApiResult<RecoveryCodes> {
        self.send_json(Request::post("/api/v1/me/mfa/recovery-codes"), req).await
    }

    pub async fn add_phone(&self, phone: &str) -> ApiResult<()> {
        self.send_json::<_, serde_json::Value>(Request::put("/api/v1/me/phone"), &PhoneRequest { phone: phone.into() })
            .await
            .map(|_| ())
    }

    pub async fn verify_phone(&self, code: &str) -> ApiResult<Account> {
        self.send_json(Request::post("/api/v1/me/phone/verify"), &PhoneVerifyRequest { code: code.into() }).await
    }

    pub async fn remove_phone(&self) -> ApiResult<()> {
        self.delete("/api/v1/me/phone").await
    }
}
