"""Speech recognition: NeMo-compatible Jasper/QuartzNet CTC models and Whisper, typed from audio to text.

    from neuraltypes_collections.asr import CTCModel, WhisperModel
    model = CTCModel.restore_from("quartznet.nemo")       # a NeMo checkpoint or a neuraltypes archive
    print(model.transcribe("clip.wav").text)        # one recording in, one Transcription out
    print(WhisperModel.from_pretrained("whisper_tiny_en").transcribe("clip.wav").text)
"""

from ..common._audio import read_audio as read_audio
from ..common._audio import resample as resample
from ..common._errors import AudioError as AudioError
from ..common._mel import MelConfig as MelConfig
from ..common._mel import MelFrontEnd as MelFrontEnd
from . import classification as classification
from . import speaker as speaker
from . import whisper as whisper
from ._configs import load_model_config as load_model_config
from ._configs import model_config_names as model_config_names
from ._data import (
    AudioAugmentConfig as AudioAugmentConfig,
)
from ._data import (
    AudioTextDataset as AudioTextDataset,
)
from ._data import (
    augment_waveform as augment_waveform,
)
from ._data import (
    collate_audio_text as collate_audio_text,
)
from ._decoding import (
    BeamSearchOptions as BeamSearchOptions,
)
from ._decoding import (
    CTCBeamDecoder as CTCBeamDecoder,
)
from ._decoding import (
    collapse_ctc as collapse_ctc,
)
from ._decoding import (
    greedy_decode as greedy_decode,
)
from ._manifest import ManifestEntry as ManifestEntry
from ._manifest import ManifestError as ManifestError
from ._manifest import read_manifest as read_manifest
from ._metrics import ErrorRate as ErrorRate
from ._metrics import cer as cer
from ._metrics import edit_operations as edit_operations
from ._metrics import wer as wer
from ._tokenizers import (
    BPETokenizer as BPETokenizer,
)
from ._tokenizers import (
    CharTokenizer as CharTokenizer,
)
from ._tokenizers import (
    train_bpe_tokenizer as train_bpe_tokenizer,
)
from ._transcribe import (
    Fallback as Fallback,
)
from ._transcribe import (
    Recognition as Recognition,
)
from ._transcribe import (
    SpeechRecognizer as SpeechRecognizer,
)
from ._transcribe import (
    TranscribeOptions as TranscribeOptions,
)
from ._transcribe import (
    Transcription as Transcription,
)
from ._transcribe import (
    TranscriptSegment as TranscriptSegment,
)
from ._transcribe import (
    WordTimestamp as WordTimestamp,
)
from ._transcribe import (
    transcribe as transcribe,
)
from ._transcribe import (
    word_timestamps as word_timestamps,
)
from .classification import Classification as Classification
from .classification import ClassificationModel as ClassificationModel
from .classification import ClassificationModelConfig as ClassificationModelConfig
from .classification import CommandAugmentConfig as CommandAugmentConfig
from .classification import FrameClassificationModel as FrameClassificationModel
from .classification import FrameClassificationModelConfig as FrameClassificationModelConfig
from .classification import classify as classify
from .models import (
    ENGLISH_CHARACTERS as ENGLISH_CHARACTERS,
)
from .models import (
    CTCModel as CTCModel,
)
from .models import (
    CTCModelConfig as CTCModelConfig,
)
from .models import (
    CTCOutput as CTCOutput,
)
from .models import (
    NemoImportError as NemoImportError,
)
from .modules import (
    ConvASREncoder as ConvASREncoder,
)
from .modules import (
    ConvASREncoderConfig as ConvASREncoderConfig,
)
from .modules import (
    CTCDecoder as CTCDecoder,
)
from .modules import (
    JasperBlockConfig as JasperBlockConfig,
)
from .modules import (
    MFCCConfig as MFCCConfig,
)
from .modules import (
    MFCCPreprocessor as MFCCPreprocessor,
)
from .modules import (
    SpecAugment as SpecAugment,
)
from .modules import (
    SpecAugmentConfig as SpecAugmentConfig,
)
from .vad import AudioChunk as AudioChunk
from .vad import SegmentationOptions as SegmentationOptions
from .vad import SileroVad as SileroVad
from .vad import SpeechDetection as SpeechDetection
from .vad import SpeechSegment as SpeechSegment
from .vad import detect_speech as detect_speech
from .vad import load_silero_vad as load_silero_vad
from .vad import split_at_silences as split_at_silences
from .whisper import WhisperConfig as WhisperConfig
from .whisper import WhisperDimensions as WhisperDimensions
from .whisper import WhisperModel as WhisperModel

__all__ = [
    "Fallback",
    "Recognition",
    "SpeechRecognizer",
    "TranscriptSegment",
    "WhisperConfig",
    "WhisperDimensions",
    "WhisperModel",
    "AudioChunk",
    "SegmentationOptions",
    "SileroVad",
    "SpeechDetection",
    "SpeechSegment",
    "detect_speech",
    "load_silero_vad",
    "split_at_silences",
    "Classification",
    "ClassificationModel",
    "ClassificationModelConfig",
    "CommandAugmentConfig",
    "FrameClassificationModel",
    "FrameClassificationModelConfig",
    "classify",
    "AudioAugmentConfig",
    "AudioTextDataset",
    "augment_waveform",
    "collate_audio_text",
    "AudioError",
    "ManifestEntry",
    "ManifestError",
    "TranscribeOptions",
    "Transcription",
    "WordTimestamp",
    "read_audio",
    "read_manifest",
    "resample",
    "load_model_config",
    "model_config_names",
    "transcribe",
    "word_timestamps",
    "BPETokenizer",
    "BeamSearchOptions",
    "CTCBeamDecoder",
    "CTCDecoder",
    "CTCModel",
    "CTCModelConfig",
    "CTCOutput",
    "CharTokenizer",
    "ConvASREncoder",
    "ConvASREncoderConfig",
    "ENGLISH_CHARACTERS",
    "ErrorRate",
    "JasperBlockConfig",
    "MFCCConfig",
    "MFCCPreprocessor",
    "MelConfig",
    "MelFrontEnd",
    "NemoImportError",
    "SpecAugment",
    "SpecAugmentConfig",
    "cer",
    "collapse_ctc",
    "edit_operations",
    "greedy_decode",
    "train_bpe_tokenizer",
    "wer",
]
