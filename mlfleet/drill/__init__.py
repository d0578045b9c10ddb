"""The failover drill (`mlfleet drill --stack <stack>`, issue 13 item 7): two real serving replicas on
127.0.0.1, each reading its own cloud's registry emulator, the registry sync between them on a
schedule, haproxy as the front door configured from the stack's `mlfleet:frontDoor`, steady
authenticated load, and three faults (server killed, registry unreachable, broken version), each
measured: detection, RTO, failed requests, failback; plus the RPO of a published model.

Modules: stack (the stack's door and cells, through the program's own config parser), timing (the
drill's clock: real or scaled), emulators (moto S3 / fake-gcs-server and a cuttable TCP gate),
replicas (the serving processes), door (haproxy), load (the client), models (train, publish,
corrupt), figures (what is measured and expected, the table), runner (the scenarios).
"""
