"""Translators between other tracing formats (Zipkin, Jaeger) and OTLP pdata."""
