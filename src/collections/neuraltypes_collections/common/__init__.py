"""The model layer shared by every collection: the ``NeuralModel`` base, archives, configs, the NeMo
importer registry and the pretrained registry.

Importing this package loads torch, PyYAML and the standard library only; Lightning, Hydra and the other
collections are imported on demand.
"""

from ._archive import ArchiveInfo as ArchiveInfo
from ._archive import ContractDriftWarning as ContractDriftWarning
from ._archive import inspect_archive as inspect_archive
from ._archive import restore_from as restore_from
from ._config import config_from_dict as config_from_dict
from ._config import config_from_yaml as config_from_yaml
from ._config import config_to_dict as config_to_dict
from ._config import config_to_yaml as config_to_yaml
from ._config import instantiate as instantiate
from ._config import register_target as register_target
from ._errors import ArchiveError as ArchiveError
from ._errors import ConfigError as ConfigError
from ._errors import ModelNotAvailableError as ModelNotAvailableError
from ._errors import UnknownModelError as UnknownModelError
from ._errors import WeightsMismatchError as WeightsMismatchError
from ._model import NeuralModel as NeuralModel
from ._model import model_class as model_class
from ._model import register_model as register_model
from ._model import registered_models as registered_models
from ._nemo import NemoCheckpoint as NemoCheckpoint
from ._nemo import known_nemo_targets as known_nemo_targets
from ._nemo import nemo_importer as nemo_importer
from ._nemo import read_nemo as read_nemo
from ._nemo import register_nemo_importer as register_nemo_importer
from ._safe_tar import SizeLimits as SizeLimits
from ._tiny import TinyRegressor as TinyRegressor
from ._tiny import TinyRegressorConfig as TinyRegressorConfig
from ._weights import load_state_dict_checked as load_state_dict_checked

__all__ = [
    "ArchiveError",
    "ArchiveInfo",
    "ConfigError",
    "ContractDriftWarning",
    "ModelNotAvailableError",
    "NemoCheckpoint",
    "NeuralModel",
    "SizeLimits",
    "TinyRegressor",
    "TinyRegressorConfig",
    "UnknownModelError",
    "WeightsMismatchError",
    "config_from_dict",
    "config_from_yaml",
    "config_to_dict",
    "config_to_yaml",
    "inspect_archive",
    "instantiate",
    "known_nemo_targets",
    "load_state_dict_checked",
    "model_class",
    "nemo_importer",
    "read_nemo",
    "register_model",
    "register_nemo_importer",
    "register_target",
    "registered_models",
    "restore_from",
]
