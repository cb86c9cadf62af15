"""A generated library of everyday IT steps, for the judged relevance benchmark.

Nothing is downloaded: every entry comes from the task templates below (real commands of
Linux, Windows, network, database, mail and account administration), expanded over
services, hosts, users and paths, phrased the several ways different teams write the same
step. Each generated step remembers its task (and the parameter it was made for), which is
what the judged queries in `bench/judged.py` name as the right answers.
"""

import random
from dataclasses import dataclass

SERVICES = [
    "nginx",
    "apache2",
    "postgresql",
    "mysql",
    "redis",
    "docker",
    "sshd",
    "cron",
    "haproxy",
    "rabbitmq",
]
HOSTS = [f"{role}-{n:02d}" for role in ("web", "db", "app", "mail", "vpn", "build") for n in range(1, 9)]
USERS = ["alice", "bob", "deploy", "backup", "jenkins", "svc-monitor"]
DOMAINS = ["example.com", "intranet.example.org", "shop.example.net"]

# (key, section, [title phrasings], instructions, help, [commands]) — {svc}, {host}, {user},
# {domain} are filled per variant; a task that names none of them varies by host only.
TASKS = [
    (
        "restart_service",
        "Recovery",
        ["Restart {svc}", "Restart the {svc} service", "Bounce {svc} on {host}"],
        "Restart the {svc} service on {host} and confirm it comes back.",
        "{svc} reports active (running)",
        ["sudo systemctl restart {svc}", "systemctl status {svc} --no-pager"],
    ),
    (
        "stop_service",
        "Preparation",
        ["Stop {svc}", "Stop the {svc} service before maintenance"],
        "Stop {svc} on {host} so that nothing writes during the change.",
        "{svc} reports inactive",
        ["sudo systemctl stop {svc}"],
    ),
    (
        "start_service",
        "Completion",
        ["Start {svc}", "Start the {svc} service again"],
        "Start {svc} on {host} after the change.",
        "{svc} reports active",
        ["sudo systemctl start {svc}"],
    ),
    (
        "enable_service",
        "Setup",
        ["Enable {svc} at boot", "Make {svc} start on boot"],
        "Enable the {svc} unit so it starts when {host} boots.",
        "systemctl is-enabled says enabled",
        ["sudo systemctl enable --now {svc}"],
    ),
    (
        "service_logs",
        "Diagnosis",
        ["Read the {svc} logs", "Check recent {svc} log entries"],
        "Read the last hour of the {svc} journal on {host} and look for errors.",
        None,
        ["journalctl -u {svc} --since '1 hour ago' --no-pager"],
    ),
    (
        "extract_tar",
        "Restore",
        ["Extract a tar archive", "Unpack the backup tarball on {host}"],
        "Extract the compressed archive into the target directory.",
        "Files appear under /srv/restore",
        ["tar -xzf backup.tar.gz -C /srv/restore"],
    ),
    (
        "create_tar",
        "Backup",
        ["Create a tar archive of the data", "Archive /srv/data with tar"],
        "Pack the data directory into a compressed tar archive.",
        "backup.tar.gz exists",
        ["tar -czf backup.tar.gz /srv/data"],
    ),
    (
        "kill_by_name",
        "Recovery",
        ["Kill processes by name", "Kill every stuck worker process"],
        "End every process whose command line matches the name.",
        "pgrep finds nothing",
        ["pkill -f worker", "pgrep -fl worker"],
    ),
    (
        "change_password",
        "Accounts",
        ["Change a user's password", "Set a new password for {user}"],
        "Set a new password for the local account {user} on {host}.",
        "The user can sign in with it",
        ["sudo passwd {user}"],
    ),
    (
        "lock_account",
        "Accounts",
        ["Lock the account of {user}", "Disable a leaver's login"],
        "Lock the password of {user} and expire the account.",
        "The user can no longer sign in",
        ["sudo usermod -L -e 1 {user}"],
    ),
    (
        "add_user",
        "Accounts",
        ["Create a local user {user}", "Add a new user account"],
        "Create the user with a home directory and the default shell.",
        "id {user} answers",
        ["sudo useradd -m -s /bin/bash {user}"],
    ),
    (
        "add_sudo",
        "Accounts",
        ["Give {user} sudo rights", "Add a user to the sudo group"],
        "Add the user to the sudo group; they sign in again to get it.",
        None,
        ["sudo usermod -aG sudo {user}"],
    ),
    (
        "disk_usage",
        "Diagnosis",
        ["Check disk space", "See which file systems are full on {host}"],
        "List file system usage and find the ones above 90%.",
        None,
        ["df -h"],
    ),
    (
        "largest_dirs",
        "Diagnosis",
        ["Find the largest directories", "Find what fills the disk"],
        "List the biggest directories under /var to see what grows.",
        None,
        ["sudo du -xh /var --max-depth=2 | sort -rh | head -20"],
    ),
    (
        "clean_journal",
        "Cleanup",
        ["Shrink the systemd journal", "Vacuum old journal files"],
        "Keep two weeks of journal on {host} and free the rest.",
        "journalctl --disk-usage is smaller",
        ["sudo journalctl --vacuum-time=2weeks"],
    ),
    (
        "rotate_logs",
        "Cleanup",
        ["Rotate the logs now", "Force a log rotation"],
        "Run logrotate by hand with the system configuration.",
        None,
        ["sudo logrotate -f /etc/logrotate.conf"],
    ),
    (
        "check_cert_expiry",
        "Certificates",
        ["Check the certificate expiry date", "See when the TLS certificate of {domain} expires"],
        "Read the end date of the certificate the site serves.",
        "The date is more than 30 days away",
        [
            "echo | openssl s_client -connect {domain}:443 -servername {domain} 2>/dev/null | openssl x509 -noout -enddate"
        ],
    ),
    (
        "renew_certbot",
        "Certificates",
        ["Renew the Let's Encrypt certificates", "Renew TLS certificates with certbot"],
        "Renew every certificate due in the next 30 days, then reload the web server.",
        None,
        ["sudo certbot renew", "sudo systemctl reload nginx"],
    ),
    (
        "install_cert",
        "Certificates",
        ["Install the new certificate", "Copy the renewed certificate into place"],
        "Copy the certificate and key to /etc/ssl and restrict the key.",
        "The key has mode 0600",
        [
            "sudo cp site.crt /etc/ssl/certs/site.crt",
            "sudo install -m 600 site.key /etc/ssl/private/site.key",
        ],
    ),
    (
        "csr",
        "Certificates",
        ["Generate a certificate signing request", "Create a CSR for {domain}"],
        "Create a new key and a CSR to send to the certificate authority.",
        None,
        ["openssl req -new -newkey rsa:2048 -nodes -keyout {domain}.key -out {domain}.csr"],
    ),
    (
        "remove_host_key",
        "SSH",
        ["Remove a stale host key", "Forget the old SSH key of {host}"],
        "Remove the old key of a rebuilt server from known_hosts before connecting again.",
        None,
        ["ssh-keygen -R {host} -f ~/.ssh/known_hosts"],
    ),
    (
        "ssh_keygen",
        "SSH",
        ["Create an SSH key pair", "Generate a new ed25519 SSH key"],
        "Generate a key pair for {user} with a passphrase.",
        "~/.ssh/id_ed25519.pub exists",
        ["ssh-keygen -t ed25519 -C {user}@{host}"],
    ),
    (
        "copy_ssh_key",
        "SSH",
        ["Install your public key on {host}", "Copy the SSH key to a server"],
        "Append the public key to the remote authorized_keys file.",
        None,
        ["ssh-copy-id {user}@{host}"],
    ),
    (
        "rsync_dry_run",
        "Backup",
        ["Preview a copy with rsync", "See what rsync would copy"],
        "Run rsync with --dry-run to list what would change, without copying.",
        None,
        ["rsync --dry-run -av /srv/data/ {host}:/srv/data/"],
    ),
    (
        "rsync_copy",
        "Backup",
        ["Copy the data to the backup server", "Sync /srv/data to {host}"],
        "Copy the data directory to the backup host, deleting files removed at the source.",
        None,
        ["rsync -a --delete /srv/data/ {host}:/srv/data/"],
    ),
    (
        "pg_dump",
        "Backup",
        ["Back up a PostgreSQL database", "Dump the database with pg_dump"],
        "Dump the application database in the custom format.",
        "app.dump is not empty",
        ["pg_dump -Fc -d app -f /backup/app.dump"],
    ),
    (
        "pg_restore",
        "Restore",
        ["Restore a PostgreSQL dump", "Restore the database from the last dump"],
        "Restore the dump into an empty database.",
        None,
        ["createdb app_restored", "pg_restore -d app_restored /backup/app.dump"],
    ),
    (
        "mysql_dump",
        "Backup",
        ["Back up a MySQL database", "Dump MySQL with mysqldump"],
        "Dump every database consistently without locking tables.",
        None,
        ["mysqldump --single-transaction --all-databases > /backup/mysql.sql"],
    ),
    (
        "pg_vacuum",
        "Maintenance",
        ["Vacuum and analyze PostgreSQL", "Refresh the planner statistics"],
        "Vacuum and analyze the application database after a bulk load.",
        None,
        ["vacuumdb --analyze -d app"],
    ),
    (
        "pg_activity",
        "Diagnosis",
        ["List running PostgreSQL queries", "Find long-running queries"],
        "List the queries running for more than a minute.",
        None,
        ["psql -c \"select pid, now() - query_start, query from pg_stat_activity where state <> 'idle'\""],
    ),
    (
        "flush_dns_windows",
        "Network",
        ["Flush the DNS cache on Windows", "Clear the Windows DNS resolver cache"],
        "Flush the client's DNS cache from an elevated prompt.",
        "Successfully flushed the DNS Resolver Cache",
        ["ipconfig /flushdns"],
    ),
    (
        "flush_dns_linux",
        "Network",
        ["Flush the DNS cache on Linux", "Clear the systemd-resolved cache"],
        "Flush systemd-resolved's cache and show its statistics.",
        None,
        ["sudo resolvectl flush-caches", "resolvectl statistics"],
    ),
    (
        "dns_lookup",
        "Network",
        ["Look up a DNS record", "Check which address {domain} resolves to"],
        "Query the record directly and compare with the expected address.",
        None,
        ["dig +short {domain} A"],
    ),
    (
        "check_port",
        "Network",
        ["Check that a port is open", "Test whether {host} answers on port 443"],
        "Test a TCP connection to the port from the client side.",
        None,
        ["nc -zv {host} 443"],
    ),
    (
        "listening_ports",
        "Diagnosis",
        ["List listening ports", "See which process listens on a port"],
        "List listening TCP sockets with their processes.",
        None,
        ["sudo ss -tlnp"],
    ),
    (
        "traceroute",
        "Network",
        ["Trace the route to a host", "Find where packets to {host} stop"],
        "Trace the path to the host to find the failing hop.",
        None,
        ["mtr -rw {host}"],
    ),
    (
        "firewall_allow",
        "Network",
        ["Open a port in the firewall", "Allow HTTPS through ufw"],
        "Allow incoming HTTPS and reload the firewall rules.",
        None,
        ["sudo ufw allow 443/tcp", "sudo ufw status"],
    ),
    (
        "iptables_list",
        "Network",
        ["List the iptables rules", "Show the firewall rules with counters"],
        "List every rule with packet counters and line numbers.",
        None,
        ["sudo iptables -L -n -v --line-numbers"],
    ),
    (
        "renew_dhcp",
        "Network",
        ["Renew the DHCP lease on Windows", "Release and renew the IP address"],
        "Release and renew the address from an elevated prompt.",
        None,
        ["ipconfig /release", "ipconfig /renew"],
    ),
    (
        "reset_winsock",
        "Network",
        ["Reset the Windows network stack", "Reset Winsock and TCP/IP"],
        "Reset Winsock and the TCP/IP stack, then restart the computer.",
        None,
        ["netsh winsock reset", "netsh int ip reset"],
    ),
    (
        "restart_vpn",
        "VPN",
        ["Restart the VPN service", "Reconnect the VPN client"],
        "Restart the VPN client service from an elevated shell.",
        "The client connects",
        ["sudo systemctl restart openvpn-client@office"],
    ),
    (
        "reset_vpn_creds",
        "VPN",
        ["Reset the user's VPN credentials", "Issue new VPN credentials for {user}"],
        "Revoke the old VPN certificate and issue a new one.",
        None,
        ["./easyrsa revoke {user}", "./easyrsa build-client-full {user} nopass"],
    ),
    (
        "clear_print_queue",
        "Printing",
        ["Clear a stuck print queue", "Cancel every print job"],
        "Cancel all jobs on the queue and restart the spooler.",
        None,
        ["cancel -a", "sudo systemctl restart cups"],
    ),
    (
        "restart_spooler",
        "Printing",
        ["Restart the Windows print spooler", "Fix a stuck printer on Windows"],
        "Restart the spooler service from an elevated PowerShell.",
        None,
        ["Restart-Service -Name Spooler"],
    ),
    (
        "gpupdate",
        "Windows",
        ["Force a group policy update", "Refresh group policy on a workstation"],
        "Apply the latest group policy without waiting for the interval.",
        None,
        ["gpupdate /force"],
    ),
    (
        "sfc",
        "Windows",
        ["Repair Windows system files", "Run the system file checker"],
        "Scan and repair protected system files, then check the image.",
        None,
        ["sfc /scannow", "DISM /Online /Cleanup-Image /RestoreHealth"],
    ),
    (
        "unlock_ad",
        "Accounts",
        ["Unlock an Active Directory account", "Unlock {user} in AD"],
        "Unlock the user's domain account after too many failed sign-ins.",
        None,
        ["Unlock-ADAccount -Identity {user}"],
    ),
    (
        "reset_ad_password",
        "Accounts",
        ["Reset an Active Directory password", "Reset the domain password of {user}"],
        "Set a temporary password that must be changed at next sign-in.",
        None,
        [
            "Set-ADAccountPassword -Identity {user} -Reset",
            "Set-ADUser -Identity {user} -ChangePasswordAtLogon $true",
        ],
    ),
    (
        "docker_ps",
        "Containers",
        ["List running containers", "See which Docker containers run on {host}"],
        "List containers with their status and ports.",
        None,
        ["docker ps --format 'table {{.Names}}\\t{{.Status}}'"],
    ),
    (
        "docker_logs",
        "Containers",
        ["Read a container's logs", "Follow the logs of a Docker container"],
        "Follow the last 200 lines of the container's output.",
        None,
        ["docker logs --tail 200 -f app"],
    ),
    (
        "docker_prune",
        "Cleanup",
        ["Remove unused Docker images", "Free disk space taken by Docker"],
        "Remove stopped containers, unused networks and dangling images.",
        None,
        ["docker system prune -f"],
    ),
    (
        "k8s_restart",
        "Containers",
        ["Restart a Kubernetes deployment", "Roll out a deployment again"],
        "Restart the deployment's pods one by one.",
        None,
        ["kubectl rollout restart deployment/app -n prod"],
    ),
    (
        "k8s_pods",
        "Containers",
        ["List failing pods", "Find pods that are not running"],
        "List pods in every namespace that are not Running or Completed.",
        None,
        ["kubectl get pods -A --field-selector=status.phase!=Running"],
    ),
    (
        "apt_upgrade",
        "Maintenance",
        ["Install security updates", "Update the packages on {host}"],
        "Refresh the package lists and install available upgrades.",
        None,
        ["sudo apt-get update", "sudo apt-get upgrade -y"],
    ),
    (
        "reboot",
        "Maintenance",
        ["Reboot the server", "Schedule a reboot of {host}"],
        "Reboot in five minutes and tell signed-in users.",
        None,
        ["sudo shutdown -r +5 'Maintenance reboot'"],
    ),
    (
        "memory",
        "Diagnosis",
        ["Check memory usage", "See what uses the memory on {host}"],
        "Show free memory and the processes using the most.",
        None,
        ["free -h", "ps aux --sort=-%mem | head"],
    ),
    (
        "cpu_load",
        "Diagnosis",
        ["Check the CPU load", "Find the process using the most CPU"],
        "Show the load average and the busiest processes.",
        None,
        ["uptime", "top -b -n 1 | head -20"],
    ),
    (
        "ntp",
        "Maintenance",
        ["Check time synchronisation", "Fix clock drift"],
        "Check that NTP is synchronised and restart the time service if not.",
        None,
        ["timedatectl status", "sudo systemctl restart systemd-timesyncd"],
    ),
    (
        "file_perms",
        "Security",
        ["Fix file permissions", "Restrict the permissions of a private key"],
        "Make the file owned by root and readable by its owner only.",
        None,
        ["sudo chown root:root /etc/ssl/private/site.key", "sudo chmod 600 /etc/ssl/private/site.key"],
    ),
    (
        "find_old_files",
        "Cleanup",
        ["Delete files older than 30 days", "Remove old temporary files"],
        "Find and delete files untouched for 30 days under /tmp/app.",
        None,
        ["find /tmp/app -type f -mtime +30 -delete"],
    ),
    (
        "mount_nfs",
        "Storage",
        ["Mount an NFS share", "Mount the shared folder from the file server"],
        "Mount the export and check it is writable.",
        None,
        ["sudo mount -t nfs files-01:/export/share /mnt/share"],
    ),
    (
        "extend_lvm",
        "Storage",
        ["Extend a logical volume", "Grow the disk of {host}"],
        "Extend the volume by 10 GB and grow the file system online.",
        None,
        ["sudo lvextend -r -L +10G /dev/vg0/data"],
    ),
    (
        "smart",
        "Storage",
        ["Check a disk's health", "Read the SMART status of a disk"],
        "Read the SMART health and error counters of the disk.",
        None,
        ["sudo smartctl -a /dev/sda"],
    ),
    (
        "mail_queue",
        "Mail",
        ["Flush the mail queue", "Retry the deferred mail in Postfix"],
        "Show the queue, then ask Postfix to deliver deferred messages now.",
        None,
        ["mailq", "sudo postqueue -f"],
    ),
    (
        "mail_test",
        "Mail",
        ["Send a test email", "Check that outgoing mail works"],
        "Send a test message and watch the mail log.",
        None,
        ["echo test | mail -s test admin@{domain}", "sudo tail -f /var/log/mail.log"],
    ),
    (
        "git_revert",
        "Deployment",
        ["Roll back the last deployment", "Revert the last release"],
        "Revert the last commit on the release branch and deploy again.",
        None,
        ["git revert --no-edit HEAD", "git push origin release"],
    ),
    (
        "nginx_test",
        "Deployment",
        ["Test the nginx configuration", "Validate nginx config before reload"],
        "Check the configuration syntax, then reload without dropping connections.",
        None,
        ["sudo nginx -t", "sudo systemctl reload nginx"],
    ),
    (
        "cron_list",
        "Diagnosis",
        ["List scheduled cron jobs", "See what runs from crontab"],
        "List the user's crontab and the system cron files.",
        None,
        ["crontab -l -u {user}", "ls /etc/cron.d"],
    ),
    (
        "chmod_script",
        "Deployment",
        ["Make a script executable", "Fix 'permission denied' on a script"],
        "Add the execute bit to the script and run it.",
        None,
        ["chmod +x deploy.sh", "./deploy.sh"],
    ),
    (
        "hosts_file",
        "Network",
        ["Edit the hosts file", "Add an entry to /etc/hosts"],
        "Point the name at a test address in /etc/hosts.",
        None,
        ["echo '10.0.0.5 {domain}' | sudo tee -a /etc/hosts"],
    ),
    (
        "selinux",
        "Security",
        ["Check SELinux denials", "Find what SELinux blocked"],
        "Search the audit log for recent AVC denials.",
        None,
        ["sudo ausearch -m avc -ts recent"],
    ),
    (
        "fail2ban",
        "Security",
        ["Unban an IP address in fail2ban", "Remove a blocked address from fail2ban"],
        "Unban the client's address from the sshd jail.",
        None,
        ["sudo fail2ban-client set sshd unbanip 203.0.113.7"],
    ),
    (
        "close_ticket",
        "Wrap-up",
        ["Close the ticket", "Tell the user and close the ticket"],
        "Write what was done in the ticket, tell the user and close it.",
        None,
        [],
    ),
]


@dataclass(frozen=True)
class CorpusStep:
    task: str
    param: str | None  # the service, user or domain this variant is about, if any
    node: dict  # a procedure_step node of tree_structure


def _param_kind(task) -> str | None:
    text = " ".join([*task[2], task[3], *task[5]])
    for kind in ("svc", "user", "domain"):
        if "{" + kind + "}" in text:
            return kind
    return None


def _fill(text: str, values: dict) -> str:
    # Commands may hold literal braces (docker's Go templates): replace only our names.
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def generate(count: int, seed: int = 14) -> list[CorpusStep]:
    """`count` steps cycling over the tasks, each phrased and parametrised at random."""
    rng = random.Random(seed)
    pools = {"svc": SERVICES, "user": USERS, "domain": DOMAINS}
    steps = []
    for index in range(count):
        task = TASKS[index % len(TASKS)]
        key, _section, titles, instructions, help_text, commands = task
        kind = _param_kind(task)
        values = {
            "svc": rng.choice(SERVICES),
            "user": rng.choice(USERS),
            "domain": rng.choice(DOMAINS),
            "host": rng.choice(HOSTS),
        }
        param = values[kind] if kind else None
        if kind:
            values[kind] = param = rng.choice(pools[kind])
        node = {
            "id": f"n{index}",
            "type": "procedure_step",
            "title": _fill(rng.choice(titles), values),
            "description": _fill(instructions, values),
            "commands": [{"code": _fill(code, values), "language": "bash"} for code in commands],
            "library_visibility": "public",
        }
        if help_text:
            node["expected_outcome"] = _fill(help_text, values)
        steps.append(CorpusStep(task=key, param=param, node=node))
    return steps


def section_of(task_key: str) -> str:
    return next(task[1] for task in TASKS if task[0] == task_key)
