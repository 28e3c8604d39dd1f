#!/bin/sh
# Regenerate opamp_pb2.py and opamp_pb2.pyi from opamp.proto (run from anywhere; needs the
# project's .venv with grpcio-tools). Three fix-ups follow protoc:
# - the runtime version check newer generators add is removed: the code it guards is the same
#   builder code protobuf 5.26 (the oldest pyotelcol supports) runs, and the check would refuse it;
# - the classes' module is the installed one (pyotelcol.extensions.opamp.opamp_pb2);
# - Mapping gets its parameters in the stub, for mypy --strict.
set -eu
cd "$(dirname "$0")/../.."
.venv/bin/python -m grpc_tools.protoc -I. --python_out=. --pyi_out=. extensions/opamp/opamp.proto
.venv/bin/python - <<'PY'
import re

path = "extensions/opamp/opamp_pb2.py"
text = open(path).read()
text = text.replace("from google.protobuf import runtime_version as _runtime_version\n", "")
text = re.sub(r"_runtime_version\.ValidateProtobufRuntimeVersion\(\n(?:.*\n)*?\)\n", "", text, count=1)
text = text.replace("'extensions.opamp.opamp_pb2'", "'pyotelcol.extensions.opamp.opamp_pb2'")
open(path, "w").write(text)

stub = "extensions/opamp/opamp_pb2.pyi"
text = open(stub).read()
text = text.replace("_Mapping]", "_Mapping[str, _Any]]")
text = text.replace("from typing import ClassVar as _ClassVar", "from typing import Any as _Any, ClassVar as _ClassVar", 1)
open(stub, "w").write(text)
PY
