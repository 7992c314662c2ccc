"""What a sensor or trigger waits for, and whether it has come: pure rules, no I/O, no Airflow.

A *watch* is fixed once, when a sensor first looks (which firing, its window, when to give up),
travels as plain JSON (trigger kwargs, the task state store), and judges each answer the
service gives into a :class:`~airflow_provider_engage.watches.verdicts.Verdict`. The sync
sensors and the async triggers fetch the answers; the judging is here, once, for both.
"""
