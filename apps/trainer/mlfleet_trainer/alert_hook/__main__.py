"""`python -m mlfleet_trainer.alert_hook`: run the receiver (settings: see server.py)."""

import sys

from mlfleet_trainer.alert_hook.server import main

if __name__ == "__main__":
    sys.exit(main())
