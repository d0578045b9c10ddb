"""The rehearsal's gRPC check: the Open Inference Protocol service of the serving pods, through
their Service's `grpc` port, as the plan configures it: over TLS with the plan's own certificate
where the pods serve gRPC with one (GKE, MLFLEET_GRPC_TLS_*), else plaintext."""

from __future__ import annotations

from typing import Any

from mlfleet.rehearse.kube import KubeObject, Objects, pod_template, secret_data
from mlfleet.rehearse.report import StepFailed

CERT_ENV = "MLFLEET_GRPC_TLS_CERTFILE"


def grpc_port(service: KubeObject) -> int | None:
    """The Service's port named `grpc`, or None where it has none."""
    for port in service.spec.get("ports") or []:
        if port.get("name") == "grpc":
            return int(port["port"])
    return None


def mounted_file(workload: KubeObject, objects: Objects, path: str) -> bytes:
    """A file of the serving container as the plan mounts it: a key of a Secret volume."""
    _, spec = pod_template(workload)
    container = spec["containers"][0]
    for mount in container.get("volumeMounts") or []:
        directory = mount["mountPath"].rstrip("/") + "/"
        if not path.startswith(directory):
            continue
        volume = next(v for v in spec.get("volumes") or [] if v["name"] == mount["name"])
        name = (volume.get("secret") or {}).get("secretName")
        secret = objects.get("Secret", workload.namespace, name) if name else None
        data = secret_data(secret) if secret else {}
        if path[len(directory) :] in data:
            return data[path[len(directory) :]].encode()
    raise StepFailed(
        f"{workload.where('containers[0].env')} names {path} for {CERT_ENV}, which no Secret volume mounts",
        "mount the gRPC certificate's Secret where the variable points",
    )


def check_grpc_inference(
    service: KubeObject,
    ip: str,
    workload: KubeObject,
    objects: Objects,
    env: dict[str, str],
    key: str,
    row: dict[str, float],
) -> tuple[str, str]:
    """ModelInfer with the stack's key through the Service: (served version, how it connected)."""
    import grpc
    import mlfleet_serving.grpc.grpc_predict_v2_pb2 as pb
    import mlfleet_serving.grpc.grpc_predict_v2_pb2_grpc as pb_grpc

    port = grpc_port(service)
    if port is None:
        raise StepFailed(f"{service.where('spec.ports')} has no port named grpc", "expose the gRPC port")
    target = f"{ip}:{port}"
    how = "plaintext"
    if env.get(CERT_ENV):
        # Verified against the plan's certificate and the Service's DNS name, as an in-cluster client.
        root = mounted_file(workload, objects, env[CERT_ENV])
        name = f"{service.name}.{service.namespace}.svc"
        channel = grpc.secure_channel(
            target, grpc.ssl_channel_credentials(root), options=[("grpc.ssl_target_name_override", name)]
        )
        how = f"TLS, verified against the plan's certificate for {name}"
    else:
        channel = grpc.insecure_channel(target)
    tensor = pb.ModelInferRequest.InferInputTensor(
        name="input-0",
        datatype="FP64",
        shape=[1, len(row)],
        contents=pb.InferTensorContents(fp64_contents=list(row.values())),
    )
    request = pb.ModelInferRequest(model_name=env.get("MLFLEET_MODEL", ""), inputs=[tensor])
    try:
        with channel:
            answer: Any = pb_grpc.GRPCInferenceServiceStub(channel).ModelInfer(
                request, metadata=[("authorization", f"Bearer {key}")], timeout=20
            )
    except grpc.RpcError as exc:
        raise StepFailed(
            f"gRPC ModelInfer via Service {service.name} ({target}, {how}) failed: "
            f"{exc.code()} {exc.details()}",
            "the pods' gRPC port must serve what the Service and the load balancer expect",
        ) from None
    return str(answer.model_version), how
