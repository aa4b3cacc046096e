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
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s h -l help -d 'Print help'
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
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s c -l connections -d 'Concurrent connections (each carries one request at a time)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s d -l duration -d 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s n -l requests -d 'Number of requests to send (after --warmup); with -d, whichever ends first' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l rate -d 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l warmup -d 'Send traffic for this long first without recording it (warms caches and connections)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l threads -d 'Worker threads, each with its own runtime (default: the CPUs this process may use)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s m -l method -d 'HTTP method' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s H -l header -d 'Extra request header \'Name: value\' (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l body -d 'Request body' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l body-file -d 'Request body read from a file' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l urls-file -d 'File of target URLs, one per line (\'#\' comments): requests go round-robin over them' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l cacert -d 'Trust the CA certificates in this PEM file instead of the system roots' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l timeout -d 'Give up on a request after this long (counted as a request timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l connect-timeout -d 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l group-by -d 'Split counts and latency by the value of this response header (e.g. X-Backend)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l slo -d 'Service-level objective checked at the end, e.g. \'p99<250ms\', \'errors<0.1%\', \'rps>=900\' (repeatable; any failure exits 1). Grammar below' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l percentiles -d 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l hdr-log -d 'Write an HdrHistogram interval log (one histogram per second) to this file' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l max-send-lag -d 'Open model: the run is invalid (exit 4) when the generator\'s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server\'s doing)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s o -l output -d 'Output format' -r -f -a "table\t'Tables and a terminal histogram'
json\t'One lbctl.load/v1 JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l http2 -d 'Use HTTP/2: ALPN h2 over TLS, prior knowledge (h2c) over cleartext'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l no-keepalive -d 'A new connection for every request (HTTP/1.1 `Connection: close`)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -l insecure -d 'Accept any TLS certificate (self-signed test servers). Never for real measurements of a production service you do not own'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -l slo -d 'Service-level objective evaluated on the merged result (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -l percentiles -d 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -s o -l output -d 'Output format' -r -f -a "table\t'Tables and a terminal histogram'
json\t'One lbctl.load/v1 JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from load" -f -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
