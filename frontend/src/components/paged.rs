//! One cursor-paged list for every table that pages (Audit, Invite, Users,
//! distribution lists): `reload` fetches the first page, `more` the next,
//! and every failure lands in `error` to be shown, never dropped.

use std::{future::Future, pin::Pin, rc::Rc};

use leptos::{prelude::*, task::spawn_local};

use crate::api::ApiError;

type PageFuture<T> = Pin<Box<dyn Future<Output = Result<(Vec<T>, Option<String>), ApiError>>>>;
type FetchPage<T> = Rc<dyn Fn(Option<String>) -> PageFuture<T>>;

pub struct Paged<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    pub cursor: RwSignal<Option<String>>,
    /// A first page has arrived (so an empty list means "none", not "loading").
    pub loaded: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    fetch: StoredValue<FetchPage<T>, LocalStorage>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Send + Sync + 'static> Paged<T> {
    /// `fetch(cursor)` answers one page: its items and the next cursor.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn(Option<String>) -> Fut + 'static,
        Fut: Future<Output = Result<(Vec<T>, Option<String>), ApiError>> + 'static,
    {
        let fetch: FetchPage<T> = Rc::new(move |after| Box::pin(fetch(after)));
        Self {
            items: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loaded: RwSignal::new(false),
            error: RwSignal::new(None),
            fetch: StoredValue::new_local(fetch),
        }
    }

    /// The first page again (a filter changed, or something was written).
    pub fn reload(self) {
        self.fetch_page(None);
    }

    /// The page after the last one shown.
    pub fn more(self) {
        if let Some(after) = self.cursor.get_untracked() {
            self.fetch_page(Some(after));
        }
    }

    /// Loaded, and nothing in it: time for the empty state.
    pub fn is_empty(self) -> bool {
        self.loaded.get() && self.items.with(Vec::is_empty)
    }

    fn fetch_page(self, after: Option<String>) {
        let append = after.is_some();
        let page = self.fetch.with_value(|fetch| fetch(after));
        spawn_local(async move {
            match page.await {
                Ok((items, next)) => {
                    if append {
                        self.items.update(|all| all.extend(items));
                    } else {
                        self.items.set(items);
                    }
                    self.cursor.set(next);
                    self.loaded.set(true);
                    self.error.set(None);
                }
                Err(e) => self.error.set(Some(e)),
            }
        });
    }
}

/// "Load more" under a paged table, shown while there is a next page.
#[component]
pub fn LoadMore<T: Send + Sync + 'static>(
    paged: Paged<T>,
    #[prop(default = "Load more")] label: &'static str,
) -> impl IntoView {
    view! {
        <Show when=move || paged.cursor.with(Option::is_some)>
            <button type="button" class="ghost" on:click=move |_| paged.more()>{label}</button>
        </Show>
    }
}
