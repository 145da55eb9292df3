"""The person's own data: the export (JSON, CSV, FHIR), deleting the account, and who viewed
their data."""
