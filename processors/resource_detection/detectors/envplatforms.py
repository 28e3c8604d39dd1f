"""Detectors that only read the environment a platform sets: ``heroku`` and ``lambda``."""

from __future__ import annotations

import os

from .base import SCHEMA_URL, Deadline, Detected, DetectionError, DetectorContext, ResourceBuilder


class HerokuDetector:
    """Heroku's dyno metadata (``HEROKU_APP_ID``, ``HEROKU_DYNO_ID``, ...), when enabled on the app."""

    def __init__(self, ctx: DetectorContext) -> None:
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata

    async def detect(self, deadline: Deadline) -> Detected:
        env = os.environ
        rb = ResourceBuilder(self._section)
        if "HEROKU_DYNO_ID" in env:
            rb.set("service.instance.id", env["HEROKU_DYNO_ID"])
        if "HEROKU_APP_ID" in env:
            rb.set("heroku.app.id", env["HEROKU_APP_ID"])
            rb.set("cloud.provider", "heroku")
        elif "HEROKU_DYNO_ID" not in env:
            if self._fail:
                raise DetectionError("heroku metadata unavailable: HEROKU_DYNO_ID and HEROKU_APP_ID env vars not set")
            self._logger.debug("Heroku metadata is missing. Please check metadata is enabled.")
        for var, name in (
            ("HEROKU_APP_NAME", "service.name"),
            ("HEROKU_RELEASE_CREATED_AT", "heroku.release.creation_timestamp"),
            ("HEROKU_RELEASE_VERSION", "service.version"),
            ("HEROKU_SLUG_COMMIT", "heroku.release.commit"),
        ):
            if var in env:
                rb.set(name, env[var])
        return rb.emit(SCHEMA_URL)


class LambdaDetector:
    """AWS Lambda's runtime environment variables; off Lambda nothing is detected."""

    def __init__(self, ctx: DetectorContext) -> None:
        self._section = ctx.section
        self._logger = ctx.logger
        self._fail = ctx.fail_on_missing_metadata

    async def detect(self, deadline: Deadline) -> Detected:
        env = os.environ
        function = env.get("AWS_LAMBDA_FUNCTION_NAME", "")
        if not function:
            if self._fail:
                raise DetectionError("lambda metadata unavailable: AWS_LAMBDA_FUNCTION_NAME env var not set")
            self._logger.debug("Unable to identify AWS Lambda environment")
            return Detected()
        rb = ResourceBuilder(self._section)
        rb.set("cloud.provider", "aws")
        rb.set("cloud.platform", "aws_lambda")
        if "AWS_REGION" in env:
            rb.set("cloud.region", env["AWS_REGION"])
        rb.set("faas.name", function)
        if "AWS_LAMBDA_FUNCTION_VERSION" in env:
            rb.set("faas.version", env["AWS_LAMBDA_FUNCTION_VERSION"])
        if "AWS_LAMBDA_LOG_STREAM_NAME" in env:
            rb.set("faas.instance", env["AWS_LAMBDA_LOG_STREAM_NAME"])
        if "AWS_LAMBDA_FUNCTION_MEMORY_SIZE" in env:
            rb.set("faas.max_memory", env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        if "AWS_LAMBDA_LOG_GROUP_NAME" in env:
            rb.set("aws.log.group.names", [env["AWS_LAMBDA_LOG_GROUP_NAME"]])
        if "AWS_LAMBDA_LOG_STREAM_NAME" in env:
            rb.set("aws.log.stream.names", [env["AWS_LAMBDA_LOG_STREAM_NAME"]])
        return rb.emit(SCHEMA_URL)
