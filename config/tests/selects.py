"""What a list page's filter select must show when the page renders it from its FilterSet:
its label, its name and id, its empty choice, and the chosen value kept selected."""


def assert_filter_select(
    html: str, name: str, html_id: str, label: str, empty: str, selected: tuple[str, str]
) -> None:
    value, text = selected
    assert f'<label for="{html_id}">{label}</label>' in html
    assert f'<select name="{name}" id="{html_id}">' in html
    assert f'<option value="">{empty}</option>' in html
    assert f'<option value="{value}" selected>{text}</option>' in html
