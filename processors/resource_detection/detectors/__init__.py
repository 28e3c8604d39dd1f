"""The detectors pyotelcol implements, by the name used in ``detectors``."""

from __future__ import annotations

from collections.abc import Callable

from .azure import AzureDetector
from .base import Deadline, Detected, DetectionError, Detector, DetectorContext
from .docker import DockerDetector
from .ec2 import EC2Detector
from .env import EnvDetector
from .envplatforms import HerokuDetector, LambdaDetector
from .gcp import GCPDetector
from .k8sapi import K8sAPIDetector
from .system import SystemDetector

__all__ = ["IMPLEMENTED", "Deadline", "Detected", "DetectionError", "Detector", "DetectorContext", "NotAvailable"]


def _deprecated_k8snode(ctx: DetectorContext) -> Detector:
    ctx.logger.warning("the k8snode detector name is deprecated, use k8s_api instead")
    return K8sAPIDetector(ctx)


IMPLEMENTED: dict[str, Callable[[DetectorContext], Detector]] = {
    "azure": AzureDetector,
    "docker": DockerDetector,
    "ec2": EC2Detector,
    "env": EnvDetector,
    "gcp": GCPDetector,
    "heroku": HerokuDetector,
    "k8s_api": K8sAPIDetector,
    "k8snode": _deprecated_k8snode,
    "lambda": LambdaDetector,
    "system": SystemDetector,
}


class NotAvailable(ValueError):
    """A detector of Go's catalog that pyotelcol does not implement."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f'detector "{name}" is not available in pyotelcol; available detectors: [{", ".join(sorted(IMPLEMENTED))}]'
        )
