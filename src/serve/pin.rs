//! `If-Policy-Digest`: a client pins the policy set that must decide its request.
//!
//! During a rollout, replicas behind a load balancer switch to the new set one after another. A
//! client that must not mix sets (an audit replay, a batch whose verdicts are compared) sends the
//! digest it expects; a replica serving another set answers **409** without deciding, naming both
//! digests, and the client retries (on another replica, or later). The header may list several
//! digests separated by commas, any of which is accepted (the old and the new set, during a
//! rollout that allows either). The comparison is made against the very set that would decide the
//! request, so a reload between the check and the verdict cannot slip through.

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use http_body_util::Full;

/// The request header.
pub const HEADER: &str = "if-policy-digest";

/// `None` when the request may be decided by the set of digest `serving` (no header, or a
/// digest it lists); otherwise the 409 answer:
/// `{"error": "…", "digest": SERVING, "expected": [ASKED…]}`.
pub fn refuse(headers: &HeaderMap, serving: &str) -> Option<hyper::Response<Full<Bytes>>> {
    let asked: Vec<&str> = headers
        .get_all(HEADER)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("").split(','))
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .collect();
    let present = headers.contains_key(HEADER);
    if !present || asked.iter().any(|d| d.eq_ignore_ascii_case(serving)) {
        return None;
    }
    let body = serde_json::json!({
        "error": format!(
            "this replica serves policy set {serving}, not the one the request asks for in If-Policy-Digest ({})",
            if asked.is_empty() { "none readable".to_owned() } else { asked.join(", ") }
        ),
        "digest": serving,
        "expected": asked,
    });
    let mut response = hyper::Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = StatusCode::CONFLICT;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(HEADER, HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")));
        }
        h
    }

    #[test]
    fn no_header_or_a_listed_digest_is_decided() {
        assert!(refuse(&headers(&[]), "abc").is_none());
        assert!(refuse(&headers(&["abc"]), "abc").is_none());
        assert!(refuse(&headers(&[" old , ABC "]), "abc").is_none());
        assert!(refuse(&headers(&["old", "abc"]), "abc").is_none());
    }

    #[test]
    fn another_digest_or_an_empty_header_is_refused_with_409() {
        for h in [headers(&["old"]), headers(&[""]), headers(&[" , "])] {
            let refused = refuse(&h, "abc").map(|r| r.status());
            assert_eq!(refused, Some(StatusCode::CONFLICT));
        }
    }
}
