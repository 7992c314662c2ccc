"""The wait engine and what each wait is for: pure rules, no I/O of their own, no Airflow.

A *watch* is fixed once, when a sensor first looks (which firing, its window, when to give up),
travels as plain JSON (trigger kwargs, the task state store), and judges each answer the
service gives into a verdict; a *feed* follows firings for an event trigger from a plain-JSON
cursor. :mod:`~airflow_provider_engage.waits.engine` looks and keeps the cadence for sensors and
triggers alike; :mod:`~airflow_provider_engage.waits.engagelab` and
:mod:`~airflow_provider_engage.waits.pai` hold each vendor's watches and feeds.
"""
