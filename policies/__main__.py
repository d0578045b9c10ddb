"""The CrossGuard pack's entry point: only constructs the pack (rules live in mlfleet_policies)."""

from mlfleet_policies.pack import build_pack

build_pack()
