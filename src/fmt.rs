//! The formatter. Being written.
