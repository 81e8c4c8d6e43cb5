"""``python -m archive_search``: the same as the ``archive-search`` command."""

from archive_search.cli import main

main()
