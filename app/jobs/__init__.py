"""The job layer: a delivery's jobs analysed, re-judged and tracked (see ARCHITECTURE.md).

`model` is light and is all the web imports; `kinds` says what each kind of job does:
`analyse` analyses a head, `reevaluate` re-judges its completed run (a review, a button, a
label; `labels` says what a label asks); `runner` attempts a job with retries, `heads` holds
a head for one job at a time, `queue` is where jobs go, `deps` builds what they need.
"""
