"""The person's own history: weekly means and scores by domain (``selectors``), drawn as
charts with a data-table twin (``charts``, ``views``)."""
