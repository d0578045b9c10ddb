"""mlfleet building blocks: one cloud-neutral interface per block, one ComponentResource per cloud.

Conventions every block follows (see docs/components.md):
- an `<Block>Args` dataclass with compact, defaulted arguments validated in `__post_init__`;
- the type token `mlfleet:<cloud>:<Block>`; every child created with `parent=self`;
- names derived from `<project>-<stack>-<block>` (PlatformContext.name), never random suffixes;
- the tags/labels from PlatformContext.tags on everything that takes them;
- `register_outputs` at the end, outputs as typed attributes with the same names on every cloud.
"""
