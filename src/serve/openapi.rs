//! `GET /openapi.json`: docs/openapi.yaml (OpenAPI 3.1), compiled in and served as JSON.

use std::sync::LazyLock;

/// The document as JSON text; `{}` only if the YAML shipped in the binary were broken, which
/// tests/openapi.rs rules out.
pub static JSON: LazyLock<String> = LazyLock::new(|| {
    serde_yaml::from_str::<serde_json::Value>(include_str!("../../docs/openapi.yaml"))
        .map(|doc| doc.to_string())
        .unwrap_or_else(|_| "{}".to_string())
});
