"""Judged queries for the relevance benchmark: what an engineer types, and which generated
steps (by task, and by the service, user or domain where the query names one) answer it.

Kinds: `inflection` (a different form of the words in the step), `stop_words` (small words
and apostrophes in the query), `multi_word` (a task described in several words), `command`
(a command, flag, file name or path), `typo` (misspelt), `plain` (the step's own words).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Judged:
    query: str
    kind: str
    task: str | tuple[str, ...]  # several tasks when the query fits each equally well
    param: str | None = None


QUERIES = [
    # inflections
    Judged("extracting a tar archive", "inflection", "extract_tar"),
    Judged("restarted nginx", "inflection", "restart_service", "nginx"),
    Judged("stopping postgresql", "inflection", "stop_service", "postgresql"),
    Judged("renewing certificates with certbot", "inflection", "renew_certbot"),
    Judged("deleting old files", "inflection", "find_old_files"),
    Judged("listing running containers", "inflection", "docker_ps"),
    Judged("unlocking active directory accounts", "inflection", "unlock_ad"),
    Judged("mounting nfs shares", "inflection", "mount_nfs"),
    Judged("flushed dns cache windows", "inflection", "flush_dns_windows"),
    Judged("rotating logs", "inflection", "rotate_logs"),
    Judged("creating an ssh key", "inflection", "ssh_keygen"),
    Judged("dumped mysql databases", "inflection", "mysql_dump"),
    # stop words and apostrophes
    Judged("kill processes by name", "stop_words", "kill_by_name"),
    Judged("change a user's password", "stop_words", "change_password"),
    Judged("how to check the disk space", "stop_words", "disk_usage"),
    Judged("what is using the memory", "stop_words", "memory"),
    Judged("when does the certificate expire", "stop_words", "check_cert_expiry"),
    Judged("give bob sudo rights", "stop_words", "add_sudo", "bob"),
    Judged("read a container's logs", "stop_words", "docker_logs"),
    Judged("make the script executable", "stop_words", "chmod_script"),
    Judged("the print queue is stuck", "stop_words", "clear_print_queue"),
    Judged("remove a stale host key", "stop_words", "remove_host_key"),
    # multi-word tasks
    Judged("renew the let's encrypt certificate", "multi_word", "renew_certbot"),
    Judged("back up the postgresql database", "multi_word", "pg_dump"),
    Judged("restore postgresql dump", "multi_word", "pg_restore"),
    Judged("reset windows network stack", "multi_word", "reset_winsock"),
    Judged("reset vpn credentials", "multi_word", "reset_vpn_creds"),
    Judged("force group policy update", "multi_word", "gpupdate"),
    Judged("repair windows system files", "multi_word", "sfc"),
    Judged("extend logical volume", "multi_word", "extend_lvm"),
    Judged("unban ip address fail2ban", "multi_word", "fail2ban"),
    Judged("validate nginx configuration", "multi_word", "nginx_test"),
    Judged("generate certificate signing request", "multi_word", "csr"),
    Judged("roll back the last deployment", "multi_word", "git_revert"),
    Judged("find long running queries", "multi_word", "pg_activity"),
    Judged("open port in firewall", "multi_word", "firewall_allow"),
    Judged("restart kubernetes deployment", "multi_word", "k8s_restart"),
    Judged("enable redis at boot", "multi_word", "enable_service", "redis"),
    # commands, flags, file names, paths
    Judged("pkill", "command", "kill_by_name"),
    Judged("known_hosts", "command", "remove_host_key"),
    Judged("--dry-run", "command", "rsync_dry_run"),
    # journalctl is the command of both reading and shrinking the journal: either is right.
    Judged("journalctl", "command", ("service_logs", "clean_journal")),
    Judged("ipconfig /flushdns", "command", "flush_dns_windows"),
    Judged("gpupdate /force", "command", "gpupdate"),
    Judged("pg_dump", "command", "pg_dump"),
    Judged("sfc /scannow", "command", "sfc"),
    Judged("ssh-copy-id", "command", "copy_ssh_key"),
    Judged("/etc/logrotate.conf", "command", "rotate_logs"),
    Judged("postqueue", "command", "mail_queue"),
    Judged("smartctl", "command", "smart"),
    Judged("netsh winsock reset", "command", "reset_winsock"),
    Judged("kubectl rollout restart", "command", "k8s_restart"),
    Judged("docker system prune", "command", "docker_prune"),
    Judged("vacuumdb", "command", "pg_vacuum"),
    Judged("ausearch", "command", "selinux"),
    Judged("lvextend", "command", "extend_lvm"),
    # typos
    Judged("certficate expiry", "typo", "check_cert_expiry"),
    Judged("extrct tar", "typo", "extract_tar"),
    Judged("restrat nginx", "typo", "restart_service", "nginx"),
    Judged("pasword change", "typo", "change_password"),
    Judged("flsuh dns", "typo", "flush_dns_windows"),
    Judged("journalclt", "typo", ("service_logs", "clean_journal")),
    Judged("kubernets pods", "typo", "k8s_pods"),
    Judged("print spooler restrat", "typo", "restart_spooler"),
    Judged("mail queu", "typo", "mail_queue"),
    Judged("dokcer logs", "typo", "docker_logs"),
    # the step's own words
    Judged("list listening ports", "plain", "listening_ports"),
    Judged("check time synchronisation", "plain", "ntp"),
    Judged("send a test email", "plain", "mail_test"),
    Judged("trace the route to a host", "plain", "traceroute"),
]
