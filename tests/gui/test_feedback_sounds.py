"""Sound players: asked to play, never block, fall back quietly. (Nothing asserts a sound was heard.)"""

from __future__ import annotations

import wave

import pytest

from packstation.gui.feedback import NullSoundPlayer, SystemSoundPlayer
from packstation.gui.resources import resource_path

pytestmark = pytest.mark.gui


def test_sound_files_are_short_distinct_wavs():
    durations = {}
    for name in ("good", "error"):
        with wave.open(str(resource_path("sounds", f"{name}.wav"))) as sound:
            durations[name] = sound.getnframes() / sound.getframerate()
    assert 0.05 < durations["good"] < 0.3
    assert durations["error"] > 2 * durations["good"]  # the error is longer: a double tone


def test_null_player_records_requests_and_respects_off():
    player = NullSoundPlayer()
    player.play_good()
    player.play_error()
    player.enabled = False
    player.play_error()
    assert player.played == ["good", "error"]


def test_system_player_starts_the_command_without_waiting(qapp, tmp_path):
    marker = tmp_path / "played.txt"
    script = tmp_path / "fake-player"
    script.write_text(f'#!/bin/sh\necho "$1" >> {marker}\n')
    script.chmod(0o755)
    player = SystemSoundPlayer(command=str(script))
    player.play_good()
    player.play_error()
    for child in player._children:
        child.wait(timeout=10)
    # Both players run at once (nothing waits), so they may write in either order.
    assert sorted(marker.read_text().splitlines()) == sorted(
        [str(resource_path("sounds", "good.wav")), str(resource_path("sounds", "error.wav"))]
    )
    player.play_good()  # reaps the finished players
    assert len(player._children) == 1
    player._children[0].wait(timeout=10)


def test_system_player_off_starts_nothing(qapp, tmp_path):
    player = SystemSoundPlayer(command=str(tmp_path / "never-run"), enabled=False)
    player.play_error()
    assert player._children == []


def test_missing_player_command_falls_back_to_the_beep(qapp, tmp_path, expected_log):
    expected_log.allow("Could not play sounds")
    player = SystemSoundPlayer(command=str(tmp_path / "no-such-player"))
    player.play_error()
    player.play_good()
    assert player.command is None
