"""The client's address recorded as signature evidence and counted by the application rate limit."""

import pytest
from django.test import RequestFactory

from alternance.views.mixins import client_ip


def request(remote: str = "10.0.0.5", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_socket_address_wins_over_any_header(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(request(forwarded="203.0.113.9")) == "10.0.0.5"


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (1, "203.0.113.9", "203.0.113.9"),  # one proxy appended the client's address
    (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged first entry is never read
    (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),  # two proxies: second from the right
    (2, "203.0.113.9", "10.0.0.5"),  # fewer entries than proxies: the socket's address
    (1, "", "10.0.0.5"),  # no header at all
])
def test_behind_trusted_proxies_the_client_is_read_from_the_right(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXIES = proxies
    assert client_ip(request(forwarded=forwarded)) == expected
