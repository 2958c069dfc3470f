export const HELP_TEXT = `oomtop — which process the Linux OOM killer takes next, and how close you are

Usage:
  oomtop [options]                 live monitor (needs a terminal; without one, --once)
  oomtop --once [--json]           one snapshot as a table or JSON, then exit
  oomtop analyze [FILE|-] [--json] explain OOM kills in a kernel log (default: the kernel's buffer)
  oomtop guard [options]           early-OOM guard, headless (see oomtop guard --help)
  oomtop run --memory SIZE -- CMD  run CMD in a memory cgroup with a budget, then report
                                   (see oomtop run --help)
  oomtop rules check|apply [PATH]  the rules file (default /etc/oomtop/rules.toml): validate,
                                   apply once or --watch (see oomtop rules --help)
  oomtop protect --unit NAME --adj N  a systemd drop-in with OOMScoreAdjust=N
                                   (see oomtop protect --help)
  oomtop exporter [--listen ADDR:PORT] [--textfile PATH]
                                   Prometheus metrics: next victims, cgroup headroom, OOM kills
                                   (see oomtop exporter --help)
  oomtop record [--history PATH]   record memory, PSI, limited cgroups and the processes
                                   that matter, headless (see oomtop record --help)
  oomtop report [--since 7d] [--json]  leak suspects, time to OOM per scope, a capacity
                                   plan with a chart (see oomtop report --help)

Monitor options:
  --once               print one snapshot and exit (implied when stdout is not a terminal)
  --json               with --once: JSON instead of a table
  --top N              with --once: only the first N processes
  --sort KEY           risk (default), rss, adj, growth, pid, name
  --invert             reverse the sort
  --filter TEXT        only processes whose name or command line contains TEXT (digits: also
                       that PID; pid:N only that PID; user:NAME that user's)
  -d, --interval DUR   refresh every 1 s (default), 0.5, 250ms; at least 50ms
  --read-only          never change or signal anything
  --adj-step N         ]/[ change oom_score_adj by N (default 100)
  --protect-adj N      p sets oom_score_adj to N (default -500)
  --expendable-adj N   x sets oom_score_adj to N (default 500)
  --kill-grace DUR     wait this long after SIGTERM (default 5 s)
  --eta-warn DUR       log a warning when the system's or a cgroup's time to OOM falls
                       under DUR (15m, 900, 1h; default 15m; 0: never)
  --kill-escalation M  after the grace period: ask (default), auto (SIGKILL), never
  --no-color           no colours (also NO_COLOR=1)
  --rules PATH         apply the rules file to running and new processes while the
                       monitor runs (badge R: a rule set the adj; see oomtop rules --help)
  --history PATH       record while the monitor runs, as oomtop record does (read it with
                       oomtop report --history PATH); --history-max-mib N caps it (64);
                       the process pane (Enter) then shows its recorded RSS, up to 7 days
  --guard-opts "OPTS"  options for the guard that g arms, as oomtop guard takes them
                       (e.g. "--cgroup /docker/ID --mem-term 15"); off until g is pressed;
                       split as a shell splits words: "--on-level 'high=CMD ARG'"
  --proc-root DIR      read processes from DIR instead of /proc (tests, containers)
  --cgroup-root DIR    read cgroups from DIR instead of the mounted hierarchy
  --kmsg FILE          follow kernel messages from FILE instead of /dev/kmsg
  -h, --help           this help
  -V, --version        the version

Exit codes: 0 ok, 1 runtime error, 2 usage error.
Keys in the monitor: press ? for help.
`;
