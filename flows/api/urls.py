from django.urls import path
from rest_framework.routers import DefaultRouter

from flows.api import views

router = DefaultRouter()
router.register("trees", views.TreeViewSet, basename="tree")

urlpatterns = [
    # The step library answers it (flows.library); it is routed with the flow's other endpoints.
    path("trees/<uuid:pk>/preview/", views.TreePreviewView.as_view(), name="tree-preview"),
    path("trees/<uuid:pk>/draft/", views.TreeWorkingCopyView.as_view(), name="tree-draft"),
    path("trees/<uuid:pk>/publish/", views.TreePublishView.as_view(), name="tree-publish"),
    path("trees/<uuid:pk>/revisions/", views.TreeRevisionListView.as_view(), name="tree-revisions"),
    path("trees/<uuid:pk>/revisions/diff/", views.TreeRevisionDiffView.as_view(), name="tree-revisions-diff"),
    path(
        "trees/<uuid:pk>/revisions/<int:number>/",
        views.TreeRevisionDetailView.as_view(),
        name="tree-revision",
    ),
    path(
        "trees/<uuid:pk>/revisions/<int:number>/restore/",
        views.TreeRevisionRestoreView.as_view(),
        name="tree-revision-restore",
    ),
    *router.urls,
]
