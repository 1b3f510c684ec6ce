"""ASR models: the Jasper/QuartzNet CTC recognizer and its NeMo checkpoint importer."""

from ._ctc import (
    ENGLISH_CHARACTERS as ENGLISH_CHARACTERS,
    CTCModel as CTCModel,
    CTCModelConfig as CTCModelConfig,
    CTCOutput as CTCOutput,
)
from ._nemo_import import (
    NemoImportError as NemoImportError,
    ctc_config_from_nemo as ctc_config_from_nemo,
    import_nemo_ctc as import_nemo_ctc,
    nemo_ctc_state_dict as nemo_ctc_state_dict,
)

__all__ = [
    "CTCModel",
    "CTCModelConfig",
    "CTCOutput",
    "ENGLISH_CHARACTERS",
    "NemoImportError",
    "ctc_config_from_nemo",
    "import_nemo_ctc",
    "nemo_ctc_state_dict",
]
