"""The desk: every use case of the after-sales desk — log, classify, assign, done, extend,
close, revisit, pay — as one function over a typed command (`desk.commands`) and a unit
of work (`desk.work.Desk`: connection, clock, rules, operator), returning what changed.

The CLI's commands parse options into a command object (`desk.parse`), call the use case
(`desk.cases`) and present the result; the demo, import and the tests drive the same
functions. Decisions are the pure `rules`; SQL is the `store`'s; this layer only puts them
together in one transaction.
"""
