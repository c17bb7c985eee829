//! The Directory Sync calls: configuration, test, browse, runs, report, lists.

use gloo_net::http::Request;
use muster_model::*;

use super::{enc, Api, ApiResult};

impl Api {
    fn sync_path(id: &str) -> String {
        format!("/api/v1/enterprises/{}/directory-sync", enc(id))
    }

    /// `Ok(None)` when Directory Sync is not configured yet.
    pub async fn directory_config(&self, id: &str) -> ApiResult<Option<DirectoryConfig>> {
        match self.get(&Self::sync_path(id)).await {
            Ok(c) => Ok(Some(c)),
            Err(e) if e.status == 404 => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn save_directory_config(&self, id: &str, req: &DirectoryConfigRequest) -> ApiResult<DirectoryConfig> {
        self.send_json(Request::put(&Self::sync_path(id)), req).await
    }

    pub async fn test_directory(&self, id: &str, req: &DirectoryConfigRequest) -> ApiResult<ConnectionTest> {
        self.send_json(Request::post(&format!("{}/test", Self::sync_path(id))), req).await
    }

    pub async fn browse_directory(&self, id: &str) -> ApiResult<DirectoryTree> {
        self.get(&format!("{}/browse", Self::sync_path(id))).await
    }

    pub async fn start_sync(&self, id: &str, dry_run: bool) -> ApiResult<SyncRun> {
        self.send_json(
            Request::post(&format!("{}/runs", Self::sync_path(id))),
            &StartSyncRequest { dry_run, accept_smaller_directory: false },
        )
        .await
    }

    pub async fn sync_runs(&self, id: &str) -> ApiResult<SyncRunPage> {
        self.get(&format!("{}/runs?limit=20", Self::sync_path(id))).await
    }

    pub async fn sync_run(&self, id: &str, run: &str, cursor: Option<&str>) -> ApiResult<SyncRun> {
        let mut path = format!("{}/runs/{}?limit=100", Self::sync_path(id), enc(run));
        if let Some(c) = cursor {
            path.push_str(&format!("&cursor={}", enc(c)));
        }
        self.get(&path).await
    }

    pub async fn sync_report(&self, id: &str, run: &str) -> ApiResult<String> {
        self.get_text(&format!("{}/runs/{}/report.csv", Self::sync_path(id), enc(run)), "sync report").await
    }

    pub async fn distribution_lists(&self, id: &str, after: Option<&str>) -> ApiResult<DistributionListPage> {
        let cursor = after.map(|c| format!("&cursor={}", enc(c))).unwrap_or_default();
        self.get(&format!("/api/v1/enterprises/{}/distribution-lists?limit=200{cursor}", enc(id))).await
    }
}
