"""The SOM client's token scrubbing: every form of the token, cut-off copies, echoes inside JSON."""

from __future__ import annotations

import base64
import json

import httpx

from packstation.adapters.som.errors import ApiErrorBody, MalformedResponseError
from packstation.adapters.som.secrets import Scrubber

TOKEN = "s3cr3t-token-value-0123456789"
ENCODED = base64.b64encode(TOKEN.encode()).decode()


def test_every_form_and_a_cut_off_copy_are_removed_from_texts():
    scrub = Scrubber(TOKEN)
    url_quoted = ENCODED.replace("=", "%3D")
    text = f"a {TOKEN} b {ENCODED} c {url_quoted} d 'Authorization: Bearer {ENCODED[:20]}...' e"
    clean = scrub.text(text)
    assert TOKEN[:12] not in clean and ENCODED[:12] not in clean
    assert clean.startswith("a *** b *** c *** d") and clean.endswith(" e")
    assert scrub.text(f"half a token: {TOKEN[:15]}") == "half a token: ***"
    assert scrub.text("an ordinary message, HTTP 200 at 10:42") == "an ordinary message, HTTP 200 at 10:42"


def test_answers_keep_a_customer_named_bearer_but_lose_bearer_credentials():
    scrub = Scrubber(TOKEN)
    raw = b'{"name": "Anna Bearer Smith", "debug": "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abcdef"}'
    assert json.loads(scrub.raw(raw)) == {"name": "Anna Bearer Smith", "debug": "Authorization: Bearer ***"}
    assert scrub.document({"name": "Anna Bearer Smith"}) == {"name": "Anna Bearer Smith"}
    assert scrub.text("proxy said Bearer abc") == "proxy said Bearer ***"  # texts: any credential


def test_a_json_echo_with_escaped_slashes_is_caught_after_parsing():
    token = "tok/with+slashes//and/more"
    scrub = Scrubber(token)
    raw = json.dumps({"debug": {"header": f"Bearer {token}", "token": token}}).replace("/", "\\/").encode()
    assert scrub.raw(raw) == raw  # escaped: invisible in the bytes ...
    doc = scrub.document(json.loads(raw))
    assert token not in json.dumps(doc)  # ... but not in the parsed document


def test_an_error_its_body_and_its_cause_are_scrubbed_in_place():
    scrub = Scrubber(TOKEN)
    try:
        try:
            raise httpx.ReadError(f"peer said {ENCODED}")
        except httpx.ReadError as cause:
            raise MalformedResponseError(
                f"answer {TOKEN}", body=ApiErrorBody(message=ENCODED, error=TOKEN, details=[{"k": TOKEN}])
            ) from cause
    except MalformedResponseError as exc:
        raised = exc
    error = scrub.error(raised)
    assert error is raised
    everything = [
        str(error),
        error.message,
        error.body.message,
        error.body.error,
        json.dumps(error.body.details),
    ]
    everything.append(str(error.__cause__))
    for text in everything:
        assert TOKEN not in text and ENCODED not in text
