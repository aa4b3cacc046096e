# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_lbctl_global_optspecs
    string join \n q/quiet v/verbose color= h/help V/version
end

function __fish_lbctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_lbctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_lbctl_using_subcommand
    set -l cmd (__fish_lbctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c lbctl -n "__fish_lbctl_needs_command" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_needs_command" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_needs_command" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_needs_command" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "probe" -d 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "ring" -d 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "proxy" -d 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "load" -d 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "serve" -d 'Start real test backends on loopback, with injectable latency and faults'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "demo" -d 'Run backends, a proxy, load and probes together: a tour in one command'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s f -l targets-file -d 'Read targets from a file, one per line, \'#\' comments, optional per-target assertions' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s X -l method -d 'HTTP method (GET, HEAD, ...)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s H -l header -d 'Extra request header \'Name: value\' (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l host -d 'Host header (and TLS SNI) instead of the target\'s host, e.g. to check one vhost on an IP' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l max-redirects -d 'Redirects followed at most with --follow; one more fails the check' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l http-version -d 'HTTP version: auto (HTTP/1.1; https: ALPN picks h2 or http/1.1), 1.1, or 2 (h2 by ALPN, h2c by prior knowledge on http://)' -r -f -a "auto\t''
1.1\t''
2\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the system roots)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l send -d 'tcp: send these bytes after connecting (escapes: \\r \\n \\t \\\\ \\0 \\xNN)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect -d 'tcp: the reply must contain these bytes (same escapes as --send)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s t -l timeout -d 'Give up on one check after this long (reported as a timeout, with the phase)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect-status -d 'Accepted status codes (default 200-399, like Kubernetes), e.g. 200-299,301' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect-body -d 'The body must contain this text (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect-body-regex -d 'The body must match this regular expression (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect-json -d 'A JSON condition on the body, e.g. \'.status == "UP"\', \'.count >= 3\', \'.ready exists\' (repeatable; all must hold)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect-header -d 'A response header, \'Name: value\' (value contained, case-insensitive) or \'Name\' (present). Repeatable' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l max-latency -d 'The whole check (total time) must take at most this long' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l cert-min-days -d 'https: the earliest-expiring certificate must stay valid at least this many days' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s c -l concurrency -d 'Checks in flight at once' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l require -d 'One shot: how many targets must pass: all, any, or a count' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l retries -d 'One shot: retry a failed check up to N times; a pass after a retry is reported \'flaky\' (it counts as passing for --require)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l retry-delay -d 'Pause between retries' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l until -d 'Wait until the targets are healthy (--require holds with rise/fall), up to --deadline' -r -f -a "healthy\t'The --require rule holds (targets up by rise/fall)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l deadline -d '--until: give up (exit 1) after this long' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s i -l interval -d '--watch/--until: time between checks of one target (HAProxy \'inter\')' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l fast-interval -d 'Interval while a target is changing state (HAProxy \'fastinter\'); default --interval' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l rise -d 'Consecutive passes that bring a target up (HAProxy \'rise\')' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l fall -d 'Consecutive failures that take a target down (HAProxy \'fall\')' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l count -d '--watch: stop after N checks of every target, then print the summary' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s o -l output -d 'Output format: table, json (one document), jsonl (one line per target; with --watch, per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes)' -r -f -a "table\t''
json\t''
jsonl\t''
prometheus\t''
nagios\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l warn-latency -d 'nagios: WARNING when a check takes longer than this' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l crit-latency -d 'nagios: CRITICAL when a check takes longer than this' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l warn-days -d 'nagios: WARNING when a certificate expires within this many days' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l crit-days -d 'nagios: CRITICAL when a certificate expires within this many days' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l follow -d 'Follow redirects (at most --max-redirects); off by default, so a 301 is the answer'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s k -l insecure -d 'Accept any TLS certificate (expiry is still reported and checked by --cert-min-days)'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l cert-only -d 'https: check the TLS handshake and certificate only; send no HTTP request'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s w -l watch -d 'Check continuously with rise/fall semantics until Ctrl-C or --count rounds'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l start-up -d 'Targets start up (HAProxy starts them down, needing \'rise\' passes)'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand load" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand load" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand load" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand load" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s n -l count -d 'Number of backends to start (ignored when --listen is given)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s p -l port -d 'First port; backend i listens on PORT+i. 0 picks a free port for each backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l host -d 'Address to bind with --count/--port' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s l -l listen -d 'Explicit listen address, one backend each (repeatable); overrides --count/--port' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l name-prefix -d 'Name prefix: backends are called PREFIX1, PREFIX2, ...' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l latency -d 'Added latency per request: a duration (20ms) or a uniform range (5ms..50ms)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l fail-rate -d 'Fraction of requests answered with 503 (0.0 to 1.0)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l reset-rate -d 'Fraction of requests whose connection is reset (TCP RST) instead of answered' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l body-size -d 'Size of the normal response body (512, 1KiB, 2MiB); default a short line naming the backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l backend-opts -d 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size (repeatable). Example: b2:latency=200ms,fail-rate=0.1' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l threads -d 'Worker threads (default: one per CPU core)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s o -l output -d 'Output format of the startup lines' -r -f -a "table\t'`NAME URL` per backend'
json\t'One JSON object per backend per line: {"name","url","address"}'"
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l tcp -d 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client\'s half-close is answered by closing the write side after the echo'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -l out-dir -d 'Directory that receives completions/ and man/ (the repository root to refresh them)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "probe" -d 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "ring" -d 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "proxy" -d 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "load" -d 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "serve" -d 'Start real test backends on loopback, with injectable latency and faults'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "demo" -d 'Run backends, a proxy, load and probes together: a tour in one command'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
