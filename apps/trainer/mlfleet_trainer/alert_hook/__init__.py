"""The closed loop's Alertmanager webhook receiver (docs/delivery.md "The closed loop").

Alerts labelled `action: retrain` start a training run: a Job created from the model's training
CronJob, as `kubectl create job --from=cronjob/<name>` does, at most one per model per window.
Alerts labelled `action: rollback` (a failing canary) move the canary alias back to what the primary
alias serves. It runs from the trainer image (`python -m mlfleet_trainer.alert_hook`): the same
registry library, no new image.

`alerts` decides (pure), `kube` talks to the Kubernetes API, `server` is the hardened HTTP front;
the alias move is `mlfleet_registry.rollback_canary`, the same one `mlfleet release` uses.
"""
