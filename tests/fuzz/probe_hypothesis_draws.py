"""Probe for tests/book/test_hypothesis_profiles.py: records every value hypothesis draws.

Not collected by a plain ``pytest`` (the name does not start with ``test_``); the profile test
runs it explicitly in a subprocess with ``PROBE_OUT`` set.
"""
import os

from hypothesis import given, settings, strategies as st


def _record(tag, x):
    with open(os.environ["PROBE_OUT"], "a") as fh:
        fh.write(f"{tag} {x!r}\n")


@settings(max_examples=5, deadline=None)  # fixed in the test, as most property tests of the book do
@given(st.floats(0.0, 1.0))
def test_fixed_budget(x):
    _record("fixed", x)


@given(st.integers(0, 10**9))
def test_profile_budget(n):
    _record("profile", n)
