"""Which commits and lines of a change coding agents wrote: the signals each tool leaves
(`catalogue`, `trailers`, `modelnames`, `disclosures`) found in a change (`signals`),
commit-level detection (`detection`), line-level attribution from the history (`lines`,
`merges`) and from the records agents keep (`records`, `agenttrace`, `gitai`), and the
evidence shown for it (`evidence`)."""
