"""Voice activity detection: where the speech is in a recording.

`detect_speech(model, audio)` returns the speech segments; `model=None` is the pretrained Silero VAD whose weights
the optional `silero-vad` package installs, and a MarbleNet classifier works too. `split_at_silences` cuts long
recordings into pieces for ASR. Audio is read by the collections' one audio-input layer (`neuraltypes_collections.
common.read_audio`, `load_audio`).
"""

from ._detect import (
    SpeechDetector as SpeechDetector,
)
from ._detect import (
    detect_speech as detect_speech,
)
from ._detect import (
    speech_detector as speech_detector,
)
from ._detect import (
    split_at_silences as split_at_silences,
)
from ._segments import (
    AudioChunk as AudioChunk,
)
from ._segments import (
    DetectSpeechOptions as DetectSpeechOptions,
)
from ._segments import (
    SegmentationOptions as SegmentationOptions,
)
from ._segments import (
    SpeechDetection as SpeechDetection,
)
from ._segments import (
    SpeechSegment as SpeechSegment,
)
from ._segments import (
    TimeSpan as TimeSpan,
)
from ._segments import (
    segments_from_probs as segments_from_probs,
)
from ._segments import (
    speech_probs_of as speech_probs_of,
)
from ._silero import (
    SileroVad as SileroVad,
)
from ._silero import (
    SileroVadDimensions as SileroVadDimensions,
)
from ._silero import (
    SileroVadStep as SileroVadStep,
)
from ._silero import (
    hann_dft_basis as hann_dft_basis,
)
from ._weights import (
    WeightsSource as WeightsSource,
)
from ._weights import (
    default_silero_vad as default_silero_vad,
)
from ._weights import (
    load_silero_vad as load_silero_vad,
)
from ._weights import (
    silero_weights_file as silero_weights_file,
)

__all__ = [
    "AudioChunk",
    "DetectSpeechOptions",
    "SegmentationOptions",
    "SileroVad",
    "SileroVadDimensions",
    "SileroVadStep",
    "SpeechDetection",
    "SpeechDetector",
    "SpeechSegment",
    "TimeSpan",
    "WeightsSource",
    "default_silero_vad",
    "detect_speech",
    "hann_dft_basis",
    "load_silero_vad",
    "segments_from_probs",
    "silero_weights_file",
    "speech_detector",
    "speech_probs_of",
    "split_at_silences",
]
