//! Encrypted PKCS#8 (`EncryptedPrivateKeyInfo`, RFC 5958) with PBES2 (RFC 8018).
//!
//! rampart writes PBKDF2-HMAC-SHA256 with 600,000 iterations (OWASP's figure) and AES-256-CBC,
//! which OpenSSL (`openssl pkcs8 -v2 aes-256-cbc -v2prf hmacWithSHA256`), Python's
//! `cryptography` and cosign's tooling read. It reads PBES2 with PBKDF2 or scrypt, within the
//! cost bounds below: a key file chooses its own key-derivation cost, and a hostile one could
//! otherwise ask for hours of work or gigabytes of memory.

use crate::error::KeyError;
use pkcs8::der::{Decode as _, Encode as _};
use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::pkcs5::pbes2::{Kdf, Parameters, ScryptParams};
use ring::rand::SecureRandom as _;
use zeroize::Zeroizing;

/// PBKDF2 iterations rampart writes.
pub const WRITE_ITERATIONS: u32 = 600_000;
/// The most PBKDF2 iterations rampart reads (RFC 8018's figure for especially critical keys).
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// The largest scrypt cost N rampart reads (2^20).
pub const MAX_SCRYPT_N: u64 = 1 << 20;
/// The most memory a scrypt derivation may take (128 · N · r bytes).
pub const MAX_SCRYPT_BYTES: u64 = 256 * 1024 * 1024;
/// The largest scrypt parallelisation p rampart reads.
pub const MAX_SCRYPT_P: u16 = 16;

/// Encrypts a PKCS#8 DER with `passphrase`; returns the `EncryptedPrivateKeyInfo` DER.
pub fn encrypt(pkcs8_der: &[u8], passphrase: &[u8]) -> Result<Vec<u8>, KeyError> {
    if passphrase.is_empty() {
        return Err(KeyError::Invalid(
            "the passphrase is empty: give a passphrase, or none for an unencrypted key".into(),
        ));
    }
    let rng = ring::rand::SystemRandom::new();
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| KeyError::Random)?;
    rng.fill(&mut iv).map_err(|_| KeyError::Random)?;
    let params = Parameters::generate_pbkdf2_sha256_aes256cbc(WRITE_ITERATIONS, &salt, iv)
        .map_err(|e| KeyError::Invalid(format!("cannot set up PBES2: {e}")))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(pkcs8_der)
        .map_err(|e| KeyError::Invalid(format!("not a PKCS#8 private key: {e}")))?;
    let doc = info
        .encrypt_with_params(params, passphrase)
        .map_err(|e| KeyError::Invalid(format!("cannot encrypt the key: {e}")))?;
    Ok(doc.as_bytes().to_vec())
}

/// Decrypts an `EncryptedPrivateKeyInfo` DER; returns the PKCS#8 DER inside.
pub fn decrypt(der: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(der)
        .map_err(|e| KeyError::Invalid(format!("not a PKCS#8 encrypted private key: {e}")))?;
    let params = match &info.encryption_algorithm {
        EncryptionScheme::Pbes2(p) => p,
        other => {
            return Err(KeyError::Unsupported(format!(
                "the key is encrypted with {} (PBES1, obsolete); re-encrypt it with PBES2: `openssl pkcs8 -topk8 -v2 aes-256-cbc`",
                other.oid()
            )));
        }
    };
    check_cost(params)?;
    let plain = info
        .encryption_algorithm
        .decrypt(passphrase, info.encrypted_data.as_bytes())
        .map_err(|e| match e {
            pkcs8::pkcs5::Error::DecryptFailed => KeyError::WrongPassphrase,
            other => KeyError::Unsupported(format!(
                "cannot decrypt the key ({other}): rampart reads PBES2 with PBKDF2 (HMAC-SHA1/224/256/384/512) or scrypt, and AES-CBC or AES-GCM"
            )),
        })?;
    let plain = Zeroizing::new(plain);
    // What decrypted must be a PKCS#8 structure; a wrong passphrase that happened to leave valid
    // padding is caught here.
    match pkcs8::PrivateKeyInfoRef::from_der(&plain) {
        Ok(info) => {
            // Re-encode to drop anything after the structure (ring wants exact DER).
            let der = info.to_der().map_err(|_| KeyError::WrongPassphrase)?;
            Ok(Zeroizing::new(der))
        }
        Err(_) => Err(KeyError::WrongPassphrase),
    }
}

/// Refuses key-derivation settings past the bounds of this module.
fn check_cost(params: &Parameters) -> Result<(), KeyError> {
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count == 0 || p.iteration_count > MAX_ITERATIONS => {
            Err(KeyError::TooCostly(format!(
                "PBKDF2 with {} iterations (rampart reads 1 to {MAX_ITERATIONS})",
                p.iteration_count
            )))
        }
        Kdf::Scrypt(s) => check_scrypt(s),
        _ => Ok(()),
    }
}

/// Refuses scrypt settings past the bounds of this module.
fn check_scrypt(s: &ScryptParams) -> Result<(), KeyError> {
    let n = s.cost_parameter;
    let r = u64::from(s.block_size);
    if n < 2 || !n.is_power_of_two() || n > MAX_SCRYPT_N {
        return Err(KeyError::TooCostly(format!(
            "scrypt with N = {n} (rampart reads powers of two from 2 to {MAX_SCRYPT_N})"
        )));
    }
    if r == 0 || 128 * n * r > MAX_SCRYPT_BYTES {
        return Err(KeyError::TooCostly(format!(
            "scrypt with N = {n}, r = {r}: {} MiB of memory (rampart allows {} MiB)",
            128 * n * r / (1024 * 1024),
            MAX_SCRYPT_BYTES / (1024 * 1024)
        )));
    }
    if s.parallelization == 0 || s.parallelization > MAX_SCRYPT_P {
        return Err(KeyError::TooCostly(format!(
            "scrypt with p = {} (rampart reads 1 to {MAX_SCRYPT_P})",
            s.parallelization
        )));
    }
    Ok(())
}
