"""Builders of valid `tree_structure` documents: for tests, the benchmarks and the load test,
which must not import test modules."""


def procedural_structure(step_count: int = 3, *, sections: int = 1, with_end: bool = True) -> dict:
    """`step_count` procedure steps spread over `sections` section headers, then an end node."""
    steps: list[dict] = []
    per_section = max(1, -(-step_count // max(sections, 1)))
    for index in range(step_count):
        if sections and index % per_section == 0:
            section = index // per_section + 1
            steps.append({"id": f"h{section}", "type": "section_header", "title": f"Section {section}"})
        steps.append(
            {
                "id": f"s{index + 1}",
                "type": "procedure_step",
                "title": f"Step {index + 1}",
                "description": f"Do the thing number {index + 1}.",
                "expected_outcome": f"Thing {index + 1} is done",
                "commands": [{"language": "bash", "code": f"run --step {index + 1}", "label": "Run"}],
            }
        )
    if with_end:
        steps.append({"id": "end", "type": "procedure_end", "title": "Done"})
    return {"steps": steps}


def troubleshooting_structure() -> dict:
    """A three-level decision tree: question → action → question → solutions."""
    return {
        "root": {
            "id": "q1",
            "type": "question",
            "title": "Does the VPN client connect?",
            "children": [
                {
                    "id": "a1",
                    "type": "action",
                    "answer": "No",
                    "title": "Restart the VPN service",
                    "description": "Run the restart from an elevated shell.",
                    "children": [
                        {
                            "id": "q2",
                            "type": "question",
                            "title": "Does it connect now?",
                            "children": [
                                {
                                    "id": "z1",
                                    "type": "solution",
                                    "answer": "Yes",
                                    "title": "Connection restored",
                                },
                                {
                                    "id": "z3",
                                    "type": "solution",
                                    "answer": "No",
                                    "title": "Escalate to networking",
                                    "description": "Attach the client log to the ticket.",
                                },
                            ],
                        }
                    ],
                },
                {"id": "z2", "type": "solution", "answer": "Yes", "title": "Close the ticket"},
            ],
        }
    }


def stop_nginx_step() -> dict:
    """One realistic procedure step (node id "stop"): a description, an expected outcome and
    a labelled bash command, as an author writes them."""
    return {
        "id": "stop",
        "type": "procedure_step",
        "title": "Stop nginx",
        "description": "Stop nginx before rotating certificates.",
        "expected_outcome": "nginx reports inactive",
        "commands": [{"language": "bash", "code": "systemctl stop nginx", "label": "Stop"}],
    }
