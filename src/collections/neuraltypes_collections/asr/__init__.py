"""Speech recognition: NeMo-compatible Jasper/QuartzNet CTC models, typed from audio to text.

    from neuraltypes_collections.asr import CTCModel
    model = CTCModel.restore_from("quartznet.nemo")       # a NeMo checkpoint or a neuraltypes archive
    print(model.transcribe(["clip.wav"]))
"""

from ._audio import AudioError as AudioError, read_audio as read_audio, resample as resample
from ._configs import load_model_config as load_model_config, model_config_names as model_config_names
from ._data import (
    AudioAugmentConfig as AudioAugmentConfig,
    AudioTextDataset as AudioTextDataset,
    augment_waveform as augment_waveform,
    collate_audio_text as collate_audio_text,
)
from ._decoding import (
    BeamSearchOptions as BeamSearchOptions,
    CTCBeamDecoder as CTCBeamDecoder,
    collapse_ctc as collapse_ctc,
    greedy_decode as greedy_decode,
)
from ._manifest import ManifestEntry as ManifestEntry, ManifestError as ManifestError, read_manifest as read_manifest
from ._metrics import ErrorRate as ErrorRate, cer as cer, edit_operations as edit_operations, wer as wer
from ._tokenizers import (
    BPETokenizer as BPETokenizer,
    CharTokenizer as CharTokenizer,
    train_bpe_tokenizer as train_bpe_tokenizer,
)
from ._transcribe import (
    Transcription as Transcription,
    WordTimestamp as WordTimestamp,
    transcribe as transcribe,
    word_timestamps as word_timestamps,
)
from .models import (
    ENGLISH_CHARACTERS as ENGLISH_CHARACTERS,
    CTCModel as CTCModel,
    CTCModelConfig as CTCModelConfig,
    CTCOutput as CTCOutput,
    NemoImportError as NemoImportError,
)
from .modules import (
    ConvASREncoder as ConvASREncoder,
    ConvASREncoderConfig as ConvASREncoderConfig,
    CTCDecoder as CTCDecoder,
    JasperBlockConfig as JasperBlockConfig,
    MelSpectrogramConfig as MelSpectrogramConfig,
    MelSpectrogramPreprocessor as MelSpectrogramPreprocessor,
    MFCCConfig as MFCCConfig,
    MFCCPreprocessor as MFCCPreprocessor,
    SpecAugment as SpecAugment,
    SpecAugmentConfig as SpecAugmentConfig,
)

__all__ = [
    "AudioAugmentConfig",
    "AudioTextDataset",
    "augment_waveform",
    "collate_audio_text",
    "AudioError",
    "ManifestEntry",
    "ManifestError",
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
    "MelSpectrogramConfig",
    "MelSpectrogramPreprocessor",
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
