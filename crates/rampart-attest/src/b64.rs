//! Base64 as DSSE asks verifiers to read it: standard or URL-safe alphabet, with or without
//! padding. rampart writes standard base64 with padding.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(false);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Standard base64 with padding (what rampart writes).
pub fn encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard or URL-safe base64, padded or not. The error says what is wrong and where.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    // A text holding '-' or '_' is URL-safe; one holding '+' or '/' standard; either alphabet
    // reads a text with neither.
    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    let standard = text.bytes().any(|b| b == b'+' || b == b'/');
    if url_safe && standard {
        return Err("mixes the standard (+ /) and URL-safe (- _) base64 alphabets".into());
    }
    let engine = if url_safe { &URL_SAFE } else { &STANDARD };
    engine.decode(text).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, byte) => {
            format!("is not base64: byte {at} is {:?}", char::from(byte))
        }
        base64::DecodeError::InvalidLength(n) => {
            format!("is not base64: {n} symbols cannot be whole bytes")
        }
        base64::DecodeError::InvalidLastSymbol(at, _) => {
            format!("is not base64: the last symbol (byte {at}) has bits that are not zero")
        }
        base64::DecodeError::InvalidPadding => "is not base64: wrong padding".to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_alphabets_with_and_without_padding() {
        let bytes = [0xfb, 0xff, 0xbf, 0x01];
        for text in ["+/+/AQ==", "-_-_AQ==", "+/+/AQ", "-_-_AQ"] {
            assert_eq!(decode(text).unwrap(), bytes, "{text}");
        }
        assert_eq!(decode(&encode(b"hello world")).unwrap(), b"hello world");
        assert_eq!(decode("").unwrap(), b"");
    }

    #[test]
    fn refuses_what_is_not_base64_with_the_reason() {
        assert!(decode("+/-_").unwrap_err().contains("mixes"));
        assert!(decode("aGVsbG8*").unwrap_err().contains("byte 7"));
        assert!(decode("a").unwrap_err().contains("not base64"));
        assert!(decode("aGVsbG8=x").unwrap_err().contains("not base64"));
    }
}
