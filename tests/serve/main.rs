//! End-to-end tests of `handoff serve`: the real binary on an ephemeral loopback port, spoken to
//! with a minimal HTTP/1.1 client. Every wait is bounded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::string_slice
)]

mod access;
mod audit;
mod decision_log;
mod http;
mod limits;
mod pin;
mod reload;
mod shutdown;
mod stdio;
mod support;
