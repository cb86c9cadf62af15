from django.apps import AppConfig


class FlowsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from flows import signals  # noqa: F401 - connects the flow history receiver
