"""The `.ai-gate.yml` policy: its typed model (`model`, built from `section`s, with the checks'
settings in `checks`), reading a file with line numbers (`file`), finding the files that make
a repository's policy through a Reader port (`load`) and laying an organisation's floor under
a repository's (`merge`). Nothing here imports a check: the checks import their settings
from here."""
