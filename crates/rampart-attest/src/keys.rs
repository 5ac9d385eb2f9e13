//! Signing keys: Ed25519 (the default) and ECDSA P-256 with SHA-256 (cosign's default key type).
//!
//! Private keys are PKCS#8 PEM: `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` (PBES2: PBKDF2-HMAC-
//! SHA256, 600,000 iterations, AES-256-CBC) when written with a passphrase. Public keys are
//! SubjectPublicKeyInfo PEM (`PUBLIC KEY`), as OpenSSL, cosign and securesystemslib write them.
//! A key's id ([`PublicKey::keyid`]) is the lower-case hex SHA-256 of its SubjectPublicKeyInfo
//! DER.
//!
//! Signing and verifying is ring's; ECDSA signatures are written as ASN.1 DER (what cosign and
//! securesystemslib write), and a 64-byte `r‖s` signature is read too.

mod pbes2;

use crate::error::KeyError;
use pkcs8::der::Decode as _;
use pkcs8::der::pem::{self, LineEnding};
use ring::rand::SystemRandom;
use ring::signature::{self as sig, KeyPair as _};
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use zeroize::Zeroizing;

/// id-Ed25519 (RFC 8410).
const OID_ED25519: &str = "1.3.101.112";
/// id-ecPublicKey (RFC 5480).
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
/// prime256v1 / secp256r1 (RFC 5480).
const OID_P256: &str = "1.2.840.10045.3.1.7";

/// SubjectPublicKeyInfo DER up to the key bytes, for an Ed25519 key (32 bytes follow).
const SPKI_PREFIX_ED25519: &[u8] = &[
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];
/// SubjectPublicKeyInfo DER up to the key bytes, for a P-256 key (the 65-byte uncompressed
/// point follows).
const SPKI_PREFIX_P256: &[u8] = &[
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// The largest key file read (a PEM key is well under 1 KiB).
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// A key algorithm rampart signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// ECDSA over NIST P-256 with SHA-256.
    EcdsaP256,
}

impl KeyType {
    /// The name used on the command line and in messages: `ed25519` or `ecdsa-p256`.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Ed25519 => "ed25519",
            KeyType::EcdsaP256 => "ecdsa-p256",
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "ed25519" => Ok(KeyType::Ed25519),
            "ecdsa-p256" | "ecdsa" | "p256" | "p-256" => Ok(KeyType::EcdsaP256),
            _ => Err(format!("unknown key type {s:?}: use ed25519 or ecdsa-p256")),
        }
    }
}

/// A public key that verifies signatures.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: KeyType,
    /// The key as ring reads it: 32 bytes (Ed25519) or the 65-byte uncompressed point (P-256).
    raw: Vec<u8>,
    keyid: String,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({} {})", self.kind, self.keyid)
    }
}

impl PublicKey {
    fn new(kind: KeyType, raw: Vec<u8>) -> PublicKey {
        let spki = spki_der(kind, &raw);
        let keyid = hex::encode(ring::digest::digest(&ring::digest::SHA256, &spki));
        PublicKey { kind, raw, keyid }
    }

    /// The key's algorithm.
    pub fn kind(&self) -> KeyType {
        self.kind
    }

    /// The key id: lower-case hex SHA-256 of the SubjectPublicKeyInfo DER. DSSE signatures carry
    /// it as `keyid`, a hint that picks the key to try (never a proof of anything).
    pub fn keyid(&self) -> &str {
        &self.keyid
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        spki_der(self.kind, &self.raw)
    }

    /// The key as `PUBLIC KEY` PEM.
    pub fn to_pem(&self) -> String {
        // Encoding a short DER in PEM cannot fail.
        pem::encode_string("PUBLIC KEY", LineEnding::LF, &self.to_spki_der()).unwrap_or_default()
    }

    /// Reads a `PUBLIC KEY` PEM (SubjectPublicKeyInfo) holding an Ed25519 or P-256 key.
    pub fn from_pem(text: &str) -> Result<PublicKey, KeyError> {
        let (label, der) = decode_pem(text)?;
        match label.as_str() {
            "PUBLIC KEY" => PublicKey::from_spki_der(&der),
            l if l.contains("PRIVATE KEY") => Err(KeyError::Invalid(format!(
                "this is a private key ({l}); verification takes the public key (`PUBLIC KEY` PEM, the .pub file `rampart keygen` wrote)"
            ))),
            l => Err(KeyError::Invalid(format!(
                "PEM label {l:?} is not a public key; expected `PUBLIC KEY` (SubjectPublicKeyInfo)"
            ))),
        }
    }

    /// Reads a SubjectPublicKeyInfo DER holding an Ed25519 or P-256 key.
    pub fn from_spki_der(der: &[u8]) -> Result<PublicKey, KeyError> {
        let spki = pkcs8::SubjectPublicKeyInfoRef::from_der(der).map_err(|e| {
            KeyError::Invalid(format!("not a SubjectPublicKeyInfo public key: {e}"))
        })?;
        let oid = spki.algorithm.oid.to_string();
        let bytes = spki.subject_public_key.as_bytes().ok_or_else(|| {
            KeyError::Invalid("the public key's BIT STRING has unused bits".into())
        })?;
        let kind = match oid.as_str() {
            OID_ED25519 => KeyType::Ed25519,
            OID_EC_PUBLIC_KEY => {
                let curve = spki
                    .algorithm
                    .parameters_oid()
                    .map(|o| o.to_string())
                    .unwrap_or_default();
                if curve != OID_P256 {
                    return Err(KeyError::Unsupported(format!(
                        "an EC public key on curve {curve}: only P-256 ({OID_P256}) is supported"
                    )));
                }
                KeyType::EcdsaP256
            }
            other => {
                return Err(KeyError::Unsupported(format!(
                    "a public key of algorithm {other}: only Ed25519 and ECDSA P-256 are supported"
                )));
            }
        };
        match kind {
            KeyType::Ed25519 if bytes.len() != 32 => {
                return Err(KeyError::Invalid(format!(
                    "an Ed25519 public key is 32 bytes, this one {}",
                    bytes.len()
                )));
            }
            KeyType::EcdsaP256 if bytes.len() != 65 || bytes[0] != 4 => {
                return Err(KeyError::Invalid(
                    "a P-256 public key must be an uncompressed point (65 bytes starting 0x04)"
                        .into(),
                ));
            }
            _ => {}
        }
        Ok(PublicKey::new(kind, bytes.to_vec()))
    }

    /// Whether `signature` is this key's signature of `message`. ECDSA signatures may be ASN.1
    /// DER or the 64-byte `r‖s` form.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self.kind {
            KeyType::Ed25519 => sig::UnparsedPublicKey::new(&sig::ED25519, &self.raw)
                .verify(message, signature)
                .is_ok(),
            KeyType::EcdsaP256 => {
                let der = sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_ASN1, &self.raw);
                let fixed = sig::UnparsedPublicKey::new(&sig::ECDSA_P256_SHA256_FIXED, &self.raw);
                der.verify(message, signature).is_ok()
                    || (signature.len() == 64 && fixed.verify(message, signature).is_ok())
            }
        }
    }
}

fn spki_der(kind: KeyType, raw: &[u8]) -> Vec<u8> {
    let prefix = match kind {
        KeyType::Ed25519 => SPKI_PREFIX_ED25519,
        KeyType::EcdsaP256 => SPKI_PREFIX_P256,
    };
    [prefix, raw].concat()
}

enum Pair {
    Ed25519(sig::Ed25519KeyPair),
    Ecdsa(sig::EcdsaKeyPair),
}

/// A private key that signs.
pub struct SigningKey {
    pair: Pair,
    /// The PKCS#8 DER the key was made from, kept to write it out.
    pkcs8: Zeroizing<Vec<u8>>,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningKey({:?})", self.public)
    }
}

impl SigningKey {
    /// A new random key.
    pub fn generate(kind: KeyType) -> Result<SigningKey, KeyError> {
        let rng = SystemRandom::new();
        let doc = match kind {
            KeyType::Ed25519 => sig::Ed25519KeyPair::generate_pkcs8(&rng),
            KeyType::EcdsaP256 => {
                sig::EcdsaKeyPair::generate_pkcs8(&sig::ECDSA_P256_SHA256_ASN1_SIGNING, &rng)
            }
        }
        .map_err(|_| KeyError::Random)?;
        match kind {
            // ring writes Ed25519 keys as PKCS#8 v2 (with the public key), which some readers
            // (pyca/cryptography 48) refuse; v1, as OpenSSL writes it, is read everywhere.
            KeyType::Ed25519 => SigningKey::from_pkcs8_der(&pkcs8_v1(doc.as_ref())?),
            KeyType::EcdsaP256 => SigningKey::from_pkcs8_der(doc.as_ref()),
        }
    }

    /// Reads an unencrypted PKCS#8 DER (v1 or v2) holding an Ed25519 or P-256 key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<SigningKey, KeyError> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(der)
            .map_err(|e| KeyError::Invalid(format!("not a PKCS#8 private key: {e}")))?;
        let oid = info.algorithm.oid.to_string();
        let pair = match oid.as_str() {
            OID_ED25519 => sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map(Pair::Ed25519)
                .map_err(|e| KeyError::Invalid(format!("not a usable Ed25519 key: {e}")))?,
            OID_EC_PUBLIC_KEY => sig::EcdsaKeyPair::from_pkcs8(
                &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                der,
                &SystemRandom::new(),
            )
            .map(Pair::Ecdsa)
            .map_err(|e| {
                KeyError::Invalid(format!(
                    "not a usable ECDSA P-256 key ({e}; the key must be on P-256 and hold its public key)"
                ))
            })?,
            other => {
                return Err(KeyError::Unsupported(format!(
                    "a private key of algorithm {other}: only Ed25519 and ECDSA P-256 are supported"
                )));
            }
        };
        let public = match &pair {
            Pair::Ed25519(p) => PublicKey::new(KeyType::Ed25519, p.public_key().as_ref().to_vec()),
            Pair::Ecdsa(p) => PublicKey::new(KeyType::EcdsaP256, p.public_key().as_ref().to_vec()),
        };
        Ok(SigningKey {
            pair,
            pkcs8: Zeroizing::new(der.to_vec()),
            public,
        })
    }

    /// Reads a PKCS#8 PEM private key: `PRIVATE KEY`, or `ENCRYPTED PRIVATE KEY` with its
    /// passphrase.
    pub fn from_pem(text: &str, passphrase: Option<&[u8]>) -> Result<SigningKey, KeyError> {
        let (label, der) = decode_pem(text)?;
        let der = Zeroizing::new(der);
        match (label.as_str(), passphrase) {
            ("PRIVATE KEY", _) => SigningKey::from_pkcs8_der(&der),
            ("ENCRYPTED PRIVATE KEY", Some(p)) => {
                let plain = pbes2::decrypt(&der, p)?;
                SigningKey::from_pkcs8_der(&plain)
            }
            ("ENCRYPTED PRIVATE KEY", None) => Err(KeyError::NeedsPassphrase),
            ("PUBLIC KEY", _) => Err(KeyError::Invalid(
                "this is a public key; signing takes the private key (the file `rampart keygen` wrote without .pub)".into(),
            )),
            ("EC PRIVATE KEY", _) | ("OPENSSH PRIVATE KEY", _) | ("RSA PRIVATE KEY", _) => {
                Err(KeyError::Unsupported(format!(
                    "a {label} PEM: rampart reads PKCS#8 (`PRIVATE KEY`); convert it with `openssl pkcs8 -topk8 -in KEY -out key.pem` (add -nocrypt for no passphrase)"
                )))
            }
            (l, _) => Err(KeyError::Invalid(format!(
                "PEM label {l:?} is not a private key; expected `PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` (PKCS#8)"
            ))),
        }
    }

    /// The key as PKCS#8 PEM, encrypted with `passphrase` when one is given.
    pub fn to_pem(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<String>, KeyError> {
        let (label, der) = match passphrase {
            None => ("PRIVATE KEY", Zeroizing::new(self.pkcs8.to_vec())),
            Some(p) => (
                "ENCRYPTED PRIVATE KEY",
                Zeroizing::new(pbes2::encrypt(&self.pkcs8, p)?),
            ),
        };
        pem::encode_string(label, LineEnding::LF, &der)
            .map(Zeroizing::new)
            .map_err(|e| KeyError::Invalid(format!("cannot write the key as PEM: {e}")))
    }

    /// The key's algorithm.
    pub fn kind(&self) -> KeyType {
        self.public.kind
    }

    /// The public half.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// Signs `message`: 64 bytes for Ed25519, ASN.1 DER for ECDSA.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        match &self.pair {
            Pair::Ed25519(p) => Ok(p.sign(message).as_ref().to_vec()),
            Pair::Ecdsa(p) => p
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Random),
        }
    }
}

/// A PKCS#8 DER without its optional public key (version 1).
fn pkcs8_v1(der: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    use pkcs8::der::Encode as _;
    let mut info = pkcs8::PrivateKeyInfoRef::try_from(der)
        .map_err(|e| KeyError::Invalid(format!("not a PKCS#8 private key: {e}")))?;
    info.public_key = None;
    info.to_der()
        .map(Zeroizing::new)
        .map_err(|e| KeyError::Invalid(format!("cannot write the key: {e}")))
}

/// Whether a PEM text is an encrypted private key (it then needs a passphrase).
pub fn is_encrypted_pem(text: &str) -> bool {
    text.trim_start()
        .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
}

/// One PEM block: its label and bytes. Text around the block is refused.
fn decode_pem(text: &str) -> Result<(String, Vec<u8>), KeyError> {
    let trimmed = text.trim();
    if !trimmed.starts_with("-----BEGIN ") {
        return Err(KeyError::Invalid(
            "not a PEM key: it does not start with a `-----BEGIN …-----` line".into(),
        ));
    }
    // pem-rfc7468 reads LF and CRLF line ends; it wants the block to end with one.
    let block = format!("{trimmed}\n");
    pem::decode_vec(block.as_bytes())
        .map(|(label, der)| (label.to_string(), der))
        .map_err(|e| KeyError::Invalid(format!("not a valid PEM key: {e}")))
}

/// Reads a private key file, decrypting it with `passphrase` when it is encrypted. Errors name
/// the file.
pub fn read_signing_key(path: &Path, passphrase: Option<&[u8]>) -> Result<SigningKey, KeyError> {
    let text = read_key_text(path)?;
    SigningKey::from_pem(&text, passphrase).map_err(|e| e.in_file(path))
}

/// Reads a public key file. Errors name the file.
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyError> {
    let text = read_key_text(path)?;
    PublicKey::from_pem(&text).map_err(|e| e.in_file(path))
}

/// A key file's text, refused past [`MAX_KEY_FILE_BYTES`] or when it is not UTF-8.
pub fn read_key_text(path: &Path) -> Result<Zeroizing<String>, KeyError> {
    use std::io::Read as _;
    let io = |e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE_BYTES {
        return Err(KeyError::Invalid(format!(
            "larger than {MAX_KEY_FILE_BYTES} bytes: not a PEM key"
        ))
        .in_file(path));
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(KeyError::Invalid(
            "not text: a PEM key is ASCII (a DER key must be converted to PEM)".into(),
        )
        .in_file(path)),
    }
}

/// Writes a key file that must not exist yet: mode 0600 for a private key (readable by its
/// owner only), 0644 for a public key.
pub fn write_key_file(path: &Path, contents: &str, private: bool) -> Result<(), KeyError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    let io = |e: std::io::Error| KeyError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            KeyError::Exists(path.to_path_buf())
        } else {
            io(e)
        }
    })?;
    file.write_all(contents.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)
}

#[cfg(test)]
mod tests;
