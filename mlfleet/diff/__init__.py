"""PR preview diffs: compare two sets of plans (docs/plan-format.md) by URN (docs/pr-diffs.md).

- `load`: read a plan or a directory of plans (one per stack), with clean errors;
- `compare`: what was added, removed, changed or replaced, down to nested input paths;
- `render`: text, JSON, or a Markdown PR comment; secrets never shown;
- `gitref`: the plans of the stacks at another git ref, previewed in a temporary worktree.
"""
