from django.apps import AppConfig


class SteplibraryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "steplibrary"
    verbose_name = "Step library"

    def ready(self) -> None:
        from flows.library import register_library_preview
        from flows.links import register_visible_step_ids
        from steplibrary import signals  # noqa: F401  (connects the flow-sync receivers)
        from steplibrary.preview import tree_preview
        from steplibrary.selectors import visible_step_ids

        register_visible_step_ids(visible_step_ids)
        register_library_preview(tree_preview)
