//! Following a job or a sync run while it works: fetch, show, wait, again,
//! until it is finished or a fetch fails (the error is shown, never dropped).

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::api::ApiError;

/// How often a running job is asked for its progress.
const EVERY_MS: u32 = 500;

/// Calls `fetch` until `finished` says so; each answer goes to `seen`.
pub fn poll_until_done<T, F, Fut>(
    fetch: F,
    finished: impl Fn(&T) -> bool + 'static,
    seen: impl Fn(T) + 'static,
    error: RwSignal<Option<ApiError>>,
) where
    T: 'static,
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Result<T, ApiError>> + 'static,
{
    spawn_local(async move {
        loop {
            match fetch().await {
                Ok(answer) => {
                    let done = finished(&answer);
                    seen(answer);
                    if done {
                        break;
                    }
                }
                Err(e) => {
                    error.set(Some(e));
                    break;
                }
            }
            gloo_timers::future::TimeoutFuture::new(EVERY_MS).await;
        }
    });
}
