"""The spoken call: Indonesian number words, the sentence, and the clip cache."""

from __future__ import annotations

import subprocess
import threading
import wave
from pathlib import Path
from typing import Any

import pytest
from pytest_django import Settings

from bujian.queueing import voice

SENTENCE = "Nomor antrian A empat belas, silakan ke loket Disdukcapil."


@pytest.fixture(autouse=True)
def _voice_dir(settings: Settings, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path


def needs_espeak() -> None:
    if not voice.is_available():
        pytest.skip(
            "eSpeak NG is not available: the espeakng-loader library did not load and "
            "espeak-ng is not on PATH"
        )


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "nol"),
        (7, "tujuh"),
        (10, "sepuluh"),
        (11, "sebelas"),
        (14, "empat belas"),
        (19, "sembilan belas"),
        (20, "dua puluh"),
        (21, "dua puluh satu"),
        (99, "sembilan puluh sembilan"),
        (100, "seratus"),
        (101, "seratus satu"),
        (110, "seratus sepuluh"),
        (115, "seratus lima belas"),
        (200, "dua ratus"),
        (999, "sembilan ratus sembilan puluh sembilan"),
        (1000, "seribu"),
        (1001, "seribu satu"),
        (2014, "dua ribu empat belas"),
        (9999, "sembilan ribu sembilan ratus sembilan puluh sembilan"),
        (11000, "sebelas ribu"),
        (100_000, "seratus ribu"),
    ],
)
def test_numbers_are_said_in_indonesian_words(number: int, words: str) -> None:
    assert voice.number_words(number) == words


@pytest.mark.parametrize("number", [-1, 1_000_000])
def test_numbers_out_of_range_are_refused(number: int) -> None:
    with pytest.raises(ValueError, match="out of range"):
        voice.number_words(number)


def test_the_call_says_the_number_as_a_number_and_names_the_booth() -> None:
    text = voice.announcement_text(prefix="A", number=14, agency="Disdukcapil")
    assert text == SENTENCE


def test_a_two_letter_prefix_is_spelled_letter_by_letter() -> None:
    text = voice.announcement_text(prefix="ab", number=102, agency=" Samsat ")
    assert text == "Nomor antrian A B seratus dua, silakan ke loket Samsat."


def test_the_clip_is_a_wav_of_a_few_seconds() -> None:
    needs_espeak()
    path = voice.clip_path(SENTENCE)
    assert path.parent == voice.cache_dir()
    with wave.open(str(path), "rb") as clip:
        seconds = clip.getnframes() / clip.getframerate()
        assert clip.getnchannels() == 1
        assert clip.getsampwidth() == 2
        frames = clip.readframes(clip.getnframes())
    assert 1.5 < seconds < 15
    assert frames.strip(b"\x00"), "the clip is silent"


def test_a_cached_clip_is_not_rendered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    needs_espeak()
    first = voice.clip_path(SENTENCE)
    written = first.stat().st_mtime_ns

    def refuse(text: str, out: Path) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(voice, "_render", refuse)
    again = voice.clip_path(SENTENCE)
    assert again == first
    assert again.stat().st_mtime_ns == written


def test_threads_asking_for_the_same_clip_get_one_whole_file() -> None:
    needs_espeak()
    text = voice.announcement_text(prefix="C", number=7, agency="Samsat")
    paths: list[Path] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            paths.append(voice.clip_path(text))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(paths)) == 1
    assert [p.name for p in voice.cache_dir().iterdir()] == [paths[0].name]  # no temp left
    with wave.open(str(paths[0]), "rb") as clip:
        assert clip.getnframes() > 0


def test_different_texts_get_different_clips() -> None:
    assert voice.clip_key(SENTENCE) != voice.clip_key(SENTENCE.replace("A", "B", 1))


def test_without_library_the_espeak_ng_command_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: Any) -> None:
        calls.append(command)
        out = command[command.index("-w") + 1]
        with wave.open(out, "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(22050)
            clip.writeframes(b"\x01\x00" * 22050)

    monkeypatch.setattr(voice, "_get_library", lambda: None)
    monkeypatch.setattr(voice, "_cli", lambda: "/usr/bin/espeak-ng")
    monkeypatch.setattr(subprocess, "run", fake_run)
    assert voice.is_available()
    path = voice.clip_path(SENTENCE)
    assert calls[0][:3] == ["/usr/bin/espeak-ng", "-v", "id"]
    assert calls[0][-1] == SENTENCE
    with wave.open(str(path), "rb") as clip:
        assert clip.getnframes() == 22050


def test_without_any_engine_there_is_no_voice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(voice, "_get_library", lambda: None)
    monkeypatch.setattr(voice, "_cli", lambda: None)
    assert not voice.is_available()
    with pytest.raises(voice.VoiceUnavailable):
        voice.clip_path(SENTENCE)
    assert list(voice.cache_dir().iterdir()) == []  # the temporary file is gone
