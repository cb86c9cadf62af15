"""A password change, by any path (admin, the password change view, set_password in a
shell or a script), revokes the user's API tokens: a leaked token must not outlive it."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_tokens_revoke


@receiver(pre_save, sender=User, dispatch_uid="accounts.password_change_noticed")
def notice_password_change(sender, instance: User, raw: bool, update_fields=None, **kwargs) -> None:
    instance._password_changed = False
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. the last_login update at every sign-in: no extra query
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=User, dispatch_uid="accounts.password_change_revokes_tokens")
def revoke_tokens_on_password_change(sender, instance: User, raw: bool, **kwargs) -> None:
    if not raw and getattr(instance, "_password_changed", False):
        user_tokens_revoke(user=instance)
        instance._password_changed = False
