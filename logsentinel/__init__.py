"""logsentinel: a log-stream event detector for Imagicle UCX Suite proactive support."""

__version__ = "0.1.0"
