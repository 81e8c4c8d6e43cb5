"""The archive on disk: catalogue (source of truth), tantivy index, Vietnamese analysis.

Imports nothing else of the project.
"""
