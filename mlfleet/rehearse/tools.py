"""Finding the host tools the rehearsal runs. Debian installs daemons (haproxy, runc) in /usr/sbin,
which a non-login or minimal PATH lacks: look there too."""

from __future__ import annotations

import os
import shutil

SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


def find_tool(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path=os.pathsep.join(SBIN))
