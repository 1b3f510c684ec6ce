"""The public surface of neuraltypes_collections.common is explicit: no private names leak, all names resolve."""

from __future__ import annotations

import subprocess
import sys
import types
import typing

import neuraltypes_collections.common as common


def test_all_names_resolve_and_are_public():
    assert len(common.__all__) == len(set(common.__all__))
    for name in common.__all__:
        assert not name.startswith("_"), name
        assert getattr(common, name) is not None, name


def test_nothing_public_outside_all():
    public = {
        name
        for name, value in vars(common).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in ("TYPE_CHECKING", "Any")
    }
    assert public <= set(common.__all__), public - set(common.__all__)


def test_public_objects_come_from_private_modules():
    for name in common.__all__:
        if typing.get_origin(getattr(common, name)) is not None:
            continue  # a type alias (AudioInput): its __module__ is typing's
        module = getattr(getattr(common, name), "__module__", "") or ""
        assert module.startswith("neuraltypes_collections.common._"), (name, module)


def test_training_names_are_lazy():
    code = (
        "import sys\n"
        "import neuraltypes_collections.common as c\n"
        "assert 'lightning' not in sys.modules\n"
        "c.ModelTask, c.fit\n"
        "assert 'lightning' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
