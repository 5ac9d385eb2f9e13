"""Signs an in-toto statement in a DSSE envelope with securesystemslib, for rampart to verify.

usage: sign_python.py ed25519|ecdsa-p256 SUBJECT_SHA256_HEX OUT_DIR
Writes OUT_DIR/envelope.json, OUT_DIR/key.pub (SubjectPublicKeyInfo PEM), OUT_DIR/key.pem
(PKCS#8, unencrypted) and OUT_DIR/key.enc.pem (PKCS#8, encrypted with the passphrase "pw").
"""

import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

kind, subject, out = sys.argv[1:4]
if kind == "ed25519":
    private = ed25519.Ed25519PrivateKey.generate()
else:
    private = ec.generate_private_key(ec.SECP256R1())
public = private.public_key()
der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
keyid = hashlib.sha256(der).hexdigest()
signer = CryptoSigner(private, SSlibKey.from_crypto(public, keyid=keyid))

statement = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "python-artifact", "digest": {"sha256": subject}}],
    "predicateType": "https://example.com/python-signed/v1",
    "predicate": {"signed_by": "securesystemslib"},
}
envelope = Envelope(
    json.dumps(statement).encode(), "application/vnd.in-toto+json", {}
)
envelope.sign(signer)

with open(os.path.join(out, "envelope.json"), "w") as f:
    json.dump(envelope.to_dict(), f)
with open(os.path.join(out, "key.pub"), "wb") as f:
    f.write(public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo))
with open(os.path.join(out, "key.pem"), "wb") as f:
    f.write(private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
with open(os.path.join(out, "key.enc.pem"), "wb") as f:
    f.write(
        private.private_bytes(
            Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(b"pw")
        )
    )
print(keyid)
