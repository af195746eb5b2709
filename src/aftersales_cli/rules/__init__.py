"""The company's after-sales policy as pure functions: no database, no clock, no printing.

`now` and the `Rules` (defaults of POLICY.md, overridable from a TOML file) come in as
arguments. Modules: `taxonomy` (the words), `config` (every number), `triage`
(category and severity suggestion), `deadlines`, `penalties`, `fields` (well-formed
input), `case` (the complaint as a value), `lifecycle` (the status flow).
"""
