//! `If-Policy-Digest`: a client pins the policy set that must decide its request.
//!
//! During a rollout, replicas behind a load balancer switch to the new set one after another. A
//! client that must not mix sets (an audit replay, a batch whose verdicts are compared) sends the
//! digest it expects; a replica serving another set answers **409** without deciding, naming both
//! digests, and the client retries (on another replica, or later). The header may list several
//! digests separated by commas, any of which is accepted (the old and the new set, during a
//! rollout that allows either). The comparison is made against the very set that would decide the
//! request, so a reload between the check and the verdict cannot slip through.

use super::routes::ApiError;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

/// The request header.
pub const HEADER: &str = "if-policy-digest";

/// The digests a request accepts, or `None` when it pins none. A header that is empty or not
/// ASCII pins a set that no replica serves.
pub fn pinned(headers: &HeaderMap) -> Option<Vec<String>> {
    if !headers.contains_key(HEADER) {
        return None;
    }
    let asked = headers
        .get_all(HEADER)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    Some(asked)
}

/// `Ok` when a request that accepts `pinned` may be decided by the set of digest `serving`;
/// otherwise the 409: `{"error": "…", "digest": SERVING, "expected": [ASKED…]}`.
pub fn check(pinned: Option<&[String]>, serving: &str) -> Result<(), ApiError> {
    let Some(asked) = pinned else { return Ok(()) };
    if asked.iter().any(|d| d.eq_ignore_ascii_case(serving)) {
        return Ok(());
    }
    let named = if asked.is_empty() {
        "none".to_owned()
    } else {
        asked.join(", ")
    };
    let message =
        format!("this replica serves policy set {serving}, not one the request accepts in If-Policy-Digest ({named})");
    let fields = json!({"digest": serving, "expected": asked});
    let Value::Object(fields) = fields else {
        return Err(ApiError::new(StatusCode::CONFLICT, message));
    };
    Err(ApiError::new(StatusCode::CONFLICT, message).with_fields(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HEADER, HeaderValue::from_static(v));
        }
        h
    }

    fn decided(values: &[&'static str], serving: &str) -> bool {
        check(pinned(&headers(values)).as_deref(), serving).is_ok()
    }

    #[test]
    fn no_header_or_a_listed_digest_is_decided() {
        assert!(decided(&[], "abc"));
        assert!(decided(&["abc"], "abc"));
        assert!(decided(&[" old , ABC "], "abc"));
        assert!(decided(&["old", "abc"], "abc"));
    }

    #[test]
    fn another_digest_or_an_empty_header_is_refused_with_409() {
        for values in [&["old"][..], &[""], &[" , "]] {
            let refused = check(pinned(&headers(values)).as_deref(), "abc").err();
            assert_eq!(refused.map(|e| e.status()), Some(StatusCode::CONFLICT));
        }
    }
}
