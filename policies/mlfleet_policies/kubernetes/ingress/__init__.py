"""Stack rules over Ingresses: what an Ingress names (its class, its TLS Secret) exists in the stack."""
