"""The board's spoken call, rendered on the server without internet.

"Nomor antrian A empat belas, silakan ke loket Disdukcapil." is synthesised with
eSpeak NG's Indonesian voice. The engine is the shared library shipped by the
``espeakng-loader`` wheel (library and voice data, so no system package is needed),
called through ctypes; when it cannot be loaded, Debian's ``espeak-ng`` command is
used if it is on PATH; with neither, ``is_available()`` is false and the board plays
its chime alone. eSpeak NG is GPL-3: it is called at run time as a separate library or
program, and none of its code is copied here.

Clips are cached as WAV files under ``VAR_DIR/voice``, named by the SHA-256 of the
voice and the text, so the same call is rendered once. A clip is written to a
temporary file and moved into place with ``os.replace``: readers in other threads
or worker processes see either no file or a whole one. eSpeak keeps global state
and is not thread-safe, so synthesis in a process runs under one lock.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import wave
from pathlib import Path

from django.conf import settings

from bujian.queueing.models import Ticket

logger = logging.getLogger(__name__)

VOICE = "id"  # eSpeak NG's Indonesian voice
RATE_WPM = 150  # a little slower than eSpeak's 175: a hall echoes
CLI_TIMEOUT_SECONDS = 20

# --- the words ------------------------------------------------------------------------

_UNITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"]


def number_words(number: int) -> str:
    """Indonesian words for 0–999,999: 14 → "empat belas", 102 → "seratus dua",
    1000 → "seribu" ("se-" stands for "satu" before belas, puluh, ratus, ribu)."""
    if not 0 <= number < 1_000_000:
        raise ValueError(f"number out of range: {number}")
    if number < 10:
        return _UNITS[number]
    if number == 10:
        return "sepuluh"
    if number == 11:
        return "sebelas"
    if number < 20:
        return f"{_UNITS[number - 10]} belas"
    if number < 100:
        return _compose(number // 10, "puluh", number % 10, "")
    if number < 1000:
        return _compose(number // 100, "ratus", number % 100, "seratus")
    return _compose(number // 1000, "ribu", number % 1000, "seribu")


def _compose(head: int, unit: str, rest: int, one: str) -> str:
    words = one if (head == 1 and one) else f"{number_words(head)} {unit}"
    return f"{words} {number_words(rest)}" if rest else words


def announcement_text(*, prefix: str, number: int, agency: str) -> str:
    """What the board says for a call. Always Indonesian, whatever the page language:
    it is read by the Indonesian voice. The prefix is spelled letter by letter ("AB"
    would otherwise be read as a word); the number is said as a number, not digit by
    digit ("A-014" is "A empat belas")."""
    letters = " ".join(prefix.strip().upper())
    return f"Nomor antrian {letters} {number_words(number)}, silakan ke loket {agency.strip()}."


def ticket_announcement(ticket: Ticket) -> str:
    """The call of ``ticket``; needs ``booth__participation__agency`` loaded."""
    return announcement_text(
        prefix=ticket.booth.prefix,
        number=ticket.number,
        agency=ticket.booth.participation.agency.short_name,
    )


# --- the engines ----------------------------------------------------------------------


class VoiceUnavailable(Exception):
    """Neither the eSpeak NG library nor the ``espeak-ng`` command can be used."""


_AUDIO_OUTPUT_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT: synthesise into our callback
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class _Library:
    """eSpeak NG through ctypes, initialised once per process."""

    def __init__(self) -> None:
        import espeakng_loader  # type: ignore[import-untyped]

        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetSynthCallback.restype = None
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetParameter.restype = ctypes.c_int
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        data_path = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, 0)
        if rate <= 0:
            raise OSError(f"espeak_Initialize failed ({rate})")
        if lib.espeak_SetVoiceByName(VOICE.encode()) != 0:
            raise OSError(f"eSpeak NG has no voice {VOICE!r}")
        lib.espeak_SetParameter(_PARAM_RATE, RATE_WPM, 0)
        self.lib = lib
        self.sample_rate = rate
        self._chunks: list[bytes] = []
        # Kept on the instance: ctypes must not collect a callback C still holds.
        self._callback = _SynthCallback(self._collect)
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, samples: ctypes._Pointer[ctypes.c_short], count: int, events: int) -> int:
        if samples and count > 0:
            self._chunks.append(ctypes.string_at(samples, count * 2))
        return 0  # 0 = go on

    def synthesise(self, text: str) -> bytes:
        """16-bit mono PCM at ``sample_rate``. Call under ``_LOCK``."""
        self._chunks = []
        encoded = text.encode()
        error = self.lib.espeak_Synth(
            encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        if error != 0:
            raise VoiceUnavailable(f"espeak_Synth failed ({error})")
        pcm = b"".join(self._chunks)
        self._chunks = []
        return pcm


_LOCK = threading.Lock()
_library: _Library | None = None
_library_failed = False


def _get_library() -> _Library | None:
    """The loaded library, or None when it cannot be loaded (tried once). Under _LOCK."""
    global _library, _library_failed
    if _library is None and not _library_failed:
        try:
            _library = _Library()
        except (ImportError, OSError, RuntimeError, AttributeError) as error:
            logger.warning(
                "eSpeak NG library unavailable (%s); trying the espeak-ng command", error
            )
            _library_failed = True
    return _library


def _cli() -> str | None:
    return shutil.which("espeak-ng")


def is_available() -> bool:
    """Can this process speak? Loads the library on the first call."""
    with _LOCK:
        return _get_library() is not None or _cli() is not None


# --- the clips ------------------------------------------------------------------------


def cache_dir() -> Path:
    return Path(settings.VAR_DIR) / "voice"


def clip_key(text: str) -> str:
    return hashlib.sha256(f"{VOICE}\n{text}".encode()).hexdigest()


def clip_path(text: str) -> Path:
    """The WAV file saying ``text``, rendered now unless it is cached already.
    Raises VoiceUnavailable when no engine can speak."""
    path = cache_dir() / f"{clip_key(text)}.wav"
    if path.exists():
        return path
    with _LOCK:
        if path.exists():  # another thread rendered it while we waited
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".wav.tmp")
        os.close(handle)
        try:
            _render(text, Path(temporary))
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


def _render(text: str, out: Path) -> None:
    library = _get_library()
    if library is not None:
        pcm = library.synthesise(text)
        with wave.open(str(out), "wb") as clip:
            clip.setnchannels(1)
            clip.setsampwidth(2)
            clip.setframerate(library.sample_rate)
            clip.writeframes(pcm)
        return
    command = _cli()
    if command is None:
        raise VoiceUnavailable("neither the eSpeak NG library nor the espeak-ng command")
    try:
        subprocess.run(  # noqa: S603 (fixed program, text passed as one argument)
            [command, "-v", VOICE, "-s", str(RATE_WPM), "-w", str(out), "--", text],
            check=True,
            capture_output=True,
            timeout=CLI_TIMEOUT_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise VoiceUnavailable(f"espeak-ng failed: {error}") from error
