"""The app cannot open a connection beyond loopback."""

import socket
import threading
import urllib.request
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from course.loopback import OffLoopbackError, attempts, install_guard, is_loopback

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "localhost"])
def test_loopback_addresses_are_recognised(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "192.168.1.1", "8.8.8.8", "aws.amazon.com", "::ffff:8.8.8.8"]
)
def test_other_addresses_are_not(host):
    assert not is_loopback(host)


def test_guard_refuses_public_and_private_addresses_but_allows_loopback():
    install_guard()
    with socket.create_server(("127.0.0.1", 0)) as server:
        accepted = threading.Thread(target=lambda: server.accept()[0].close())
        accepted.start()
        socket.create_connection(server.getsockname(), timeout=2).close()
        accepted.join(timeout=5)

    for address in [("93.184.216.34", 80), ("10.1.2.3", 443)]:
        with pytest.raises(OffLoopbackError):
            socket.create_connection(address, timeout=2)
    with pytest.raises(OSError):  # urllib wraps the refusal; nothing leaves the machine
        urllib.request.urlopen("http://198.51.100.7/", timeout=2)
    assert any("198.51.100.7" in attempt for attempt in attempts())


def test_rendering_every_page_attempts_no_connection_beyond_loopback():
    before = len(attempts())
    at = AppTest.from_file(APP, default_timeout=30).run()
    at.switch_page("lessons/page.py").run()
    assert not at.exception
    assert attempts()[before:] == []
