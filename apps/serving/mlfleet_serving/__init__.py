"""mlfleet serving: a FastAPI model server (Open Inference Protocol v2 and /predict) for models
from the mlfleet registry, with rollouts, drift metrics and authentication."""

__version__ = "0.1.0"
