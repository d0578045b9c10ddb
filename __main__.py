"""The mlfleet Pulumi program: read the stack's config, build the platform, export its outputs.

Runs unchanged under `pulumi preview/up` and under `mlfleet preview` (the SDK's mock runtime).
"""

import pulumi

from components.deployer_types import recording
from components.topology.config import load_config
from components.topology.platform import build_platform

config, context = load_config()
# The deployers' policies cover the types the program registers (components/deployer_types.py).
with recording():
    exports = build_platform(config, context)
for key, value in exports.items():
    pulumi.export(key, value)
