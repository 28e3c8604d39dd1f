"""Stanza, Go's log-parsing library (pkg/stanza), for log receivers: the entry model and field
syntax (``entry``), the expr-lang subset (``expr``), the operators (``operators``), file tailing
with fingerprints and checkpoints (``fileconsumer``) and the conversion to OTLP (``convert``)."""
