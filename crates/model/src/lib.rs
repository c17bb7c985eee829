//! Types that cross the wire between the API, the SPA and integrators, plus the
//! validation rules both sides share (so the SPA validates as you type with the
//! exact rules the server enforces). No I/O: this crate builds for wasm32.

pub mod account;
pub mod audit;
pub mod enterprise;
pub mod invitation;
pub mod problem;
pub mod validate;

pub use account::*;
pub use audit::*;
pub use enterprise::*;
pub use invitation::*;
pub use problem::Problem;
