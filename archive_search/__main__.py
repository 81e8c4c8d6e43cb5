"""``python -m archive_search``: the same as the ``archive-search`` command."""

from cli import main

main()
