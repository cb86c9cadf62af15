from django.urls import path
from rest_framework.routers import DefaultRouter

from steplibrary.api.views import (
    LibraryStepViewSet,
    NoticeViewSet,
    TreeSecretAllowanceView,
    TreeTakedownsView,
)

router = DefaultRouter()
router.register("steps", LibraryStepViewSet, basename="step")
# The URL and route names keep the word clients know (`/api/updates/`); the model is Notice.
router.register("updates", NoticeViewSet, basename="update")

urlpatterns = [
    path(
        "trees/<uuid:pk>/secret-allowances/",
        TreeSecretAllowanceView.as_view(),
        name="tree-secret-allowances",
    ),
    # <str:pk>: a malformed id is the API's JSON 404 (get_object), not the HTML page.
    path("trees/<str:pk>/takedowns/", TreeTakedownsView.as_view(), name="tree-takedowns"),
    *router.urls,
]
