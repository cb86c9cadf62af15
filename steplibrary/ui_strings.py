"""Words the API and the pages share, written once: the API's messages use them, and the
library page hands them to its script through `json_script` ("ui-strings")."""

MANAGED_BY_FLOW = "Managed by source flow — fork to customize."

UI_STRINGS = {"managed_by_flow": MANAGED_BY_FLOW}
