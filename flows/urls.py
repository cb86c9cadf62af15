from django.urls import path

from flows import views

urlpatterns = [
    path("flows/", views.flow_list, name="flow_list"),
    path("flows/new/", views.flow_create, name="flow_create"),
    path("flows/<uuid:tree_id>/", views.flow_navigate, name="flow_navigate"),
    path("flows/<uuid:tree_id>/edit/", views.flow_edit, name="flow_edit"),
]
