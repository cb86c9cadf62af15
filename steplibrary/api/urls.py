from django.urls import path
from rest_framework.routers import DefaultRouter

from steplibrary.api.views import LibraryStepViewSet, TreePreviewView, TreeSecretAllowanceView, UpdateViewSet

router = DefaultRouter()
router.register("steps", LibraryStepViewSet, basename="step")
router.register("updates", UpdateViewSet, basename="update")

urlpatterns = [
    # Lives here, not in flows: previewing asks the step library what a publish would do.
    path("trees/<uuid:pk>/preview/", TreePreviewView.as_view(), name="tree-preview"),
    path(
        "trees/<uuid:pk>/secret-allowances/",
        TreeSecretAllowanceView.as_view(),
        name="tree-secret-allowances",
    ),
    *router.urls,
]
