"""The use-cases of supervision, one module per stage of the work: ``plans`` (load and import),
``reports`` (monthly reports), ``status`` (where everything stands on a day), ``reminders``, ``documents``
(通报 and 督导 reports), ``meetings`` (推进会 and 督办事项) and ``assessment``."""
