"""The service: pipeline graph, component lifecycle, config model."""
