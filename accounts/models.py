"""Tenancy: an Account is a team; every user belongs to at most one."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class Account(models.Model):
    """A team (tenant) whose members share team-visible flows and library entries."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in; `account` is their team, if they have one."""

    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
