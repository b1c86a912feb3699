"""The `.ai-gate.yml` policy: its typed model (`model`, built from `section`s), reading the
file with line numbers (`file`) and laying an organisation's floor under a repository's
(`merge`). Nothing here imports a check: the checks import their settings from here."""
