"""Operations kernel: health and readiness, Prometheus metrics, JSON logs, request ids and
security headers. See docs/operations/."""
