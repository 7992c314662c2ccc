"""What the user guide generates from the code when it is built (``make docs``).

- :mod:`docsgen.figures`: the time model's figures, drawn from ``airflow_provider_engage.timing``;
- :mod:`docsgen.codes`: the troubleshooting tables of vendor codes, from the spec modules and
  the hooks' own error mapping and retry policy;
- :mod:`docsgen.griffe_roles`: Sphinx roles in docstrings rendered as links in the API reference;
- :mod:`docsgen.mkdocs_hooks`: the MkDocs hooks that put the above into the site.

Nothing here is shipped with the provider (the wheel holds ``airflow_provider_engage`` only).
"""
