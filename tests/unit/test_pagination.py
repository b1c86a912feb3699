from app.adapters.github import _next_link

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
