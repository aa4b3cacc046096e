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
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l listen -l from -d 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l backend -l to -d 'A backend, [NAME=]HOST:PORT[,weight=N][,backup][,maxconn=N] (repeatable). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l backends-file -d 'File with one backend spec per line (`#` comments), added to --backend' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s a -l algorithm -d 'Balancing algorithm. Default `weighted` (nginx\'s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy' -r -f -a "round-robin\t'Each healthy backend in turn; weights ignored (0 still drains)'
weighted\t'nginx smooth weighted round robin (weights 5,1,1: a a b a c a a)'
least-conn\t'Fewest requests in flight'
weighted-least-conn\t'Fewest requests in flight per unit of weight'
random\t'Weighted random'
p2c\t'Power of two random choices, the one with fewer requests in flight'
ewma\t'P2C over peak-EWMA latency x (in-flight + 1) (Finagle/linkerd)'
ip-hash\t'nginx ip_hash on the client address'
hash\t'Consistent hash on --hash-key with --hash-algorithm'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l hash-key -d 'Key for --algorithm hash: header:NAME, cookie:NAME, path, query:NAME or ip' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l hash-algorithm -d 'Hash ring for --algorithm hash: ketama, nginx, maglev, jump, rendezvous or bounded' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l sticky -d 'Sticky sessions: cookie:NAME inserts an HttpOnly cookie naming the chosen backend by an opaque id; later requests carrying it go to that backend while it is healthy' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l check -d 'Active health check: http:/PATH (2xx/3xx is up) or tcp (connect is up)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l check-interval -d 'Time between active checks of a backend (HAProxy `inter`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l rise -d 'Consecutive successful checks that bring a down backend up (HAProxy `rise`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l fall -d 'Consecutive failed checks that take an up backend down (HAProxy `fall`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l check-timeout -d 'Timeout of one active check (default: the check interval, as HAProxy\'s `inter`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l max-fails -d 'Passive health: this many failures within --fail-timeout mark a backend failed for --fail-timeout (nginx `max_fails`; 0 disables passive marking)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l fail-timeout -d 'Passive health window and penalty (nginx `fail_timeout`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l fail-on -d 'Backend response statuses that count as failures for passive health (and are retried for idempotent requests), comma separated, e.g. 502,503,504. Default: none' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l retries -d 'Retries on another backend: always after a connect failure; after a timeout or reset only for idempotent requests without a body (the body is streamed, never buffered)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l connect-timeout -d 'Timeout to connect to a backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l header-timeout -d 'Time a client has to send a complete request header (slowloris protection)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l backend-timeout -d 'Time a backend has to start its response (status and headers) after the request' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l idle-timeout -d 'Close client connections with no traffic for this long (and pooled backend connections)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l drain-timeout -d 'On SIGINT/SIGTERM: stop accepting, give in-flight requests this long, then exit' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l queue-timeout -d 'How long a request waits for a slot on a backend at its maxconn before a 503' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l max-header-size -d 'Maximum size of a request header (413/431 beyond it); at least 8KiB' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l max-conns -d 'Maximum concurrent client connections on the listener (0 = unlimited); further clients wait in the kernel\'s accept queue' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l pool-size -d 'Idle keep-alive connections kept per backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l header-up -d 'Add or replace a request header sent to backends, \'NAME: VALUE\' (\'-NAME\' removes it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l header-down -d 'Add or replace a response header sent to clients, \'NAME: VALUE\' (\'-NAME\' removes it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l allow -d 'Only clients in these networks may connect (repeatable, CIDR or address); others get 403' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l deny -d 'Clients in these networks get 403 (repeatable; checked before --allow)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l admin -d 'Admin listener serving /metrics (Prometheus text) and /stats (JSON)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l access-log -d 'Access log on stderr: common (Common Log Format plus backend and time), json, or off' -r -f -a "common\t''
json\t''
off\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l threads -d 'Worker threads: 1 runs everything on one thread (like a single HAProxy thread); default one per CPU core' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s o -l output -d 'Format of the startup lines on stdout' -r -f -a "text\t'`proxy http://ADDR` and `admin http://ADDR`'
json\t'One JSON object per listener: {"role","url","address"}'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -l change-host -d 'Send the backend\'s HOST:PORT as Host instead of the client\'s Host'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy" -s h -l help -d 'Print help (see more with \'--help\')'
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
