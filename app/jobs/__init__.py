"""The job layer: a delivery's jobs analysed, re-judged and tracked (see ARCHITECTURE.md).

`model` is light and is all the web imports; `analyse` does the work, `runner` attempts
it with retries, `queue` is where jobs go, `deps` builds what they need.
"""
