use super::*;
use pkcs8::der::Encode as _;
use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::pkcs5::pbes2::{Kdf, ScryptParams};

fn both() -> [SigningKey; 2] {
    [
        SigningKey::generate(KeyType::Ed25519).unwrap(),
        SigningKey::generate(KeyType::EcdsaP256).unwrap(),
    ]
}

#[test]
fn generated_keys_sign_and_verify() {
    for k in both() {
        let sig = k.sign(b"message").unwrap();
        assert!(k.public_key().verify(b"message", &sig), "{k:?}");
        assert!(!k.public_key().verify(b"messagf", &sig), "{k:?}");
        let other = SigningKey::generate(k.kind()).unwrap();
        assert!(!other.public_key().verify(b"message", &sig), "{k:?}");
    }
}

#[test]
fn ecdsa_signatures_are_der_and_fixed_ones_are_read_too() {
    let k = SigningKey::generate(KeyType::EcdsaP256).unwrap();
    let sig = k.sign(b"m").unwrap();
    assert_eq!(sig[0], 0x30, "ASN.1 SEQUENCE");
    // The same signature as r‖s.
    let pair = match &k.pair {
        Pair::Ecdsa(_) => sig::EcdsaKeyPair::from_pkcs8(
            &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
            &k.pkcs8,
            &SystemRandom::new(),
        )
        .unwrap(),
        Pair::Ed25519(_) => unreachable!(),
    };
    let fixed = pair.sign(&SystemRandom::new(), b"m").unwrap();
    assert_eq!(fixed.as_ref().len(), 64);
    assert!(k.public_key().verify(b"m", fixed.as_ref()));
}

#[test]
fn keyid_is_the_sha256_of_the_spki_der() {
    for k in both() {
        let p = k.public_key();
        let der = p.to_spki_der();
        assert_eq!(p.keyid(), Sha256Digest::of_bytes(&der).hex());
        assert_eq!(p.keyid().len(), 64);
        // The DER is a real SubjectPublicKeyInfo and reads back to the same key.
        assert_eq!(&PublicKey::from_spki_der(&der).unwrap(), p);
    }
}

use crate::digest::Sha256Digest;

#[test]
fn pem_round_trips() {
    for k in both() {
        let pem = k.to_pem(None).unwrap();
        assert!(
            pem.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "{}",
            &*pem
        );
        let back = SigningKey::from_pem(&pem, None).unwrap();
        assert_eq!(back.public_key(), k.public_key());
        let pub_pem = k.public_key().to_pem();
        assert!(pub_pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(&PublicKey::from_pem(&pub_pem).unwrap(), k.public_key());
        // CRLF line ends and surrounding blank lines are fine.
        let crlf = format!("\n{}\n", pub_pem.replace('\n', "\r\n"));
        assert_eq!(&PublicKey::from_pem(&crlf).unwrap(), k.public_key());
    }
}

#[test]
fn encrypted_keys_need_the_right_passphrase() {
    let k = SigningKey::generate(KeyType::Ed25519).unwrap();
    let pem = k.to_pem(Some(b"correct horse")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert!(is_encrypted_pem(&pem));
    let e = SigningKey::from_pem(&pem, None).unwrap_err();
    assert!(matches!(e, KeyError::NeedsPassphrase), "{e}");
    assert!(e.to_string().contains("--passphrase-env"), "{e}");
    let e = SigningKey::from_pem(&pem, Some(b"wrong horse")).unwrap_err();
    assert!(e.to_string().contains("wrong passphrase"), "{e}");
    let back = SigningKey::from_pem(&pem, Some(b"correct horse")).unwrap();
    assert_eq!(back.public_key(), k.public_key());
    assert!(k.to_pem(Some(b"")).is_err());
}

/// The encrypted key's `EncryptedPrivateKeyInfo` with its key-derivation settings replaced.
fn with_kdf(pem: &str, kdf: impl FnOnce(&mut Kdf)) -> String {
    let (_, der) = decode_pem(pem).unwrap();
    let mut info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der).unwrap();
    match &mut info.encryption_algorithm {
        EncryptionScheme::Pbes2(p) => kdf(&mut p.kdf),
        _ => unreachable!(),
    }
    let der = info.to_der().unwrap();
    pem::encode_string("ENCRYPTED PRIVATE KEY", LineEnding::LF, &der).unwrap()
}

#[test]
fn hostile_key_derivation_settings_are_refused_before_any_work() {
    let k = SigningKey::generate(KeyType::Ed25519).unwrap();
    let pem = k.to_pem(Some(b"pw")).unwrap();
    let costly = with_kdf(&pem, |kdf| match kdf {
        Kdf::Pbkdf2(p) => p.iteration_count = 50_000_000,
        _ => unreachable!(),
    });
    let t = std::time::Instant::now();
    let e = SigningKey::from_pem(&costly, Some(b"pw")).unwrap_err();
    assert!(matches!(e, KeyError::TooCostly(_)), "{e}");
    assert!(e.to_string().contains("50000000 iterations"), "{e}");
    assert!(t.elapsed().as_secs() < 2);
    // scrypt with N = 0 (pkcs5 0.8 panics computing log2(0)), a huge N, and huge memory.
    for (n, r, p, what) in [
        (0u64, 8u16, 1u16, "N = 0"),
        (1 << 40, 8, 1, "N = 1099511627776"),
        (1 << 20, 32, 1, "MiB of memory"),
        (1 << 10, 8, 0, "p = 0"),
    ] {
        let hostile = with_kdf(&pem, |kdf| {
            *kdf = Kdf::Scrypt(ScryptParams {
                salt: (&[1u8; 16][..]).try_into().unwrap(),
                cost_parameter: n,
                block_size: r,
                parallelization: p,
                key_length: None,
            })
        });
        let e = SigningKey::from_pem(&hostile, Some(b"pw")).unwrap_err();
        assert!(e.to_string().contains(what), "{what}: {e}");
    }
    // Cheap but valid scrypt settings only fail on the passphrase.
    let cheap = with_kdf(&pem, |kdf| {
        *kdf = Kdf::Scrypt(ScryptParams {
            salt: (&[1u8; 16][..]).try_into().unwrap(),
            cost_parameter: 1 << 10,
            block_size: 8,
            parallelization: 1,
            key_length: None,
        })
    });
    let e = SigningKey::from_pem(&cheap, Some(b"pw")).unwrap_err();
    assert!(matches!(e, KeyError::WrongPassphrase), "{e}");
}

#[test]
fn bad_key_files_are_refused_with_the_reason() {
    let k = SigningKey::generate(KeyType::EcdsaP256).unwrap();
    let private = k.to_pem(None).unwrap();
    let public = k.public_key().to_pem();
    let cases: Vec<(String, &str)> = vec![
        ("hello".into(), "does not start with"),
        (String::new(), "does not start with"),
        (private.to_string(), "this is a private key"),
        (
            public.replace("PUBLIC KEY", "CERTIFICATE"),
            "not a public key",
        ),
        (public[..public.len() / 2].to_string(), "not a valid PEM"),
        (public.replacen('M', "!", 2), "not a valid PEM"),
        // X25519 (an agreement key, not a signing key).
        (
            pem::encode_string(
                "PUBLIC KEY",
                LineEnding::LF,
                &[
                    &[
                        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
                    ][..],
                    &[9u8; 32],
                ]
                .concat(),
            )
            .unwrap(),
            "1.3.101.110",
        ),
        // A compressed P-256 point.
        (
            pem::encode_string(
                "PUBLIC KEY",
                LineEnding::LF,
                &[
                    &[
                        0x30, 0x39, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
                        0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
                        0x22, 0x00, 0x02,
                    ][..],
                    &[5u8; 32],
                ]
                .concat(),
            )
            .unwrap(),
            "uncompressed",
        ),
    ];
    for (text, want) in cases {
        let e = PublicKey::from_pem(&text).unwrap_err().to_string();
        assert!(e.contains(want), "{want:?} not in {e:?}");
    }
    let e = SigningKey::from_pem(&public, None).unwrap_err().to_string();
    assert!(e.contains("this is a public key"), "{e}");
    let sec1 = "-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n";
    let e = SigningKey::from_pem(sec1, None).unwrap_err().to_string();
    assert!(e.contains("openssl pkcs8 -topk8"), "{e}");
    let junk = pem::encode_string("PRIVATE KEY", LineEnding::LF, b"\x30\x03\x02\x01\x00").unwrap();
    let e = SigningKey::from_pem(&junk, None).unwrap_err().to_string();
    assert!(e.contains("not a PKCS#8 private key"), "{e}");
}

#[test]
fn key_files_are_written_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let k = SigningKey::generate(KeyType::Ed25519).unwrap();
    let key = dir.path().join("k.pem");
    let pubk = dir.path().join("k.pub");
    write_key_file(&key, &k.to_pem(None).unwrap(), true).unwrap();
    write_key_file(&pubk, &k.public_key().to_pem(), false).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let e = write_key_file(&key, "x", true).unwrap_err().to_string();
    assert!(e.contains("already exists"), "{e}");
    assert_eq!(
        read_signing_key(&key, None).unwrap().public_key(),
        k.public_key()
    );
    assert_eq!(&read_public_key(&pubk).unwrap(), k.public_key());
    let e = read_public_key(&key).unwrap_err().to_string();
    assert!(
        e.starts_with(&key.display().to_string()),
        "names the file: {e}"
    );
    let e = read_public_key(&dir.path().join("missing"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing"), "{e}");
    let big = dir.path().join("big");
    std::fs::write(&big, vec![b'a'; 100_000]).unwrap();
    let e = read_public_key(&big).unwrap_err().to_string();
    assert!(e.contains("larger than"), "{e}");
    std::fs::write(&big, [0xff, 0xfe]).unwrap();
    let e = read_public_key(&big).unwrap_err().to_string();
    assert!(e.contains("not text"), "{e}");
}

#[test]
fn key_type_names() {
    assert_eq!("ed25519".parse::<KeyType>().unwrap(), KeyType::Ed25519);
    assert_eq!("ECDSA-P256".parse::<KeyType>().unwrap(), KeyType::EcdsaP256);
    assert!(
        "rsa"
            .parse::<KeyType>()
            .unwrap_err()
            .contains("ed25519 or ecdsa-p256")
    );
}
