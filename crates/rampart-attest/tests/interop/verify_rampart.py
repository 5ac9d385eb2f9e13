"""Verifies a DSSE envelope rampart signed, with securesystemslib (an independent DSSE
implementation), and reads rampart's private key with pyca/cryptography.

usage: verify_rampart.py ENVELOPE PUBLIC_KEY KEYID PRIVATE_KEY PASSPHRASE(or "")
Prints "ok" and the payload type; exits non-zero with the reason otherwise.
"""

import hashlib
import json
import sys

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey

envelope_path, public_path, keyid, private_path, passphrase = sys.argv[1:6]

with open(public_path, "rb") as f:
    public = load_pem_public_key(f.read())
der = public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
# rampart's keyid: hex SHA-256 of the SubjectPublicKeyInfo DER.
assert hashlib.sha256(der).hexdigest() == keyid, "keyid is not sha256(SPKI DER)"
key = SSlibKey.from_crypto(public, keyid=keyid)

with open(envelope_path, "rb") as f:
    envelope = Envelope.from_dict(json.load(f))
accepted = envelope.verify([key], 1)
assert list(accepted) == [keyid], accepted

# Tampering is caught by securesystemslib too.
envelope.payload = envelope.payload.replace(b"sha256", b"sha257")
try:
    envelope.verify([key], 1)
except Exception:  # VerificationError
    pass
else:
    raise SystemExit("a tampered payload verified")

with open(private_path, "rb") as f:
    private = load_pem_private_key(f.read(), password=passphrase.encode() or None)
assert (
    private.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) == der
), "the private key's public half differs"

print("ok", envelope.payload_type)
