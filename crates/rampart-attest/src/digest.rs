//! SHA-256 digests of subjects, SBOMs and reports: `sha256:` + 64 lower-case hex digits.

use std::fmt;
use std::io::Read as _;
use std::path::Path;

/// A SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sha256Digest {
    /// 64 lower-case hex digits.
    hex: String,
}

impl Sha256Digest {
    /// Reads `sha256:HEX` or a bare 64-digit hex (either case).
    pub fn parse(text: &str) -> Result<Sha256Digest, String> {
        let t = text.trim();
        let hex = match t.split_once(':') {
            Some((algo, hex)) if algo.eq_ignore_ascii_case("sha256") => hex,
            Some((algo, _)) => {
                return Err(format!(
                    "{t:?}: a {algo} digest; rampart checks sha256 digests (sha256:<64 hex digits>)"
                ));
            }
            None => t,
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "{t:?} is not a SHA-256 digest: give sha256:<64 hex digits>"
            ));
        }
        Ok(Sha256Digest {
            hex: hex.to_ascii_lowercase(),
        })
    }

    /// The digest of `bytes`.
    pub fn of_bytes(bytes: &[u8]) -> Sha256Digest {
        Sha256Digest {
            hex: hex::encode(ring::digest::digest(&ring::digest::SHA256, bytes)),
        }
    }

    /// The digest of a file's content, read in pieces.
    pub fn of_file(path: &Path) -> std::io::Result<Sha256Digest> {
        let mut file = std::fs::File::open(path)?;
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
        }
        Ok(Sha256Digest {
            hex: hex::encode(ctx.finish()),
        })
    }

    /// The 64 lower-case hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.hex)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prefixed_and_bare_hex_in_either_case() {
        let hex = "B94D27B9934D3E08A52E52D7DA7DABFAC484EFE37A5380EE9088F7ACE2EFCDE9";
        let d = Sha256Digest::parse(&format!("sha256:{hex}")).unwrap();
        assert_eq!(d, Sha256Digest::parse(hex).unwrap());
        assert_eq!(d, Sha256Digest::of_bytes(b"hello world"));
        assert_eq!(d.to_string(), format!("sha256:{}", hex.to_lowercase()));
    }

    #[test]
    fn refuses_other_algorithms_and_bad_hex() {
        assert!(
            Sha256Digest::parse("sha512:abcd")
                .unwrap_err()
                .contains("sha512")
        );
        assert!(
            Sha256Digest::parse("sha256:abcd")
                .unwrap_err()
                .contains("not a SHA-256")
        );
        assert!(Sha256Digest::parse(&"g".repeat(64)).is_err());
    }

    #[test]
    fn file_digest_matches_bytes_digest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let data = vec![7u8; 200_000];
        std::fs::write(&p, &data).unwrap();
        assert_eq!(
            Sha256Digest::of_file(&p).unwrap(),
            Sha256Digest::of_bytes(&data)
        );
    }
}
