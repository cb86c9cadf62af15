"""Forms for the flow pages."""

from django import forms

from flows.models import Tree


class TreeCreateForm(forms.ModelForm):
    class Meta:
        model = Tree
        fields = ["name", "tree_type", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"tree_type": "Type"}
