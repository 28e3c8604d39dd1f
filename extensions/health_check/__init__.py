"""health_check extension: readiness/liveness endpoint (contrib healthcheckextension, v1 behaviour)."""

from .factory import create_factory

__all__ = ["create_factory"]
