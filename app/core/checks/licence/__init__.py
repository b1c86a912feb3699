"""Licences in what a pull request adds: SPDX tags, licence notices, pasted licence texts, and the
licences of new dependencies, judged against an allow/deny policy.

Policy semantics (documented in the README through the field descriptions):
- An SPDX expression is parsed with `license-expression`. Each licence in it is *denied* when the
  deny list names it, *allowed* when the allow list names it or (with an empty allow list) when it
  is a recognised SPDX licence, and *unknown* otherwise (not on a non-empty allow list, a custom
  `LicenseRef-`, an unrecognised name). An exact id beats a `*` pattern; otherwise deny wins.
- `A OR B` is the licensee's choice: allowed when some branch is allowed, denied only when every
  branch is denied (no choice avoids a denied licence), otherwise unknown. `A AND B` needs both:
  denied when either is denied, allowed when both are allowed, otherwise unknown.
- `L WITH exception` is judged as `L` (an exception only adds permissions) unless the whole
  `L WITH exception` is listed, which then decides.
- `L-or-later` (or `L+`) may also be taken as `L-only`: the better of the two counts.
- An expression that does not parse is unknown, with the parser's message.
Only added lines are read; a licence file (LICENSE, COPYING, ...) is judged as a whole but is never
reported as copied text.

`policy` judges expressions, `texts` finds licences named in added text, `own` reads the
repository's own licence from its base, and `findings` makes the check (`LicenceCheck`).
"""
