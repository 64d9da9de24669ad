"""Settle's one command line: `settle --help` lists every operator task (settle/cli.py), and
`settle run` starts the whole system on one machine (settle/run.py, settle/stack.py)."""
