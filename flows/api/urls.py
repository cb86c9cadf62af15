from rest_framework.routers import DefaultRouter

from flows.api.views import TreeViewSet

router = DefaultRouter()
router.register("trees", TreeViewSet, basename="tree")

urlpatterns = router.urls
