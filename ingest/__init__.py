"""Turning files and manifests into catalogue entries; imports only ``index``."""
