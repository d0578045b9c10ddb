"""The mlfleet Pulumi program: read the stack's config, build the platform, export its outputs.

Runs unchanged under `pulumi preview/up` and under `mlfleet preview` (the SDK's mock runtime).
"""

import pulumi

from components.topology.config import load_config
from components.topology.platform import build_platform

config, context = load_config()
for key, value in build_platform(config, context).items():
    pulumi.export(key, value)
