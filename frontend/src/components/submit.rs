//! A form's request, one at a time: `busy` while it runs (the button says
//! so and a double click sends once), its failure shown through `error`.

use std::future::Future;

use leptos::{prelude::*, task::spawn_local};

use crate::api::ApiError;

#[derive(Clone, Copy)]
pub struct Submission {
    pub busy: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
}

impl Submission {
    pub fn new() -> Self {
        Self { busy: RwSignal::new(false), error: RwSignal::new(None) }
    }

    /// Starts `request` unless one is running; an `Err` lands in `error`.
    pub fn start(self, request: impl Future<Output = Result<(), ApiError>> + 'static) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            if let Err(e) = request.await {
                self.error.set(Some(e));
            }
            self.busy.set(false);
        });
    }
}

impl Default for Submission {
    fn default() -> Self {
        Self::new()
    }
}

/// Adds `item` to a checkbox list's choices, or takes it out.
pub fn toggle<T: PartialEq + Send + Sync + 'static>(choices: RwSignal<Vec<T>>, item: T) {
    choices.update(|list| match list.iter().position(|x| *x == item) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(item),
    })
}

/// "Say something": the field's error while it is empty.
pub fn entered(value: RwSignal<String>, message: &'static str) -> Signal<Option<String>> {
    Signal::derive(move || value.with(String::is_empty).then(|| message.to_string()))
}
