"""On PostgreSQL, the database itself refuses to change or delete audit events.

The one change allowed is setting ``actor`` or ``subject_patient`` to NULL, which is what
deleting a person's account does (on_delete=SET_NULL): the event stays, the person does not.
SQLite (the embedded default) relies on the model's guards alone.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREATE = """
CREATE FUNCTION accounts_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are never deleted';
    END IF;
    IF NEW.id = OLD.id
       AND NEW.public_id = OLD.public_id
       AND NEW.action = OLD.action
       AND NEW.detail = OLD.detail
       AND NEW.created_at = OLD.created_at
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.subject_patient_id IS NULL OR NEW.subject_patient_id = OLD.subject_patient_id)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are never changed';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_auditevent_append_only
BEFORE UPDATE OR DELETE ON accounts_auditevent
FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION IF EXISTS accounts_auditevent_append_only();
"""


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
