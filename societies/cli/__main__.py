"""``python -m societies.cli``: the same as the ``sociolab`` command."""

from societies.cli.app import main

main()
