//! Structural checks that tell a real token from a look-alike: checksums and decodable parts.

use base64::Engine as _;

/// A `validate` value that names no built-in check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown validator `{0}`: use github-crc32, npm-crc32, jwt, pypi-macaroon or luhn")]
pub struct UnknownValidator(pub String);

/// A built-in check named by a rule's `validate` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// GitHub's token format: last 6 chars are base62(CRC32) of the 30 random chars.
    GithubCrc32,
    /// npm's `npm_` tokens: the same checksum scheme.
    NpmCrc32,
    /// A JSON Web Token with a signing algorithm.
    Jwt,
    /// A PyPI macaroon token.
    PypiMacaroon,
    /// Digits passing the Luhn check.
    Luhn,
}

impl Validator {
    /// Parses a validator name.
    pub fn parse(name: &str) -> Result<Validator, UnknownValidator> {
        Ok(match name {
            "github-crc32" => Validator::GithubCrc32,
            "npm-crc32" => Validator::NpmCrc32,
            "jwt" => Validator::Jwt,
            "pypi-macaroon" => Validator::PypiMacaroon,
            "luhn" => Validator::Luhn,
            _ => return Err(UnknownValidator(name.to_string())),
        })
    }

    /// Whether `secret` passes.
    pub fn check(self, secret: &str) -> bool {
        match self {
            Validator::GithubCrc32 | Validator::NpmCrc32 => crc32_token(secret),
            Validator::Jwt => jwt(secret),
            Validator::PypiMacaroon => pypi(secret),
            Validator::Luhn => luhn(secret),
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base62 of `n`, left-padded with `0` to `width`.
pub fn base62(mut n: u32, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn crc32_token(secret: &str) -> bool {
    let Some((_, body)) = secret.rsplit_once('_') else {
        return false;
    };
    if body.len() <= 6 || !body.is_ascii() {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62(crc32fast::hash(random.as_bytes()), 6) == check
}

fn b64url(part: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .ok()
}

fn jwt(secret: &str) -> bool {
    let parts: Vec<&str> = secret.split('.').collect();
    if parts.len() != 3 || parts[2].len() < 16 {
        return false;
    }
    let header =
        b64url(parts[0]).and_then(|h| serde_json::from_slice::<serde_json::Value>(&h).ok());
    let payload_ok = b64url(parts[1])
        .and_then(|p| serde_json::from_slice::<serde_json::Value>(&p).ok())
        .is_some_and(|p| p.is_object());
    let alg_ok = header
        .as_ref()
        .and_then(|h| h.get("alg"))
        .and_then(|a| a.as_str())
        .is_some_and(|a| !a.eq_ignore_ascii_case("none"));
    alg_ok && payload_ok
}

fn pypi(secret: &str) -> bool {
    let Some(body) = secret.strip_prefix("pypi-") else {
        return false;
    };
    let decoded = b64url(body).or_else(|| {
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(body.trim_end_matches('='))
            .ok()
    });
    decoded.is_some_and(|d| memchr::memmem::find(&d, b"pypi.org").is_some())
}

fn luhn(secret: &str) -> bool {
    let digits: Vec<u32> = secret
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()
        .unwrap_or_default();
    if digits.len() < 12 {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github_token(random: &str) -> String {
        format!(
            "ghp_{random}{}",
            base62(crc32fast::hash(random.as_bytes()), 6)
        )
    }

    #[test]
    fn github_checksum() {
        let t = github_token("R3nd0mPart0fTheT0kenAbCdEfGh12");
        assert_eq!(t.len(), 40);
        assert!(Validator::GithubCrc32.check(&t));
        let mut bad = t.clone();
        bad.replace_range(10..11, "Z");
        assert!(!Validator::GithubCrc32.check(&bad));
    }

    #[test]
    fn jwt_needs_alg_and_json() {
        let h = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let none = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"42"}"#);
        let sig = "dBjftJeZ4CVPmB92K27uhbUJU1p1rwW1gFWFOEjXk";
        assert!(Validator::Jwt.check(&format!("{h}.{p}.{sig}")));
        assert!(!Validator::Jwt.check(&format!("{none}.{p}.{sig}")));
        assert!(!Validator::Jwt.check(&format!("{h}.bm90anNvbg.{sig}")));
    }

    #[test]
    fn luhn_and_pypi() {
        assert!(Validator::Luhn.check("4111 1111 1111 1111"));
        assert!(!Validator::Luhn.check("4111 1111 1111 1112"));
        let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(b"\x02\x01\x08pypi.org\x02\x05abcdefghijklmnopqrstuvwxyz0123456789");
        assert!(Validator::PypiMacaroon.check(&format!("pypi-{body}")));
        assert!(!Validator::PypiMacaroon.check("pypi-AgEIcHlwaQ"));
        assert!(Validator::parse("crc").is_err());
    }
}
