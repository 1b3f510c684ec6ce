"""The model layer shared by every collection: the `NeuralModel` base, archives, configs, the NeMo
importer registry and the pretrained registry.

Importing this package loads torch, PyYAML and the standard library only; Lightning, Hydra and the other
collections are imported on demand.
"""

from typing import TYPE_CHECKING, Any

from ._archive import ArchiveInfo as ArchiveInfo
from ._archive import ContractDriftWarning as ContractDriftWarning
from ._archive import inspect_archive as inspect_archive
from ._archive import restore_from as restore_from
from ._audio import AudioInput as AudioInput
from ._audio import batch_audio as batch_audio
from ._audio import load_audio as load_audio
from ._audio import read_audio as read_audio
from ._audio import resample as resample
from ._audio import write_audio as write_audio
from ._battery import check_neural_model as check_neural_model
from ._config import CheckedConfig as CheckedConfig
from ._config import FieldRule as FieldRule
from ._config import Interval as Interval
from ._config import MultipleOf as MultipleOf
from ._config import OneOf as OneOf
from ._config import config_from_dict as config_from_dict
from ._config import config_from_omegaconf as config_from_omegaconf
from ._config import config_from_yaml as config_from_yaml
from ._config import config_to_dict as config_to_dict
from ._config import config_to_yaml as config_to_yaml
from ._config import instantiate as instantiate
from ._config import register_config_upgrade as register_config_upgrade
from ._config import register_target as register_target
from ._config import structured_config as structured_config
from ._errors import ArchiveError as ArchiveError
from ._errors import AudioError as AudioError
from ._errors import ConfigError as ConfigError
from ._errors import InputError as InputError
from ._errors import ManifestError as ManifestError
from ._errors import ModelNotAvailableError as ModelNotAvailableError
from ._errors import NemoImportError as NemoImportError
from ._errors import UnknownModelError as UnknownModelError
from ._errors import WeightsMismatchError as WeightsMismatchError
from ._huggingface import HFTextEncoder as HFTextEncoder
from ._huggingface import hf_text_encoder_from_config as hf_text_encoder_from_config
from ._huggingface import load_hf_text_encoder as load_hf_text_encoder
from ._masks import lengths_to_mask as lengths_to_mask
from ._masks import mask_beyond as mask_beyond
from ._mel import MelConfig as MelConfig
from ._mel import MelFrontEnd as MelFrontEnd
from ._mel import log_mel_spectrogram as log_mel_spectrogram
from ._mel import mel_filterbank as mel_filterbank
from ._model import NeuralModel as NeuralModel
from ._model import eval_mode as eval_mode
from ._model import model_class as model_class
from ._model import register_model as register_model
from ._model import registered_models as registered_models
from ._nemo import NemoCheckpoint as NemoCheckpoint
from ._nemo import known_nemo_targets as known_nemo_targets
from ._nemo import nemo_importer as nemo_importer
from ._nemo import read_nemo as read_nemo
from ._nemo import register_nemo_importer as register_nemo_importer
from ._optim import NovoGrad as NovoGrad
from ._optim import OptimizerConfig as OptimizerConfig
from ._optim import ScheduleConfig as ScheduleConfig
from ._optim import TrainingConfig as TrainingConfig
from ._optim import build_optimizer as build_optimizer
from ._optim import build_schedule as build_schedule
from ._pretrained import PretrainedBuilder as PretrainedBuilder
from ._pretrained import PretrainedEntry as PretrainedEntry
from ._pretrained import cache_dir as cache_dir
from ._pretrained import from_pretrained as from_pretrained
from ._pretrained import list_available_models as list_available_models
from ._pretrained import list_pretrained_builders as list_pretrained_builders
from ._pretrained import load_index as load_index
from ._pretrained import pretrained_file as pretrained_file
from ._pretrained import register_pretrained as register_pretrained
from ._safe_tar import SizeLimits as SizeLimits
from ._tiny import TinyRegressor as TinyRegressor
from ._tiny import TinyRegressorConfig as TinyRegressorConfig
from ._weights import load_state_dict_checked as load_state_dict_checked

if TYPE_CHECKING:  # Lightning is imported only when the training task is used
    from ._training import AtomicCheckpointIO as AtomicCheckpointIO
    from ._training import ModelTask as ModelTask
    from ._training import fit as fit


def __getattr__(name: str) -> Any:
    if name in ("AtomicCheckpointIO", "ModelTask", "fit"):
        from . import _training

        return getattr(_training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ArchiveError",
    "AtomicCheckpointIO",
    "ArchiveInfo",
    "AudioError",
    "AudioInput",
    "CheckedConfig",
    "ConfigError",
    "ContractDriftWarning",
    "FieldRule",
    "HFTextEncoder",
    "InputError",
    "Interval",
    "ManifestError",
    "MelConfig",
    "MelFrontEnd",
    "ModelNotAvailableError",
    "ModelTask",
    "MultipleOf",
    "NemoCheckpoint",
    "NemoImportError",
    "NeuralModel",
    "NovoGrad",
    "OneOf",
    "OptimizerConfig",
    "PretrainedBuilder",
    "PretrainedEntry",
    "ScheduleConfig",
    "SizeLimits",
    "TinyRegressor",
    "TinyRegressorConfig",
    "TrainingConfig",
    "UnknownModelError",
    "WeightsMismatchError",
    "batch_audio",
    "build_optimizer",
    "build_schedule",
    "cache_dir",
    "check_neural_model",
    "config_from_dict",
    "config_from_omegaconf",
    "config_from_yaml",
    "config_to_dict",
    "config_to_yaml",
    "eval_mode",
    "fit",
    "from_pretrained",
    "hf_text_encoder_from_config",
    "inspect_archive",
    "instantiate",
    "known_nemo_targets",
    "lengths_to_mask",
    "list_available_models",
    "list_pretrained_builders",
    "load_hf_text_encoder",
    "load_audio",
    "load_index",
    "load_state_dict_checked",
    "log_mel_spectrogram",
    "mask_beyond",
    "mel_filterbank",
    "model_class",
    "nemo_importer",
    "pretrained_file",
    "read_audio",
    "read_nemo",
    "register_model",
    "register_nemo_importer",
    "register_config_upgrade",
    "register_pretrained",
    "register_target",
    "registered_models",
    "resample",
    "restore_from",
    "structured_config",
    "write_audio",
]
