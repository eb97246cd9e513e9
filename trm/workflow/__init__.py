"""The case workflow's rules and deadlines: pure Python, no Django; the clock is passed in.

``rules`` reads the versioned rule catalogue (``definitions/rules-<version>.yaml``) and checks a
case report against it: which rules pass or fail and why, which deadlines are open or overdue, and
what blocks a stage transition. ``command`` is the ``trm case check`` command behind the CLI.
"""
