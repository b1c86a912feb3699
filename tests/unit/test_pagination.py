from app.adapters.github.client import _next_link

LINK = (
    '<https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2>; rel="next", '
    '<https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=3>; rel="last"'
)


def test_next_link_is_followed_as_given() -> None:
    assert _next_link(LINK) == (
        "https://api.github.com/repositories/1/pulls/2/files?per_page=100&page=2"
    )


def test_last_page_has_no_next() -> None:
    last = LINK.replace('rel="next"', 'rel="prev"')
    assert _next_link(last) is None
    assert _next_link("") is None


def test_a_time_limit_interrupting_a_request_is_not_a_github_failure() -> None:
    import httpx
    from celery.exceptions import SoftTimeLimitExceeded
    from githubkit.exception import RequestError

    from app.adapters.github.client import translate
    from app.errors import TransientError

    interrupted = translate(RequestError(SoftTimeLimitExceeded()), "GET /x")
    assert isinstance(interrupted, SoftTimeLimitExceeded)  # for the task to end as timed_out
    network = translate(RequestError(httpx.ConnectError("refused")), "GET /x")
    assert isinstance(network, TransientError)  # retried later
