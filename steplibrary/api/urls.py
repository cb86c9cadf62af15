from rest_framework.routers import DefaultRouter

from steplibrary.api.views import LibraryStepViewSet

router = DefaultRouter()
router.register("steps", LibraryStepViewSet, basename="step")

urlpatterns = router.urls
