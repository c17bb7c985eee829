//! The webhook calls: endpoints, their deliveries, and Retry.

use gloo_net::http::Request;
use muster_model::*;

use super::{enc, Api, ApiResult};

impl Api {
    fn hooks_path(id: &str) -> String {
        format!("/api/v1/enterprises/{}/webhooks", enc(id))
    }

    pub async fn create_webhook(&self, id: &str, req: &CreateWebhookRequest) -> ApiResult<CreatedWebhook> {
        self.send_json(Request::post(&Self::hooks_path(id)), req).await
    }

    pub async fn webhooks(&self, id: &str) -> ApiResult<WebhookList> {
        self.get(&Self::hooks_path(id)).await
    }

    pub async fn delete_webhook(&self, id: &str, hook: &str) -> ApiResult<()> {
        self.delete(&format!("{}/{}", Self::hooks_path(id), enc(hook))).await
    }

    pub async fn webhook_deliveries(&self, id: &str, hook: &str) -> ApiResult<WebhookDeliveryPage> {
        self.get(&format!("{}/{}/deliveries?limit=20", Self::hooks_path(id), enc(hook))).await
    }

    pub async fn retry_delivery(&self, id: &str, hook: &str, delivery: &str) -> ApiResult<WebhookDelivery> {
        let path = format!("{}/{}/deliveries/{}/retry", Self::hooks_path(id), enc(hook), enc(delivery));
        self.send_json(Request::post(&path), &serde_json::json!({})).await
    }
}
