"""What an operator sees of a running bot: JSON logs without secrets, Prometheus metrics, probes.

The rest of the code calls the small `record_*` and `note_*` functions here with one line each;
the metric objects, the log format and the redaction of secrets live only in this package.
"""
