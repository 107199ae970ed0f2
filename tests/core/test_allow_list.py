"""The receiver's allow-list: host names resolved, addresses compared as addresses, and a
refusal that says which host an AE title is allowed from (issue 10, item 9)."""

from __future__ import annotations

import logging

import pytest

from rtstation.config import AllowedCaller
from rtstation.net.allow_list import AllowList


def test_a_host_name_is_resolved_and_logged(caplog: pytest.LogCaptureFixture):
    with caplog.at_level(logging.INFO, logger="rtstation.net.allow_list"):
        allow = AllowList((AllowedCaller("MOSAIQ", "localhost"),), enabled=True)
    assert allow.check("MOSAIQ", "127.0.0.1").allowed
    assert "Allow-list host 'localhost' resolves to" in caplog.text
    assert "127.0.0.1" in caplog.text


def test_addresses_compare_as_addresses():
    allow = AllowList((AllowedCaller("ARIA", "10.0.0.5"),), enabled=True)
    assert allow.check("ARIA", "::ffff:10.0.0.5").allowed
    assert allow.check(" ARIA ", "10.0.0.5").allowed
    assert not allow.check("aria", "10.0.0.5").allowed  # AE titles are case-sensitive


def test_an_allowed_ae_from_another_host_is_named():
    allow = AllowList(
        (AllowedCaller("ARIA", "10.0.0.5"), AllowedCaller("ARIA", "10.0.0.6")), enabled=True
    )
    verdict = allow.check("ARIA", "10.0.0.9")
    assert not verdict.allowed
    assert verdict.reason == "AE 'ARIA' is allowed only from 10.0.0.5, 10.0.0.6, not from 10.0.0.9"
    unknown = allow.check("INTRUDER", "10.0.0.5")
    assert unknown.reason == "calling AE title not on the allow-list"


def test_an_entry_without_host_allows_any_address():
    allow = AllowList((AllowedCaller("FOLLOW"),), enabled=True)
    assert allow.check("FOLLOW", "192.0.2.44").allowed


def test_switched_off_allows_everyone():
    assert AllowList((), enabled=False).check("ANYONE", "192.0.2.1").allowed
