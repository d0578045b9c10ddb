"""Cluster add-ons: what a stack installs in its cluster besides the platform's own workloads.

Every add-on is a pinned Helm chart (`helm.v3.Release`, chart version in the plan) or the cloud's
managed add-on, with typed values and, when it calls a cloud API, a least-privilege identity of its
own. docs/addons-{aws,gcp,azure}.md list them per cloud with versions.
"""
