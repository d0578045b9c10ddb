"""Open Inference Protocol v2 over gRPC (`inference.GRPCInferenceService`) and the standard gRPC
health service, served next to REST in the same process (endpoint.py, wired in server.py).

Vendored protocol files, unmodified:
- grpc_predict_v2.proto: kserve/kserve docs/predict-api/v2/grpc_predict_v2.proto at commit
  aaac4e294dae2c7b1aa1886447793f3aa1c30912 (the protocol's specification; the six RPCs).
- health.proto: grpc/grpc-proto grpc/health/v1/health.proto at commit
  99135b19189588fcc787acb84cff27991787473d.

The *_pb2*.py(i) files are generated and committed (no build step, no protoc in the image), by
grpcio-tools 1.71.0: the newest whose protoc emits code for protobuf 5.29, the protobuf the one
lock file holds (pulumi keeps it below 6). Regenerate from apps/serving with
`python -m mlfleet_serving.grpc.codegen` (see codegen.py).
"""
