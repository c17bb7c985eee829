//! The SCIM setting and base URL (the SCIM protocol itself is for Okta and Entra, not the console).

use gloo_net::http::Request;
use muster_model::*;

use super::{enc, Api, ApiResult};

impl Api {
    fn scim_path(id: &str) -> String {
        format!("/api/v1/enterprises/{}/scim-settings", enc(id))
    }

    pub async fn scim_settings(&self, id: &str) -> ApiResult<ScimSettings> {
        self.get(&Self::scim_path(id)).await
    }

    pub async fn save_scim_settings(&self, id: &str, req: &UpdateScimSettings) -> ApiResult<ScimSettings> {
        self.send_json(Request::put(&Self::scim_path(id)), req).await
    }
}
