"""Row versions: every edit of a flow or library entry bumps an integer `version` column in
the same UPDATE that writes the edit, so two concurrent saves can never both claim one number.
The API turns it into an ETag (`config.concurrency`)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import models, transaction
from django.db.models import F


def bump_version_kwargs(instance: models.Model, kwargs: dict) -> dict:
    """Makes this save's UPDATE also run `version = version + 1` (and keeps `updated_at`
    written when the caller limits `update_fields`)."""
    instance.version = F("version") + 1
    update_fields = kwargs.get("update_fields")
    if update_fields is not None:
        kwargs = {**kwargs, "update_fields": {*update_fields, "version", "updated_at"}}
    return kwargs


def read_version(instance: models.Model, *, using: str | None = None) -> int:
    """The version the save just wrote (the row is locked by that UPDATE until commit)."""
    manager = type(instance)._base_manager.db_manager(using)
    return manager.filter(pk=instance.pk).values_list("version", flat=True).get()


@contextmanager
def versioned_save(instance: models.Model, kwargs: dict) -> Iterator[dict]:
    """Wraps a model's `super().save(**kwargs)`: yields the save's kwargs with the version bump
    added (an update only; a new row starts at 1), runs the body in one transaction, then reads
    the version the UPDATE wrote. If anything in the body fails, the instance keeps the
    version it had, so a retry sends the right If-Match."""
    previous = instance.version
    bump = not instance._state.adding
    if bump:
        kwargs = bump_version_kwargs(instance, kwargs)
    try:
        with transaction.atomic(using=kwargs.get("using")):
            yield kwargs
            if bump:
                instance.version = read_version(instance, using=kwargs.get("using"))
    except BaseException:
        instance.version = previous
        raise
