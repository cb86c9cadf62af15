"""Demo content: a team, its people, and flows of every type, so the app is ready to click through."""

DEMO_PASSWORDS = {
    "alice": "alice-demo-pass",
    "bob": "bob-demo-pass",
    "sam": "sam-demo-pass",
    "carol": "carol-demo-pass",
}

CERT_ROTATION = {
    "steps": [
        {"id": "prep", "type": "section_header", "title": "Preparation"},
        {
            "id": "check-expiry",
            "type": "procedure_step",
            "title": "Check the certificate expiry date",
            "description": "Confirm which certificate is about to expire before touching anything.",
            "expected_outcome": "The expiry date is within the next 30 days",
            "commands": "openssl x509 -enddate -noout -in /etc/ssl/certs/site.pem",
            "library_visibility": "public",
        },
        {
            "id": "stop-nginx",
            "type": "procedure_step",
            "title": "Stop the web server",
            "description": "Stop nginx before rotating certificates.",
            "expected_outcome": "nginx reports inactive",
            "commands": [
                {"language": "bash", "code": "sudo systemctl stop nginx", "label": "Stop"},
                {"language": "bash", "code": "systemctl is-active nginx", "label": "Verify"},
            ],
        },
        {"id": "rotate", "type": "section_header", "title": "Rotation"},
        {
            "id": "install-cert",
            "type": "procedure_step",
            "title": "Install the new certificate",
            "description": "Copy the renewed certificate and key into place with the right owner.",
            "expected_outcome": "Both files are owned by root with mode 0600",
            "commands": [
                {"language": "bash", "code": "sudo install -m 600 site.pem /etc/ssl/certs/site.pem"},
            ],
        },
        {
            "id": "start-nginx",
            "type": "procedure_step",
            "title": "Start the web server",
            "expected_outcome": "nginx reports active and serves the new certificate",
            "commands": [{"language": "bash", "code": "sudo systemctl start nginx", "label": "Start"}],
        },
        {"id": "done", "type": "procedure_end", "title": "Certificates rotated"},
    ]
}

VPN_TROUBLESHOOTING = {
    "root": {
        "id": "vpn-connects",
        "type": "question",
        "title": "Does the VPN client connect?",
        "children": [
            {
                "id": "restart-vpn",
                "type": "action",
                "answer": "No",
                "title": "Restart the VPN service",
                "description": "Restart the VPN service from an elevated shell, then reconnect.",
                "children": [
                    {
                        "id": "connects-after-restart",
                        "type": "question",
                        "title": "Does it connect after the restart?",
                        "children": [
                            {
                                "id": "restored",
                                "type": "solution",
                                "answer": "Yes",
                                "title": "Connection restored",
                                "description": "Note the restart in the ticket and close it.",
                            },
                            {
                                "id": "check-credentials",
                                "type": "action",
                                "answer": "No",
                                "title": "Reset the user's VPN credentials",
                                "description": "Reset the password in the identity portal and retry.",
                                "children": [
                                    {
                                        "id": "escalate",
                                        "type": "solution",
                                        "title": "Escalate to the network team",
                                        "description": "Attach the client log and the user's location.",
                                    }
                                ],
                            },
                        ],
                    }
                ],
            },
            {
                "id": "slow-question",
                "type": "question",
                "answer": "Yes, but it is slow",
                "title": "Is the user on Wi-Fi?",
                "children": [
                    {
                        "id": "suggest-cable",
                        "type": "solution",
                        "answer": "Yes",
                        "title": "Suggest a wired connection",
                    },
                    {
                        "id": "split-tunnel",
                        "type": "solution",
                        "answer": "No",
                        "title": "Enable split tunnelling for video calls",
                    },
                ],
            },
        ],
    }
}

DB_MAINTENANCE = {
    "steps": [
        {"id": "backup", "type": "section_header", "title": "Backup"},
        {
            "id": "dump",
            "type": "procedure_step",
            "title": "Take a logical backup",
            "commands": [
                {
                    "language": "bash",
                    "code": "pg_dump -h {{db_host}} -U {{db_user}} -Fc {{database}} > {{database}}.dump",
                    "label": "Dump",
                }
            ],
        },
        {"id": "vacuum-section", "type": "section_header", "title": "Vacuum"},
        {
            "id": "vacuum",
            "type": "procedure_step",
            "title": "Vacuum and analyze",
            "commands": (
                "PGPASSWORD={{db_password}} psql -h {{db_host}} -d {{database}} "
                "-c 'VACUUM (ANALYZE, VERBOSE);'"
            ),
        },
    ],
    # Prompted when a run starts; the password stays in the browser.
    "variables": [
        {
            "name": "db_host",
            "label": "Database host",
            "kind": "hostname",
            "required": True,
            "default": "db-1",
        },
        {
            "name": "database",
            "label": "Database",
            "kind": "choice",
            "choices": ["app", "reports"],
            "default": "app",
        },
        {"name": "db_user", "label": "User", "kind": "text", "default": "postgres"},
        {"name": "db_password", "label": "Password", "kind": "secret"},
    ],
}

DEMO_FLOWS = [
    {
        "name": "Rotate TLS certificates on web servers",
        "description": "The quarterly certificate rotation for the public web tier.",
        "tree_type": "procedural",
        "tree_structure": CERT_ROTATION,
        "status": "published",
        "is_public": False,
    },
    {
        "name": "VPN client will not connect",
        "description": "First-line troubleshooting for remote workers' VPN problems.",
        "tree_type": "troubleshooting",
        "tree_structure": VPN_TROUBLESHOOTING,
        "status": "published",
        "is_public": True,
    },
    {
        "name": "Monthly database maintenance",
        "description": "Backup and vacuum the application database.",
        "tree_type": "maintenance",
        "tree_structure": DB_MAINTENANCE,
        "status": "draft",
        "is_public": False,
    },
]

DEMO_MANUAL_STEPS = [
    {
        "title": "Clear the DNS cache on macOS",
        "visibility": "public",
        "content": {
            "instructions": "Flush the resolver cache and restart mDNSResponder.",
            "help_text": "No output means it worked.",
            "commands": [
                {
                    "label": "Flush",
                    "command": "sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder",
                    "command_type": "bash",
                }
            ],
            "group_label": None,
        },
    },
]
