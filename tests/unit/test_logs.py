"""The log files never contain the API token: not in messages, arguments, tracebacks or headers."""

from __future__ import annotations

import base64
import logging

import pytest

from packstation.adapters import logs

TOKEN = "tok_live_5up3r-s3cret-value"
TOKEN_B64 = base64.b64encode(TOKEN.encode()).decode()


@pytest.fixture
def log_file(tmp_path):
    path = logs.setup_logging(tmp_path / "logs", level="DEBUG")
    logs.register_secret(TOKEN)
    yield path
    logs.teardown_logging()
    logs.forget_secrets()
    logging.getLogger().setLevel(logging.WARNING)


def _text(path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_log_file_is_in_the_requested_dir_and_has_time_level_logger(log_file, tmp_path):
    logging.getLogger("packstation.test").info("station started")
    text = _text(log_file)
    assert log_file.parent == tmp_path / "logs"
    assert "INFO" in text and "packstation.test" in text and "station started" in text
    assert text[:4].isdigit()  # starts with the year


def test_secret_in_message_is_redacted(log_file):
    logging.getLogger("packstation.test").info(f"token is {TOKEN} and b64 {TOKEN_B64}")
    text = _text(log_file)
    assert TOKEN not in text and TOKEN_B64 not in text
    assert text.count(logs.REDACTED) == 2


def test_secret_in_args_is_redacted(log_file, expected_log):
    expected_log.allow("headers")
    logging.getLogger("packstation.test").warning(
        "headers %s, token %r", {"Authorization": f"Bearer {TOKEN_B64}"}, TOKEN
    )
    text = _text(log_file)
    assert TOKEN not in text and TOKEN_B64 not in text
    assert "headers" in text and logs.REDACTED in text


def test_secret_in_exception_traceback_is_redacted(log_file, expected_log):
    expected_log.allow("call failed")
    log = logging.getLogger("packstation.test")
    try:
        raise RuntimeError(f"request failed with Authorization: Bearer {TOKEN_B64} for {TOKEN}")
    except RuntimeError:
        log.exception("call failed")
    text = _text(log_file)
    assert "Traceback" in text and "RuntimeError" in text
    assert TOKEN not in text and TOKEN_B64 not in text


def test_unregistered_bearer_and_authorization_values_are_redacted(log_file):
    log = logging.getLogger("packstation.test")
    log.info("sent Authorization: Bearer abc.def-ghi and later bearer xyz123")
    log.info("headers {'authorization': 'Basic dXNlcjpwYXNz'}")
    text = _text(log_file)
    for leaked in ("abc.def-ghi", "xyz123", "dXNlcjpwYXNz"):
        assert leaked not in text
    assert "Bearer [REDACTED]" in text


def test_third_party_loggers_are_redacted_too(log_file):
    logging.getLogger("httpx").info("GET https://api.example/?t=%s", TOKEN)
    assert TOKEN not in _text(log_file)


def test_setup_twice_does_not_duplicate_lines(log_file, tmp_path):
    logs.setup_logging(tmp_path / "logs", level="DEBUG")
    logging.getLogger("packstation.test").info("once only")
    assert _text(log_file).count("once only") == 1


def test_redact_leaves_ordinary_text_alone():
    assert logs.redact("box 3 closed, label printed") == "box 3 closed, label printed"
    logs.register_secret("ab")  # too short to be a token: would blank out words
    assert logs.redact("about tabs") == "about tabs"


def test_unknown_level_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="unknown log level"):
        logs.setup_logging(tmp_path, level="LOUD")
    assert not any(getattr(h, "_packstation", False) for h in logging.getLogger().handlers)


def test_handlers_installed_by_others_are_scrubbed_too(tmp_path):
    """escpos calls logging.basicConfig() on import; that stderr handler must not leak the token."""
    import io

    stream = io.StringIO()
    foreign = logging.StreamHandler(stream)
    logging.getLogger().addHandler(foreign)
    try:
        logs.setup_logging(tmp_path)
        logs.register_secret(TOKEN)
        logging.getLogger("escpos.test").error("printer said %s", TOKEN)
        assert "printer said" in stream.getvalue() and TOKEN not in stream.getvalue()
    finally:
        logging.getLogger().removeHandler(foreign)
        logs.teardown_logging()
        logs.forget_secrets()
        logging.getLogger().setLevel(logging.WARNING)
