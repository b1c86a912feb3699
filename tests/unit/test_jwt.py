from datetime import UTC, datetime, timedelta

import jwt
import pytest

from app.adapters.github.auth import InstallationToken, InstallationTokens, make_app_jwt
from tests.fakes.keys import private_key_pem, public_key_pem

NOW = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)


def test_app_jwt_claims_follow_githubs_rules() -> None:
    token = make_app_jwt("Iv1.abc", private_key_pem(), NOW)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(
        token,
        public_key_pem(),
        algorithms=["RS256"],
        options={"verify_exp": False, "verify_iat": False},
    )
    assert header["alg"] == "RS256"
    assert claims["iss"] == "Iv1.abc"
    assert claims["iat"] == int((NOW - timedelta(seconds=60)).timestamp())
    assert claims["exp"] - int(NOW.timestamp()) <= 600
    assert claims["exp"] > int(NOW.timestamp())


def test_installation_tokens_are_reused_until_near_expiry() -> None:
    now = [NOW]
    fetched: list[int] = []

    def fetch(installation_id: int) -> InstallationToken:
        fetched.append(installation_id)
        return InstallationToken(f"tok{len(fetched)}", now[0] + timedelta(hours=1))

    tokens = InstallationTokens(fetch, clock=lambda: now[0])
    assert tokens.get(1) == "tok1"
    now[0] += timedelta(minutes=50)
    assert tokens.get(1) == "tok1"
    now[0] += timedelta(minutes=6)  # within the renewal margin
    assert tokens.get(1) == "tok2"
    assert tokens.get(2) == "tok3"
    assert fetched == [1, 1, 2]


@pytest.mark.parametrize("issuer", ["4242", "Iv23liABCDEF"])
def test_issuer_is_passed_through(issuer: str) -> None:
    token = make_app_jwt(issuer, private_key_pem(), datetime.now(UTC))
    assert jwt.decode(token, public_key_pem(), algorithms=["RS256"])["iss"] == issuer
