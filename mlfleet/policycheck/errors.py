"""The one error the policy runner raises: its message says what was wrong, where, and the fix."""


class PolicyCheckError(Exception):
    pass
