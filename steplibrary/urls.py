from django.urls import path

from steplibrary import views

urlpatterns = [
    path("", views.library, name="home"),
    path("library/", views.library, name="library"),
    path("updates/", views.updates, name="updates"),
]
