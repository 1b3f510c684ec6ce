"""Port NeMo's ASR modules with ``neuraltypes port`` and check every converted contract against the original.

Give the path of NeMo's ``nemo/collections/asr/modules`` folder (from an installed nemo-toolkit, or from its wheel
unpacked: ``pip download nemo-toolkit==3.0.* --no-deps`` then ``unzip``) or of single files. For each file the
script ports it in memory (nothing is written), checks that the ported code parses, and compares each converted
port with the original ``NeuralType(...)`` (evaluated with `neuraltypes.nemo_compat`): read back as NeMo kinds
(the check that must say SAME) and as written (axis names other than batch are per port, so a renamed axis
compares INCOMPATIBLE by name). It prints one line per module and a total; the exit status is 1 unless every
converted port compares SAME.

Run: ``python examples/nemo/port_nemo_modules.py PATH/TO/nemo/collections/asr/modules``
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path

from neuraltypes_collections.common._port import port_source
from neuraltypes_collections.common._port_cli import check_ports

from neuraltypes import Compatibility

FILES = ("conv_asr.py", "audio_preprocessing.py")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path, help="NeMo's asr/modules folder, or .py files")
    args = parser.parse_args()
    files = [p for path in args.paths for p in ([path / f for f in FILES] if path.is_dir() else [path])]
    modules = converted = in_part = ports = same = same_as_written = 0
    for file in files:
        result = port_source(file.read_text(encoding="utf-8"), str(file))
        ast.parse(result.new_source, str(file))  # the ported code parses
        for ported in result.classes:
            modules += 1
            if ported.why_not:
                print(f"{file.name}: {ported.name}: not converted ({ported.why_not})")
                continue
            converted += 1
            in_part += bool(ported.kept)
            results = check_ports(ported)
            ports += len(results)
            same += sum(kinds is Compatibility.SAME for kinds, _ in results.values())
            same_as_written += sum(direct is Compatibility.SAME for _, direct in results.values())
            verdict = ", ".join(f"{name} {kinds.name}" for name, (kinds, _) in results.items())
            kept = "".join(f"; kept: {why}" for why in ported.kept)
            print(f"{file.name}: {ported.name}: converted{' in part' if kept else ''}; {verdict}{kept}")
    print(f"{converted} of {modules} modules converted ({in_part} in part); {same} of {ports} converted ports "
          "compare SAME to the original "
          f"({same_as_written} also by axis name, the others have per-port axis names); the ported files parse")
    return 0 if same == ports else 1


if __name__ == "__main__":
    raise SystemExit(main())
