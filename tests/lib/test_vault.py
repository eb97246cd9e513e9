"""The identity vault's field encryption and blind index, through trm.lib.vault's public API."""
import base64
import json
import secrets
import stat
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trm.lib.vault import (
    Keyring,
    VaultDecryptError,
    VaultKeyError,
    blind_index,
    blob_version,
    create_key_file,
    decrypt,
    encrypt,
    keyring_from_env_value,
    keyring_from_json,
    keyring_to_json,
    load_keyring,
    normalise_for_index,
)

MARKER = "Elira Hoxha born 2008-03-14 Fier"
AAD = b"person:42:family_name"


def new_keyring():
    return Keyring(current=1, keys={1: secrets.token_bytes(32)})


def b64(raw):
    return base64.b64encode(raw).decode()


KEYRING_FOR_PROPERTIES = new_keyring()


@pytest.fixture
def keyring():
    return new_keyring()


# Encryption


def test_a_value_decrypts_to_what_was_encrypted(keyring):
    assert decrypt(keyring, encrypt(keyring, b"Hoxha", aad=AAD), aad=AAD) == b"Hoxha"


def test_the_blob_starts_with_the_key_version_and_never_contains_the_plaintext(keyring):
    blob = encrypt(keyring, MARKER.encode(), aad=AAD)
    assert blob[0] == 1 and blob_version(blob) == 1
    assert MARKER.encode() not in blob and b"Elira" not in blob
    assert len(blob) == 1 + 12 + len(MARKER.encode()) + 16


def test_the_same_value_encrypts_differently_each_time(keyring):
    assert encrypt(keyring, b"Hoxha", aad=AAD) != encrypt(keyring, b"Hoxha", aad=AAD)


def test_a_blob_moved_to_another_record_does_not_decrypt(keyring):
    blob = encrypt(keyring, b"Hoxha", aad=b"person:42:family_name")
    with pytest.raises(VaultDecryptError):
        decrypt(keyring, blob, aad=b"person:43:family_name")


def test_a_blob_with_one_flipped_byte_does_not_decrypt(keyring):
    blob = bytearray(encrypt(keyring, b"Hoxha", aad=AAD))
    for position in (1, 13, len(blob) - 1):  # nonce, ciphertext, tag
        altered = blob.copy()
        altered[position] ^= 0x01
        with pytest.raises(VaultDecryptError):
            decrypt(keyring, bytes(altered), aad=AAD)


@pytest.mark.parametrize("length", [0, 1, 13, 28])
def test_a_truncated_blob_does_not_decrypt(keyring, length):
    blob = encrypt(keyring, b"", aad=AAD)
    assert len(blob) == 29
    with pytest.raises(VaultDecryptError, match="empty|truncated"):
        decrypt(keyring, blob[:length], aad=AAD)


def test_a_blob_made_with_another_key_does_not_decrypt(keyring):
    with pytest.raises(VaultDecryptError):
        decrypt(new_keyring(), encrypt(keyring, b"Hoxha", aad=AAD), aad=AAD)


def test_old_blobs_still_decrypt_after_a_new_key_and_new_blobs_use_it(keyring):
    old = encrypt(keyring, b"Hoxha", aad=AAD)
    rotated = keyring.with_new_key()
    new = encrypt(rotated, b"Hoxha", aad=AAD)
    assert rotated.current == 2 and sorted(rotated.keys) == [1, 2]
    assert blob_version(old) == 1 and blob_version(new) == 2
    assert decrypt(rotated, old, aad=AAD) == decrypt(rotated, new, aad=AAD) == b"Hoxha"
    assert keyring.current == 1  # the old keyring is unchanged


def test_a_blob_of_an_unknown_key_version_fails_naming_the_version(keyring):
    blob = encrypt(keyring.with_new_key(), b"Hoxha", aad=AAD)
    with pytest.raises(VaultKeyError, match="no key version 2 .*holds 1"):
        decrypt(keyring, blob, aad=AAD)


def test_encryption_and_index_keys_differ_from_each_other_and_from_the_master(keyring):
    derived = {keyring.encryption_key(1), keyring.index_key(1), keyring.keys[1]}
    assert len(derived) == 3 and all(len(key) == 32 for key in derived)
    assert keyring.encryption_key(1) is keyring.encryption_key(1)  # cached


def test_the_keyring_repr_shows_no_key_material(keyring):
    assert b64(keyring.keys[1]) not in repr(keyring) and repr(keyring.keys[1]) not in repr(keyring)


@given(plaintext=st.binary(max_size=2048), aad=st.binary(max_size=256))
def test_any_bytes_decrypt_to_themselves_with_any_associated_data(plaintext, aad):
    keyring = KEYRING_FOR_PROPERTIES
    assert decrypt(keyring, encrypt(keyring, plaintext, aad=aad), aad=aad) == plaintext


def test_no_error_message_contains_the_plaintext(keyring):
    blob = encrypt(keyring, MARKER.encode(), aad=AAD)
    altered = blob[:20] + bytes([blob[20] ^ 0xFF]) + blob[21:]
    attempts = [
        lambda: decrypt(keyring, altered, aad=AAD),
        lambda: decrypt(keyring, blob, aad=b"person:43"),
        lambda: decrypt(new_keyring(), blob, aad=AAD),
        lambda: decrypt(keyring, blob[:-17], aad=AAD),
        lambda: decrypt(keyring, bytes([9]) + blob[1:], aad=AAD),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError) as caught:
            attempt()
        message = str(caught.value) + repr(caught.value)
        assert "Elira" not in message and "Hoxha" not in message and caught.value.__cause__ is None


# Blind index


@pytest.mark.parametrize(
    "variants",
    [
        ["Elira Hoxha", "ELIRA  HOXHA", "Elíra Hoxha", " elira\u00a0hoxha\t"],
        ["Ştefan", "Ștefan", "Stefan", "STEFAN", "S\u0326tefan"],
        ["Ţepeş", "Țepeș", "Tepes"],
        ["Weiß", "WEISS", "weiss"],
        ["Ærø", "aero"],
        ["Đorđe", "Dorde", "ĐORĐE"],
        ["Łukasz", "Lukasz"],
        ["Zoë Çela", "Zoe Cela"],
    ],
)
def test_spelling_variants_of_a_name_share_a_blind_index(keyring, variants):
    assert len({blind_index(keyring, name) for name in variants}) == 1


def test_the_normalised_form_is_lowercase_folded_and_single_spaced():
    assert normalise_for_index("  Elíra   HOXHA ") == "elira hoxha"
    assert normalise_for_index("Ştefan Ţurcanu") == "stefan turcanu"


def test_cyrillic_stays_cyrillic():
    assert normalise_for_index("Мария  ИВАНОВА") == "мария иванова"
    assert normalise_for_index("Ђорђе") == "ђорђе"


def test_different_names_have_different_blind_indexes(keyring):
    names = ["Elira Hoxha", "Elira Hoxhaj", "Arta Hoxha", "Мария Иванова", "Marija Ivanova"]
    assert len({blind_index(keyring, name) for name in names}) == len(names)


def test_the_same_name_has_different_blind_indexes_in_different_keyrings(keyring):
    assert blind_index(keyring, "Elira Hoxha") != blind_index(new_keyring(), "Elira Hoxha")


def test_a_blind_index_is_hex_sha256_and_does_not_contain_the_name(keyring):
    index = blind_index(keyring, "Elira Hoxha")
    assert len(index) == 64 and int(index, 16) >= 0 and "elira" not in index


def test_a_blind_index_can_be_computed_with_an_older_key_version(keyring):
    rotated = keyring.with_new_key()
    assert blind_index(rotated, "Elira Hoxha", version=1) == blind_index(keyring, "Elira Hoxha")
    assert blind_index(rotated, "Elira Hoxha") != blind_index(keyring, "Elira Hoxha")
    with pytest.raises(VaultKeyError):
        blind_index(keyring, "Elira Hoxha", version=2)


@pytest.mark.parametrize("value", ["", "   ", "\u0301", "\t\n"])
def test_an_empty_value_has_no_blind_index(keyring, value):
    with pytest.raises(ValueError):
        blind_index(keyring, value)


@given(st.text(max_size=40))
def test_normalising_a_normalised_value_changes_nothing(value):
    once = normalise_for_index(value)
    assert normalise_for_index(once) == once


# Key files and environment values


def test_a_new_key_file_is_readable_by_its_owner_only_and_loads_back(tmp_path):
    path = tmp_path / "keys" / "vault.json"
    created = create_key_file(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = load_keyring(env_value=None, path=path)
    assert loaded == created and loaded.current == 1


def test_a_key_file_readable_by_others_is_refused_naming_the_file_and_the_fix(tmp_path):
    path = tmp_path / "vault.json"
    create_key_file(path)
    path.chmod(0o644)
    with pytest.raises(VaultKeyError) as caught:
        load_keyring(env_value=None, path=path)
    assert str(path) in str(caught.value) and "chmod 600" in str(caught.value)


def test_create_key_file_never_overwrites(tmp_path):
    path = tmp_path / "vault.json"
    create_key_file(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError):
        create_key_file(path)
    assert path.read_bytes() == before


def test_a_missing_key_file_is_refused_naming_the_file(tmp_path):
    with pytest.raises(VaultKeyError, match="missing.json"):
        load_keyring(env_value=None, path=tmp_path / "missing.json")


def test_the_env_value_wins_over_the_key_file_in_either_form(tmp_path):
    path = tmp_path / "vault.json"
    from_file = create_key_file(path)
    raw = secrets.token_bytes(32)
    single = load_keyring(env_value=b64(raw) + "\n", path=path)
    assert single == Keyring(current=1, keys={1: raw}) and single != from_file
    rotated = new_keyring().with_new_key()
    assert load_keyring(env_value=keyring_to_json(rotated), path=path) == rotated
    assert load_keyring(env_value="", path=path) == from_file


def test_a_keyring_survives_its_json_form():
    keyring = new_keyring().with_new_key().with_new_key()
    document = json.loads(keyring_to_json(keyring))
    assert document["current"] == 3 and sorted(document["keys"]) == ["1", "2", "3"]
    assert keyring_from_json(keyring_to_json(keyring)) == keyring


GOOD = b64(bytes(32))


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"current": 1}',
        '{"current": 1, "keys": {"1": "%s"}}' % b64(bytes(31)),
        '{"current": 1, "keys": {"1": "%s"}}' % b64(bytes(33)),
        '{"current": 1, "keys": {"1": "not base64!"}}',
        '{"current": 1, "keys": {"1": 12}}',
        '{"current": 2, "keys": {"1": "%s"}}' % GOOD,
        '{"current": "1", "keys": {"1": "%s"}}' % GOOD,
        '{"current": true, "keys": {"1": "%s"}}' % GOOD,
        '{"current": 0, "keys": {"0": "%s"}}' % GOOD,
        '{"current": 256, "keys": {"256": "%s"}}' % GOOD,
        '{"current": 1, "keys": {"one": "%s"}}' % GOOD,
    ],
)
def test_malformed_key_files_are_refused(text):
    with pytest.raises(VaultKeyError):
        keyring_from_json(text)


@pytest.mark.parametrize("value", ["", "not base64!", b64(bytes(16)), b64(bytes(64)), "{not json"])
def test_malformed_env_values_are_refused(value):
    with pytest.raises(VaultKeyError):
        keyring_from_env_value(value)


def test_key_errors_do_not_echo_key_material():
    short = b64(b"\x8f" * 31)
    with pytest.raises(VaultKeyError) as caught:
        keyring_from_env_value(short)
    assert short not in str(caught.value)


def test_keyrings_refuse_keys_of_the_wrong_length_or_version():
    with pytest.raises(VaultKeyError):
        Keyring(current=1, keys={1: bytes(16)})
    with pytest.raises(VaultKeyError):
        Keyring(current=300, keys={300: bytes(32)})
    with pytest.raises(VaultKeyError):
        Keyring(current=2, keys={1: bytes(32)})


def test_version_255_is_the_last():
    keyring = Keyring(current=255, keys={255: bytes(32)})
    assert blob_version(encrypt(keyring, b"x", aad=b"")) == 255
    with pytest.raises(VaultKeyError):
        keyring.with_new_key()


def test_the_vault_imports_no_django():
    code = "import sys, trm.lib.vault; sys.exit(any(m.startswith('django') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
