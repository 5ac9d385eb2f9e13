use super::*;
use crate::keys::KeyType;

#[test]
fn pae_is_as_the_specification_gives_it() {
    assert_eq!(
        pae("http://example.com/HelloWorld", b"hello world"),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    assert_eq!(pae("", b""), b"DSSEv1 0  0 ");
    // Lengths count bytes, not characters.
    assert_eq!(pae("é", b"\xff"), b"DSSEv1 2 \xc3\xa9 1 \xff");
}

/// A decimal number as 32 big-endian bytes.
fn be32(decimal: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for d in decimal.bytes() {
        let mut carry = u32::from(d - b'0');
        for b in out.iter_mut().rev() {
            let v = u32::from(*b) * 10 + carry;
            *b = (v & 0xff) as u8;
            carry = v >> 8;
        }
        assert_eq!(carry, 0, "fits in 32 bytes");
    }
    out
}

/// The test vector of the DSSE protocol (protocol.md, "Test Vectors"): ECDSA P-256 with
/// SHA-256, the signature as r‖s, the key given by its coordinates in decimal.
#[test]
fn verifies_the_dsse_specification_test_vector() {
    let x = be32("46950820868899156662930047687818585632848591499744589407958293238635476079160");
    let y = be32("5640078356564379163099075877009565129882514886557779369047442380624545832820");
    let spki_prefix = [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
        0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
    let key = PublicKey::from_spki_der(&[&spki_prefix[..], &x, &y].concat()).unwrap();
    assert_eq!(key.kind(), KeyType::EcdsaP256);
    let envelope = br#"{"payload": "aGVsbG8gd29ybGQ=",
 "payloadType": "http://example.com/HelloWorld",
 "signatures": [{"sig": "A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA=="}]}"#;
    let e = Envelope::parse(envelope).unwrap();
    assert_eq!(
        pae(&e.payload_type, &e.payload_bytes().unwrap()),
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    );
    let v = e.verify(std::slice::from_ref(&key)).unwrap();
    assert_eq!(v.payload, b"hello world");
    assert_eq!(v.payload_type, "http://example.com/HelloWorld");
    assert_eq!(v.keyids, [key.keyid()]);
    // The same with one bit of the signature changed does not verify.
    let bad = String::from_utf8(envelope.to_vec())
        .unwrap()
        .replace("A3Jqs", "A3Jqt");
    let err = Envelope::parse(bad.as_bytes())
        .unwrap()
        .verify(&[key])
        .unwrap_err();
    assert!(matches!(err, EnvelopeError::BadSignature { .. }), "{err}");
}

fn keys() -> (SigningKey, SigningKey) {
    (
        SigningKey::generate(KeyType::Ed25519).unwrap(),
        SigningKey::generate(KeyType::EcdsaP256).unwrap(),
    )
}

const TYPE: &str = "application/vnd.in-toto+json";

#[test]
fn signs_and_verifies_with_both_key_types() {
    let (ed, ec) = keys();
    for k in [&ed, &ec] {
        let e = Envelope::sign(TYPE, b"{\"a\":1}", &[k]).unwrap();
        assert_eq!(e.signatures[0].keyid, k.public_key().keyid());
        let back = Envelope::parse(e.to_json().as_bytes()).unwrap();
        let v = back.verify(std::slice::from_ref(k.public_key())).unwrap();
        assert_eq!(v.payload, b"{\"a\":1}");
        assert_eq!(v.keyids, [k.public_key().keyid()]);
    }
    // Two signers; either key alone verifies it.
    let e = Envelope::sign(TYPE, b"x", &[&ed, &ec]).unwrap();
    assert_eq!(
        e.verify(std::slice::from_ref(ec.public_key()))
            .unwrap()
            .keyids
            .len(),
        1
    );
    let both = [ed.public_key().clone(), ec.public_key().clone()];
    assert_eq!(e.verify(&both).unwrap().keyids.len(), 2);
}

fn err_of(e: &Envelope, key: &SigningKey) -> String {
    e.verify(std::slice::from_ref(key.public_key()))
        .unwrap_err()
        .to_string()
}

#[test]
fn tampering_is_refused_with_the_reason() {
    let (ed, ec) = keys();
    for k in [&ed, &ec] {
        let good = Envelope::sign(TYPE, b"{\"subject\":\"abc\"}", &[k]).unwrap();

        // One payload byte flipped.
        let mut e = good.clone();
        let mut p = e.payload_bytes().unwrap();
        p[3] ^= 1;
        e.payload = crate::b64::encode(&p);
        assert!(
            err_of(&e, k).contains("does not verify"),
            "{}",
            err_of(&e, k)
        );

        // Another payload type.
        let mut e = good.clone();
        e.payload_type = "application/json".into();
        assert!(err_of(&e, k).contains("does not verify"));

        // Another key, named by its keyid, and the same with the keyid removed.
        let other = SigningKey::generate(k.kind()).unwrap();
        let msg = err_of(&good, &other);
        assert!(msg.contains("no signature is by a trusted key"), "{msg}");
        assert!(msg.contains(k.public_key().keyid()), "{msg}");
        assert!(msg.contains(other.public_key().keyid()), "{msg}");
        let mut e = good.clone();
        e.signatures[0].keyid.clear();
        assert!(err_of(&e, &other).contains("does not verify"));
        // A keyid of the trusted key on a signature it did not make.
        let mut e = good.clone();
        e.signatures[0].keyid = other.public_key().keyid().to_string();
        assert!(err_of(&e, &other).contains("does not verify"));

        // Not base64.
        let mut e = good.clone();
        e.payload.insert(4, '*');
        let msg = err_of(&e, k);
        assert!(msg.contains("payload is not base64"), "{msg}");
        let mut e = good.clone();
        e.signatures[0].sig = "%%%".into();
        let msg = err_of(&e, k);
        assert!(msg.contains("signatures[0].sig is not base64"), "{msg}");

        // No signatures, and far too many.
        let mut e = good.clone();
        e.signatures.clear();
        assert!(err_of(&e, k).contains("no signatures"));
        let mut e = good.clone();
        e.signatures = vec![good.signatures[0].clone(); MAX_SIGNATURES + 1];
        assert!(err_of(&e, k).contains("65 signatures"));

        // An empty signature, a truncated one.
        let mut e = good.clone();
        e.signatures[0].sig.clear();
        assert!(err_of(&e, k).contains("does not verify"));
        let mut e = good.clone();
        e.signatures[0].sig.truncate(8);
        assert!(err_of(&e, k).contains("does not verify"));
    }
}

#[test]
fn no_trusted_keys_is_an_error_not_a_pass() {
    let (ed, _) = keys();
    let e = Envelope::sign(TYPE, b"x", &[&ed]).unwrap();
    assert_eq!(e.verify(&[]).unwrap_err(), EnvelopeError::NoTrustedKeys);
}

#[test]
fn reads_url_safe_unpadded_base64() {
    let (_, ec) = keys();
    // A payload whose base64 has + and / in the standard alphabet.
    let payload = [0xfbu8, 0xff, 0xbf, 0xfb, 0xef, 0xbe, 0x00];
    let mut e = Envelope::sign(TYPE, &payload, &[&ec]).unwrap();
    let url = |s: &str| {
        s.replace('+', "-")
            .replace('/', "_")
            .trim_end_matches('=')
            .to_string()
    };
    e.payload = url(&e.payload);
    e.signatures[0].sig = url(&e.signatures[0].sig);
    assert!(e.payload.contains('-') || e.payload.contains('_'));
    let v = e.verify(std::slice::from_ref(ec.public_key())).unwrap();
    assert_eq!(v.payload, payload);
}

#[test]
fn malformed_envelopes_are_refused_with_the_reason() {
    let (ed, _) = keys();
    let json = Envelope::sign(TYPE, b"{}", &[&ed]).unwrap().to_json();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (json.as_bytes()[..json.len() / 2].to_vec(), "cut short"),
        (b"".to_vec(), "cut short"),
        (b"[1,2]".to_vec(), "not a DSSE envelope"),
        (b"{\"payload\": 5}".to_vec(), "invalid type"),
        (
            b"{\"payloadType\": \"x\", \"signatures\": []}".to_vec(),
            "missing field `payload`",
        ),
        (b"\xff\xfe".to_vec(), "not a DSSE envelope"),
        (
            // Deep nesting in an unknown field is skipped without recursion.
            format!("{{\"x\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "missing field `payload`",
        ),
    ];
    for (bytes, want) in cases {
        let e = Envelope::parse(&bytes).unwrap_err().to_string();
        assert!(e.contains(want), "{want:?} not in {e:?}");
    }
}

#[test]
fn huge_envelopes_are_refused_before_parsing() {
    let huge = vec![b' '; MAX_ENVELOPE_BYTES + 1];
    let e = Envelope::parse(&huge).unwrap_err();
    assert!(matches!(e, EnvelopeError::TooLarge { .. }), "{e}");
    assert!(e.to_string().contains("over the"), "{e}");
    // A large but allowed payload signs and verifies.
    let (ed, _) = keys();
    let big = vec![b'a'; 4 << 20];
    let e = Envelope::sign(TYPE, &big, &[&ed]).unwrap();
    let back = Envelope::parse(e.to_json().as_bytes()).unwrap();
    assert_eq!(
        back.verify(std::slice::from_ref(ed.public_key()))
            .unwrap()
            .payload
            .len(),
        big.len()
    );
}
