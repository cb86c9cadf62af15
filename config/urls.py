"""Top-level URL configuration: admin, the REST API and its schema, and the pages."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

api_patterns = [
    path("", include("accounts.api.urls")),
    path("", include("flows.api.urls")),
    path("", include("steplibrary.api.urls")),
    path("", include("runs.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Signed-out browsers go to the sign-in page; the split view serves Swagger UI's init
    # script as a file (`?script`), so the page needs no inline script under the CSP.
    path(
        "docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", include("flows.urls")),
    path("", include("steplibrary.urls")),
    path("", include("runs.urls")),
]

handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
