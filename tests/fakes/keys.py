"""RSA key pair for signing and verifying fake GitHub App JWTs in tests."""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@lru_cache(maxsize=1)
def _private_key() -> rsa.RSAPrivateKey:
    # Generating a 2048-bit key takes ~50-100 ms; cache it so a test session pays once.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@lru_cache(maxsize=1)
def private_key_pem() -> str:
    """PKCS#1 PEM, the format GitHub hands out for App private keys."""
    return (
        _private_key()
        .private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.TraditionalOpenSSL,
            encryption_algorithm=serialization.NoEncryption(),
        )
        .decode("ascii")
    )


@lru_cache(maxsize=1)
def public_key_pem() -> str:
    return (
        _private_key()
        .public_key()
        .public_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PublicFormat.SubjectPublicKeyInfo,
        )
        .decode("ascii")
    )
