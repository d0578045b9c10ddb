"""Labels and taints every cloud puts on mlfleet node pools, so workloads select pools the same way."""

from __future__ import annotations

# Every node pool carries `mlfleet.io/pool=<system|cpu|gpu>`; workloads select on it.
POOL_LABEL = "mlfleet.io/pool"
# GPU nodes are tainted so only pods that tolerate it (training) land on them. GKE applies this
# same taint to GPU pools by itself; EKS and AKS get it from the pool definition.
GPU_TAINT_KEY = "nvidia.com/gpu"
GPU_TAINT_VALUE = "present"
GPU_TAINT_EFFECT = "NoSchedule"
