"""Identity resolution: which source records belong to the same person.

`resolution.resolve` runs the whole step: `canonical` forms, deterministic
`links`, the Splink `model`, guarded `clustering`, `stable_ids` with their
history, and `explain` tables. `evaluation` scores against ground truth and
`mapping` reads any list of people described by a YAML mapping.
"""
