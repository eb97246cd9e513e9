"""Canonical JSON: the same value gives the same bytes, whatever order its dicts were built in."""
import pytest

from trm.lib.canonical import canonical_json


def test_keys_are_sorted_and_there_is_no_whitespace():
    assert canonical_json({"b": [1, {"d": None, "c": True}], "a": "x"}) == b'{"a":"x","b":[1,{"c":true,"d":null}]}'


def test_non_ascii_text_is_kept_as_utf8():
    assert canonical_json({"emri": "Ëlira Жарко"}) == '{"emri":"Ëlira Жарко"}'.encode("utf-8")


def test_values_json_cannot_spell_are_refused():
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})
