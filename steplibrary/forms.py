"""Forms of the step library's staff pages."""

from django import forms


class TakedownForm(forms.Form):
    """The reason for a staff takedown: sent to the people told of it, so it must say why."""

    reason = forms.CharField(
        max_length=400,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to the flow's author and to the owners of forks, with the entry's title.",
    )
