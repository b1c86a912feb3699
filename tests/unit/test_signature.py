from app.web.signature import sign, verify

# GitHub's documented test vector:
# https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
SECRET = "It's a Secret to Everybody"
BODY = b"Hello, World!"
EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_sign_matches_githubs_test_vector() -> None:
    assert sign(SECRET, BODY) == EXPECTED


def test_verify_accepts_the_right_signature() -> None:
    assert verify(SECRET, BODY, EXPECTED)


def test_verify_rejects_wrong_missing_and_malformed_signatures() -> None:
    assert not verify(SECRET, BODY + b" ", EXPECTED)
    assert not verify("another secret", BODY, EXPECTED)
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY, EXPECTED.removeprefix("sha256="))
    assert not verify(SECRET, BODY, "sha1=" + EXPECTED.removeprefix("sha256="))
