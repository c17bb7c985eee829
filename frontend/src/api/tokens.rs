//! The API token calls: create (the secret comes back once), list, revoke.

use gloo_net::http::Request;
use muster_model::*;

use super::{enc, Api, ApiResult};

impl Api {
    fn tokens_path(id: &str) -> String {
        format!("/api/v1/enterprises/{}/api-tokens", enc(id))
    }

    pub async fn create_api_token(&self, id: &str, req: &CreateApiTokenRequest) -> ApiResult<CreatedApiToken> {
        self.send_json(Request::post(&Self::tokens_path(id)), req).await
    }

    pub async fn api_tokens(&self, id: &str) -> ApiResult<ApiTokenList> {
        self.get(&Self::tokens_path(id)).await
    }

    pub async fn revoke_api_token(&self, id: &str, token: &str) -> ApiResult<()> {
        self.delete(&format!("{}/{}", Self::tokens_path(id), enc(token))).await
    }
}
