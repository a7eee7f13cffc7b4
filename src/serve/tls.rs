//! TLS for the HTTP transport (`--tls-cert`, `--tls-key`): rustls with the ring provider.

use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// An acceptor for the PEM certificate chain in `cert` and the PEM private key in `key`.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor, String> {
    use pki_types::pem::PemObject;
    let chain: Vec<pki_types::CertificateDer<'static>> =
        pki_types::CertificateDer::pem_file_iter(cert)
            .and_then(Iterator::collect)
            .map_err(|e| format!("cannot read the certificate `{}`: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("`{}` holds no PEM certificate", cert.display()));
    }
    let key = pki_types::PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read the private key `{}`: {e}", key.display()))?;
    #[expect(
        deprecated,
        reason = "ring's provider has no post-quantum key exchange; it is the one that builds with cargo and a C compiler alone (docs/DECISIONS.md)"
    )]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key do not make a TLS identity: {e}"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
