"""Compatibility shim: the ASR audio helpers are common/_audio's (the lead removes this module at the end)."""

from ..common._audio import check_audio as check_audio
from ..common._audio import read_audio as read_audio
from ..common._audio import resample as resample
from ..common._errors import AudioError as AudioError

__all__ = ["AudioError", "check_audio", "read_audio", "resample"]
