"""SendGrid's signed event webhook: ECDSA P-256 over timestamp + raw body."""

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from api.errors import CollectorError

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """The verification key as SendGrid shows it: base64 DER (or PEM)."""
    data = text.strip().encode()
    if data.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
    else:
        key = serialization.load_der_public_key(base64.b64decode(data))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("the SendGrid verification key is not an EC public key")
    return key


def verify(
    key: ec.EllipticCurvePublicKey,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
) -> None:
    """Raise 401 unless the signature matches the timestamp and raw body."""
    if not signature or not timestamp:
        raise CollectorError(
            401,
            "missing_signature",
            f"The request lacks the {SIGNATURE_HEADER} or {TIMESTAMP_HEADER} header.",
        )
    try:
        key.verify(
            base64.b64decode(signature),
            timestamp.encode() + body,
            ec.ECDSA(hashes.SHA256()),
        )
    except (InvalidSignature, binascii.Error, ValueError):
        raise CollectorError(
            401, "invalid_signature", "The webhook signature does not match the body."
        ) from None
