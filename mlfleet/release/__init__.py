"""`mlfleet release`: a trained model's way to production through a canary judged by Prometheus
(docs/delivery.md "From a trained model to production").

- `candidate.py`: train (or take a registered version), gate, move the `candidate` alias;
- `control.py`: set the canary where it runs (a stack: `pulumi config set` + `pulumi up`; a local
  server started with `--canary-alias candidate`: nothing to change);
- `prometheus.py` + `analysis.py`: measure canary against production over a window and judge;
- `pipeline.py`: the steps in order, with the automatic promotion or rollback.
"""
