//! Integration tests of the `faultline` binary: each test starts the real server on a free
//! loopback port with its own temporary data directory and checks results through `/api/0/`.
//!
//! One test binary (this one) keeps link time down; the modules split it by concern.

mod cli;
mod sdk_rust;
mod support;
