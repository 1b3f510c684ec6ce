"""Speaker recognition: embeddings, verification, identification and diarization with the GE2E encoder, and NeMo's
TitaNet / SpeakerNet / ECAPA-TDNN speaker models (`SpeakerLabelModel`, imported from `.nemo` checkpoints).

    from neuraltypes_collections.asr.speaker import GE2EModel, verify, diarize
    model = GE2EModel.from_pretrained("ge2e_resemblyzer")   # the weights `resemblyzer` installs
    print(model.verify("a.wav", "b.wav").same_speaker)      # or verify(model, "a.wav", "b.wav")
    print(model.diarize("meeting.wav").to_rttm("meeting"))
"""

from ._angular import AngularMarginConfig as AngularMarginConfig
from ._angular import angular_margin_loss as angular_margin_loss
from ._diarize import Diarization as Diarization
from ._diarize import SpeakerTurn as SpeakerTurn
from ._diarize import SpeakerWindows as SpeakerWindows
from ._diarize import cluster_embeddings as cluster_embeddings
from ._diarize import cluster_windows as cluster_windows
from ._diarize import diarize as diarize
from ._diarize import embed_windows as embed_windows
from ._ecapa import EcapaEncoder as EcapaEncoder
from ._ecapa import EcapaEncoderConfig as EcapaEncoderConfig
from ._ecapa import ecapa_encoder as ecapa_encoder
from ._embed import Identification as Identification
from ._embed import SpeakerEmbedding as SpeakerEmbedding
from ._embed import Verification as Verification
from ._embed import embed_speakers as embed_speakers
from ._embed import identify as identify
from ._embed import verify as verify
from ._ge2e import GE2EConfig as GE2EConfig
from ._ge2e import GE2EEncoder as GE2EEncoder
from ._ge2e import GE2EMelFrontEnd as GE2EMelFrontEnd
from ._ge2e import GE2EModel as GE2EModel
from ._ge2e import ge2e_mel_config as ge2e_mel_config
from ._ge2e import normalize_volume as normalize_volume
from ._ge2e import partial_starts as partial_starts
from ._label_model import SpeakerDecoder as SpeakerDecoder
from ._label_model import SpeakerDecoderConfig as SpeakerDecoderConfig
from ._label_model import SpeakerLabelModel as SpeakerLabelModel
from ._label_model import SpeakerLabelModelConfig as SpeakerLabelModelConfig
from ._label_model import SpeakerLabelOutput as SpeakerLabelOutput
from ._label_model import titanet_encoder as titanet_encoder
from ._label_model import titanet_mel_config as titanet_mel_config
from ._nemo_import import import_nemo_speaker_label as import_nemo_speaker_label
from ._nemo_import import speaker_label_config_from_nemo as speaker_label_config_from_nemo
from ._weights import ge2e_resemblyzer as ge2e_resemblyzer
from ._weights import load_ge2e as load_ge2e
from ._weights import resemblyzer_weights_file as resemblyzer_weights_file

__all__ = [
    "AngularMarginConfig",
    "Diarization",
    "EcapaEncoder",
    "EcapaEncoderConfig",
    "GE2EConfig",
    "GE2EEncoder",
    "GE2EMelFrontEnd",
    "GE2EModel",
    "Identification",
    "SpeakerDecoder",
    "SpeakerDecoderConfig",
    "SpeakerEmbedding",
    "SpeakerLabelModel",
    "SpeakerLabelModelConfig",
    "SpeakerLabelOutput",
    "SpeakerTurn",
    "SpeakerWindows",
    "Verification",
    "angular_margin_loss",
    "cluster_embeddings",
    "cluster_windows",
    "diarize",
    "ecapa_encoder",
    "embed_speakers",
    "embed_windows",
    "ge2e_mel_config",
    "ge2e_resemblyzer",
    "identify",
    "import_nemo_speaker_label",
    "load_ge2e",
    "normalize_volume",
    "partial_starts",
    "resemblyzer_weights_file",
    "speaker_label_config_from_nemo",
    "titanet_encoder",
    "titanet_mel_config",
    "verify",
]
