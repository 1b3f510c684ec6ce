"""ASR models: the Jasper/QuartzNet CTC recognizer and its NeMo checkpoint importer."""

from ._ctc import (
    ENGLISH_CHARACTERS as ENGLISH_CHARACTERS,
)
from ._ctc import (
    CTCModel as CTCModel,
)
from ._ctc import (
    CTCModelConfig as CTCModelConfig,
)
from ._ctc import (
    CTCOutput as CTCOutput,
)
from ._nemo_import import (
    NemoImportError as NemoImportError,
)
from ._nemo_import import (
    ctc_config_from_nemo as ctc_config_from_nemo,
)
from ._nemo_import import (
    import_nemo_ctc as import_nemo_ctc,
)
from ._nemo_import import (
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
