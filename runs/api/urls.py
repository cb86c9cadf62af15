from rest_framework.routers import DefaultRouter

from runs.api.views import SessionViewSet

router = DefaultRouter()
router.register("sessions", SessionViewSet, basename="session")

urlpatterns = router.urls
