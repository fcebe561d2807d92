"""``make bench``: times the product's heavy paths against a plain baseline in the same run.

Every measure prints one line of its own on standard output:

    bench: <name> ours=<value><unit> baseline=<value><unit> ratio=<ours/baseline>

Everything runs on a throwaway SQLite database in a temporary directory.
"""
