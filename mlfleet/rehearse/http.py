"""HTTP to the rehearsal's own addresses (pods, Services, emulators, Prometheus on the private
bridge). Never through a proxy: a user's HTTP_PROXY cannot reach a bridge that exists only here."""

from __future__ import annotations

import urllib.error
import urllib.request

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_status(url: str, timeout: float = 2.0) -> int:
    """The status a GET answers with, 0 when nothing answers (as a probe sees it)."""
    try:
        with OPENER.open(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (TimeoutError, OSError):
        return 0
