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
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "probe" -d 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "ring" -d 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "proxy" -d 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "load" -d 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "serve" -d 'Start real test backends on loopback, with injectable latency and faults'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "demo" -d 'Run backends, a proxy, load and probes together: a tour in one command'
complete -c lbctl -n "__fish_lbctl_needs_command" -f -a "sim" -d 'Simulate balancing algorithms side by side: latency, shares, queues, recovery'
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
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l cacert -d 'Trust only the CA certificates in this PEM file (instead of the system roots); a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l cert -d 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl\'s --cert); needs --key. Applies to https://, grpcs:// and wss:// targets' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l key -d 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l send -d 'tcp: send these bytes after connecting (escapes: \\r \\n \\t \\\\ \\0 \\xNN)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l ws-send -d 'ws/wss: send this text message after the upgrade; the first message received is then the answer (judge it with --expect \'ws.message ~ RE\')' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l expect -d 'A field condition, \'FIELD OP VALUE\' (repeatable), e.g. \'body !~ error\' (the body must not match), \'body ~ RE\', \'header.NAME !~ RE\', \'status != 503\', \'tls == true\', \'tls.version >= 1.2\', \'cert.issuer ~ Let\', \'cert.days_left >= 14\', \'dns.rcode == NXDOMAIN\', \'dns.answer.count >= 1\', \'dns.answer ~ 10\\.0\\.0\\.\' (some record matches), \'dns.answer.all ~ RE\' (every one), \'dns.answer !~ RE\' (none), \'dns.authoritative == true\', \'ws.message ~ pong\', \'ws.close_code == 1000\', \'icmp.loss <= 20\', \'icmp.rtt_ms < 50\'. For a tcp:// target, any other text is the reply to wait for (same escapes as --send; one only)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -s t -l timeout -d 'Give up on one check after this long (reported as a timeout, with the phase)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l body -d 'Request content, sent as given with its Content-Length (no Content-Type unless -H sets one). The method stays -X\'s (GET by default; health endpoints that want a body usually want -X POST). Kept on 307/308 redirects, dropped when 301/302/303 turn it into a GET' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l body-file -d 'Request content read from FILE, byte for byte (at most 16 MiB)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l json -d 'A JSON request body (must parse), with Content-Type: application/json and Accept: application/json unless -H sets them' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l basic-auth-user -d 'HTTP Basic auth user (RFC 7617); the password from --basic-auth-password-file or --basic-auth-password-env' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l basic-auth-password-file -d 'File holding the Basic auth password (trailing newlines are not part of it; an empty file is an error)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l basic-auth-password-env -d 'Environment variable holding the Basic auth password' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l bearer-token-file -d 'File holding a bearer token (RFC 6750; trailing newlines stripped), sent as \'Authorization: Bearer TOKEN\' to the target\'s own origin only (not to another host, port or scheme a redirect points at)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l bearer-token-env -d 'Environment variable holding a bearer token' -r
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
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l on-transition -d '--watch: run this shell command (`sh -c`) on every state change, with LBCTL_TARGET, LBCTL_OLD_STATE, LBCTL_NEW_STATE (up/down), LBCTL_REASON, LBCTL_STATUS and LBCTL_TIME in its environment; its output goes to stderr. It never blocks probing: killed after --alert-timeout, at most 8 at once (more transitions meanwhile are skipped, and said so)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l notify -d '--watch: POST every state change as JSON ({time, target, old_state, new_state, reason, status}) to URL; retried with backoff (1s, 2s, 4s) when it fails, then given up with a line on stderr; never blocks probing' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l alert-timeout -d 'How long one --on-transition command or --notify attempt may take' -r
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
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l exporter -d 'Run as a blackbox_exporter-compatible server on ADDR: GET /probe?target=T&module=M[&debug=true][&hostname=H] probes T with module M and answers its metrics (probe_success, probe_duration_seconds, probe_http_*, probe_dns_*, probe_grpc_*, probe_ssl_*, probe_tls_*); /metrics is the exporter\'s own; / lists the modules. --concurrency bounds probes in flight, --timeout is a module\'s default timeout. POST /-/reload or SIGHUP rereads --modules. Stops on SIGINT/SIGTERM' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l modules -d 'Exporter modules from a TOML file ([modules.NAME] tables: prober = "http" | "tcp" | "dns" | "grpc" | "icmp", timeout, method, headers, body, valid_status_codes, expect = [conditions], tls options, query_name/query_type...; see the README). They add to, or replace, the built-in http_2xx, http_post_2xx, tcp_connect, dns, grpc, grpc_tls, icmp. Reread on POST /-/reload and SIGHUP; a bad file then keeps the modules in use' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand probe" -l timeout-offset -d 'Subtracted from Prometheus\' X-Prometheus-Scrape-Timeout-Seconds to get a probe\'s time budget (blackbox\'s --timeout-offset), so the answer arrives before the scrape times out' -r
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
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "lookup" -d 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "stats" -d 'Keys per server against the share each weight deserves; exact hash-space shares'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "diff" -d 'What moves when the server list changes: moved keys vs the ideal, and the flows'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "compare" -d 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "tune" -d 'Sweep --vnodes (or the maglev table size, or Envoy\'s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "show" -d 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and not __fish_seen_subcommand_from lookup stats diff compare tune show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s a -l algorithm -d 'Algorithm (see `lbctl ring --help` for each one\'s compatibility and default hash)' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l hash -d 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)' -r -f -a "md5\t'MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4)'
crc32\t'CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32)'
fnv1a64\t'FNV-1a 64-bit'
xxh3\t'XXH3 64-bit, seed 0: the fastest here'
siphash\t'SipHash-2-4 with keys (0, 0), as go-maglev hashes keys'
murmur3\t'MurmurHash3 x86_32, seed 0: a 32-bit space'
xxh64\t'xxHash64, seed 0 (Envoy\'s `HashUtil::xxHash64`)'
sdbm\t'sdbm, 32-bit (HAProxy\'s default `hash-type` function)'
djb2\t'djb2, 32-bit (HAProxy `hash-type ... djb2`)'
wt6\t'wt6, 32-bit (HAProxy `hash-type ... wt6`)'
none\t'No hashing: the key is a decimal u64 (jump only)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l keys-file -d 'Read keys from a file, one per line ("-" = stdin)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l generate -d 'Generate N keys from --key-pattern instead of reading any' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l key-pattern -d 'Pattern of generated keys; `{i}` is replaced by the key number' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l distribution -d 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l seed -d 'Seed for --distribution zipf (same seed, same keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l replicas -d 'Print N distinct servers per key in preference order (`KEY<TAB>S1<TAB>S2...`; JSON adds "replicas"). See `lbctl ring --help` for each algorithm\'s rule' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s o -l output -d 'Output format' -r -f -a "text\t'`KEY<TAB>SERVER` per line'
json\t'One JSON array of {"key", "server"} objects'
jsonl\t'One {"key", "server"} object per line'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from lookup" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s a -l algorithm -d 'Algorithm (see `lbctl ring --help` for each one\'s compatibility and default hash)' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l hash -d 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)' -r -f -a "md5\t'MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4)'
crc32\t'CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32)'
fnv1a64\t'FNV-1a 64-bit'
xxh3\t'XXH3 64-bit, seed 0: the fastest here'
siphash\t'SipHash-2-4 with keys (0, 0), as go-maglev hashes keys'
murmur3\t'MurmurHash3 x86_32, seed 0: a 32-bit space'
xxh64\t'xxHash64, seed 0 (Envoy\'s `HashUtil::xxHash64`)'
sdbm\t'sdbm, 32-bit (HAProxy\'s default `hash-type` function)'
djb2\t'djb2, 32-bit (HAProxy `hash-type ... djb2`)'
wt6\t'wt6, 32-bit (HAProxy `hash-type ... wt6`)'
none\t'No hashing: the key is a decimal u64 (jump only)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l keys-file -d 'Read keys from a file, one per line ("-" = stdin)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l generate -d 'Generate N keys from --key-pattern instead of reading any' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l key-pattern -d 'Pattern of generated keys; `{i}` is replaced by the key number' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l distribution -d 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l seed -d 'Seed for --distribution zipf (same seed, same keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -l counts -d 'Keys are `KEY,COUNT` lines (a hot-key histogram from logs; the count after the last comma): report request shares, peak-to-mean, and what bounded-load (--balance-factor) would spill off each key\'s first choice'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from stats" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s a -l algorithm -d 'Algorithm (see `lbctl ring --help` for each one\'s compatibility and default hash)' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l hash -d 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)' -r -f -a "md5\t'MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4)'
crc32\t'CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32)'
fnv1a64\t'FNV-1a 64-bit'
xxh3\t'XXH3 64-bit, seed 0: the fastest here'
siphash\t'SipHash-2-4 with keys (0, 0), as go-maglev hashes keys'
murmur3\t'MurmurHash3 x86_32, seed 0: a 32-bit space'
xxh64\t'xxHash64, seed 0 (Envoy\'s `HashUtil::xxHash64`)'
sdbm\t'sdbm, 32-bit (HAProxy\'s default `hash-type` function)'
djb2\t'djb2, 32-bit (HAProxy `hash-type ... djb2`)'
wt6\t'wt6, 32-bit (HAProxy `hash-type ... wt6`)'
none\t'No hashing: the key is a decimal u64 (jump only)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l keys-file -d 'Read keys from a file, one per line ("-" = stdin)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l generate -d 'Generate N keys from --key-pattern instead of reading any' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l key-pattern -d 'Pattern of generated keys; `{i}` is replaced by the key number' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l distribution -d 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l seed -d 'Seed for --distribution zipf (same seed, same keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l add -d 'Add a server (repeatable), appended at the end of the list' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l remove -d 'Remove the server with this name (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l reweight -d 'Change a server\'s weight, NAME=W (repeatable; 0 drains it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l to-servers-file -d 'Compare against this server list instead (one spec per line)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l replicas -d 'Also compare N-server replica lists: moved replicas per position and keys whose replica set changed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -l list-moved -d 'Also print every moved key with its old and new server'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from diff" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l keys-file -d 'Read keys from a file, one per line ("-" = stdin)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l generate -d 'Generate N keys from --key-pattern instead of reading any' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l key-pattern -d 'Pattern of generated keys; `{i}` is replaced by the key number' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l distribution -d 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l seed -d 'Seed for --distribution zipf (same seed, same keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l add -d 'Add a server (repeatable), appended at the end of the list' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l remove -d 'Remove the server with this name (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l reweight -d 'Change a server\'s weight, NAME=W (repeatable; 0 drains it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l to-servers-file -d 'Compare against this server list instead (one spec per line)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from compare" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s a -l algorithm -d 'Algorithm (see `lbctl ring --help` for each one\'s compatibility and default hash)' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l hash -d 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)' -r -f -a "md5\t'MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4)'
crc32\t'CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32)'
fnv1a64\t'FNV-1a 64-bit'
xxh3\t'XXH3 64-bit, seed 0: the fastest here'
siphash\t'SipHash-2-4 with keys (0, 0), as go-maglev hashes keys'
murmur3\t'MurmurHash3 x86_32, seed 0: a 32-bit space'
xxh64\t'xxHash64, seed 0 (Envoy\'s `HashUtil::xxHash64`)'
sdbm\t'sdbm, 32-bit (HAProxy\'s default `hash-type` function)'
djb2\t'djb2, 32-bit (HAProxy `hash-type ... djb2`)'
wt6\t'wt6, 32-bit (HAProxy `hash-type ... wt6`)'
none\t'No hashing: the key is a decimal u64 (jump only)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l target-std -d 'Target balance: the standard deviation of the servers\' exact hash-space shares, as a percentage of what their weights deserve (e.g. 2%)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l max-peak -d 'Also require the busiest server\'s share / deserved share to be at most this (e.g. 1.05)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l values -d 'Settings to sweep, comma-separated (default: a doubling ladder for the algorithm)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from tune" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s s -l server -d 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l servers-file -d 'File with one server spec per line (`#` comments, blank lines ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l servers -d 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s a -l algorithm -d 'Algorithm (see `lbctl ring --help` for each one\'s compatibility and default hash)' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l hash -d 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)' -r -f -a "md5\t'MD5, first 8 digest bytes as a little-endian u64 (ketama uses the first 4)'
crc32\t'CRC-32 (IEEE), a 32-bit space (nginx, twemproxy crc32, Go hash/crc32)'
fnv1a64\t'FNV-1a 64-bit'
xxh3\t'XXH3 64-bit, seed 0: the fastest here'
siphash\t'SipHash-2-4 with keys (0, 0), as go-maglev hashes keys'
murmur3\t'MurmurHash3 x86_32, seed 0: a 32-bit space'
xxh64\t'xxHash64, seed 0 (Envoy\'s `HashUtil::xxHash64`)'
sdbm\t'sdbm, 32-bit (HAProxy\'s default `hash-type` function)'
djb2\t'djb2, 32-bit (HAProxy `hash-type ... djb2`)'
wt6\t'wt6, 32-bit (HAProxy `hash-type ... wt6`)'
none\t'No hashing: the key is a decimal u64 (jump only)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l vnodes -d 'ring, bounded: points per server at equal weights (scaled by weight)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l table-size -d 'maglev: lookup table size; a prime at least the server count (ideally 100x it)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l balance-factor -d 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l min-ring-size -d 'envoy-ring: Envoy\'s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l max-ring-size -d 'envoy-ring: Envoy\'s `maximum_ring_size` (entries, at most 16000000)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l limit -d 'Entries (points, slots, buckets) listed in the table; 0 lists them all. JSON lists all' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l replicas -d 'Rings: also list the N-server replica list that starts at each point' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'A table for people'
json\t'One JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "lookup" -d 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "stats" -d 'Keys per server against the share each weight deserves; exact hash-space shares'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "diff" -d 'What moves when the server list changes: moved keys vs the ideal, and the flows'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "compare" -d 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "tune" -d 'Sweep --vnodes (or the maglev table size, or Envoy\'s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "show" -d 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
complete -c lbctl -n "__fish_lbctl_using_subcommand ring; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s c -l config -d 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l listen -l from -d 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l backend -l to -d 'A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto] (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it: HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend\'s choice. HTTP/2 backends share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout); slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l backends-file -d 'File with one backend spec per line (`#` comments), added to --backend' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s a -l algorithm -d 'Balancing algorithm. Default `weighted` (nginx\'s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy' -r -f -a "round-robin\t'Each healthy backend in turn; weights ignored (0 still drains)'
weighted\t'nginx smooth weighted round robin (weights 5,1,1: a a b a c a a)'
least-conn\t'Fewest requests in flight'
weighted-least-conn\t'Fewest requests in flight per unit of weight'
random\t'Weighted random'
p2c\t'Power of two random choices, the one with fewer requests in flight'
ewma\t'P2C over peak-EWMA latency x (in-flight + 1) (Finagle/linkerd)'
ip-hash\t'nginx ip_hash on the client address'
hash\t'Consistent hash on --hash-key with --hash-algorithm'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l hash-key -d 'Key for --algorithm hash: header:NAME, cookie:NAME, path, query:NAME or ip' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l hash-algorithm -d 'Hash ring or table for --algorithm hash (from balance::hash; `bounded` also weighs live in-flight load). Keys of a backend that is out are re-hashed onto others; every other key stays put' -r -f -a "modulo\t'hash(key) % n: the "IP hash" baseline; almost every key moves when n changes'
ketama\t'libketama / uhashring compatible (md5, 160 points per server at equal weights)'
nginx\t'nginx `hash $key consistent` / pingora-ketama compatible (crc32, 160 points per weight)'
ring\t'Generic Karger ring: `--vnodes` points per server hashed with `--hash`'
jump\t'Jump consistent hash: no memory, but only the last server can be removed cleanly'
rendezvous\t'Rendezvous / highest random weight: O(N) per key, minimal movement'
maglev\t'Maglev lookup table (prime `--table-size`): O(1) lookups, near-perfect balance'
bounded\t'Consistent hashing with bounded loads (`--balance-factor`): keys spill past full servers'
envoy-ring\t'Envoy `ring_hash` (xxHash64, `--min-ring-size`/`--max-ring-size`), byte for byte'
envoy-maglev\t'Envoy `maglev` (xxHash64 permutations, weighted fill, `--table-size`), byte for byte'
haproxy\t'HAProxy `hash-type consistent [FUNC]` (16 points per weight, nearest point), byte for byte with the default `hash-key id`. Without `--hash` it is HAProxy\'s bare `hash-type consistent`, which is sdbm WITH avalanche; `--hash sdbm|djb2|wt6|crc32|none` is `hash-type consistent FUNC` (no avalanche)'
haproxy-avalanche\t'HAProxy `hash-type consistent ... avalanche`: the key hash goes through `full_hash`'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l sticky -d 'Sticky sessions: cookie:NAME inserts an HttpOnly cookie naming the chosen backend by an opaque id; later requests carrying it go to that backend while it is healthy' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l check -d 'Active health check: http:/PATH (2xx/3xx is up), tcp (connect is up), or grpc[:SERVICE] (grpc.health.v1 Check over h2c, over TLS with ALPN h2 for TLS backends; SERVING is up; SERVICE defaults to "", the whole server)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l check-interval -d 'Time between active checks of a backend (HAProxy `inter`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l rise -d 'Consecutive successful checks that bring a down backend up (HAProxy `rise`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l fall -d 'Consecutive failed checks that take an up backend down (HAProxy `fall`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l check-timeout -d 'Timeout of one active check (default: the check interval, as HAProxy\'s `inter`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l max-fails -d 'Passive health: this many failures within --fail-timeout mark a backend failed for --fail-timeout (nginx `max_fails`; 0 disables passive marking)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l fail-timeout -d 'Passive health window and penalty (nginx `fail_timeout`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l fail-on -d 'Backend response statuses that count as failures for passive health (and are retried for idempotent requests), comma separated, e.g. 502,503,504. Default: none' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l fail-on-grpc -d 'gRPC statuses that count as failures for passive health, by number or name, comma separated, e.g. 14,4 or UNAVAILABLE,DEADLINE_EXCEEDED; read from the response head (trailers-only answers) and its trailers. Default: none (a gRPC error is the application\'s answer, not the backend failing)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l outlier -d 'Outlier detection (Envoy\'s): eject a backend after N consecutive 5xx or gateway errors, or when its success rate over an interval is below the pool\'s mean by K standard deviations; at most a share of the pool at once, each repeat ejection longer. `on` for the defaults, or keys over them: consecutive=5, interval=10s, base-ejection=30s, max-ejection=300s, max-ejection-percent=10, success-rate-stdev=1.9 (0: off), min-hosts=5, min-requests=100. Beside --max-fails and the panic mode' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l retries -d 'Retries on another backend: always after a connect failure; after a timeout or reset only for idempotent requests without a body (the body is streamed, never buffered)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l connect-timeout -d 'Timeout to connect to a backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l header-timeout -d 'Time a client has to send a complete request head (slowloris protection): from the accept for the first request, from its first byte for later ones; 408 when it expires' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l backend-timeout -d 'Time a backend has to start its response (status and headers) after the request' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l idle-timeout -d 'Close client connections with no traffic for this long (and pooled backend connections)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l drain-timeout -d 'On SIGINT/SIGTERM: stop accepting, give in-flight requests this long, then exit' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l queue-timeout -d 'How long a request waits for a slot on a backend at its maxconn before a 503' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l max-header-size -d 'Maximum size of a request head (431 beyond it); at least 8KiB' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l max-conns -d 'Maximum concurrent client connections on the listener (0 = unlimited); further clients wait in the kernel\'s accept queue' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l pool-size -d 'Idle keep-alive connections kept per backend' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l header-up -d 'Add or replace a request header sent to backends, \'NAME: VALUE\' (\'-NAME\' removes it). Content-Length, Transfer-Encoding, Host and hop-by-hop headers (Connection, Upgrade, TE...) are refused (exit 2): the proxy writes framing from what it read' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l header-down -d 'Add or replace a response header sent to clients, \'NAME: VALUE\' (\'-NAME\' removes it). The same headers as for --header-up are refused' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l allow -d 'Only clients in these networks may connect (repeatable, CIDR or address); others get 403' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l deny -d 'Clients in these networks get 403 (repeatable; checked before --allow)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l admin -d 'Admin listener serving /metrics (Prometheus text), /stats (JSON) and the runtime API under /api/ (drain, maint, weight, add and remove backends; see `lbctl proxy ctl`). A non-loopback address needs --admin-token' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l admin-token -d 'Secret that runtime API writes must send as `Authorization: Bearer TOKEN` (reads stay open). Without one, writes are allowed only on a loopback --admin. Visible in `ps`: prefer --admin-token-file' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l admin-token-file -d 'File holding the --admin-token secret (surrounding whitespace ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l access-log -d 'Access log on stderr: common (Common Log Format plus backend and time), json, or off. HTTP: one line per request; TCP mode: one per connection (bytes each way, how it ended)' -r -f -a "common\t''
json\t''
off\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l threads -d 'Worker threads: 1 runs everything on one thread (like a single HAProxy thread); default one per CPU core' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l resolve-interval -d 'Re-resolve backends given by host name every DURATION (HAProxy resolvers `hold valid`, Caddy dynamic upstreams `refresh`): each A/AAAA address becomes a member NAME#ADDR:PORT, added and removed at run time (a removed member drains: in-flight requests finish). A failed lookup keeps the last good set. Off by default: names are resolved once at start. `srv:_http._tcp.NAME` as a backend\'s host takes members, ports and weights from SRV records (RFC 2782), at start-up and on each re-resolution' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l resolver -d 'The DNS server for backend names (start-up and --resolve-interval): ADDR or ADDR:PORT (port 53 by default). Default: the system\'s, from /etc/resolv.conf' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l check-port -d 'Run active checks against this port of each backend\'s host instead of its own port (HAProxy `port`): e.g. a TCP service with an HTTP health endpoint on a side port' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l mode -d 'Data path: `http` (L7, the default) or `tcp` (L4: bytes are copied both ways between the client and one backend per connection, with half-close; see the README\'s TCP section)' -r -f -a "http\t'L7 HTTP reverse proxy'
tcp\t'L4 TCP proxy (one backend per client connection)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l pool -d 'A named pool on the command line, \'NAME=SPEC [SPEC ...]\' (specs separated by spaces; repeatable), for --sni routes (TCP mode) or the --canary and --mirror pools (HTTP mode) without a config file. --backend fills the pool `default`' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l rate-limit -d 'Rate limit per client on this listener, nginx `limit_req`\'s leaky bucket: RATE[,burst=N][,nodelay=true|false][,key=ip|header:NAME|cookie:NAME][,max-keys=N], e.g. 100/s,burst=50. Requests above RATE+burst get 429 with Retry-After (gRPC calls RESOURCE_EXHAUSTED); with nodelay=false the excess within the burst is delayed to the rate instead of served at once. Requests without the key are not limited. Memory is bounded: at most max-keys keys (default 100000, about 40 bytes each) are remembered, the least recently used forgotten first. Config routes take `rate_limit = "..."` too' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l canary -d 'Canary split of the default pool (ingress-nginx canary annotations): POOL:WEIGHT[,header=NAME][,header_value=V][,cookie=NAME][,key=ip|header:NAME|cookie:NAME] sends WEIGHT percent of clients to POOL (a --pool), sticky per key (client address by default). Header `always`/`never` (or the header_value), then cookie `always`/`never`, override the weight. In a config file: `canary = {...}` on a route' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l mirror -d 'Mirror a share of the default pool\'s requests to POOL (a --pool), nginx `mirror` with Envoy\'s fraction: POOL:FRACTION[,max_in_flight=N] (FRACTION 0 to 1; default max_in_flight 64, beyond it copies are dropped and counted). The copy\'s response is discarded; the client never waits for it. A request body is copied when its length is known and at most 64KiB (it is then read whole first); larger ones are not mirrored. In a config file: `mirror = {...}` on a route' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l cache -d 'In-memory response cache of SIZE (e.g. 64MiB; 0 = off), nginx `proxy_cache`: GET (and HEAD, answered from the GET\'s entry) responses 200, 301 and 404 are stored as their Cache-Control allows (s-maxage, max-age, Expires; never no-store, private, no-cache, Set-Cookie, `Vary: *`), keyed by host, target, pool and the Vary\'d headers; the least recently used go first. Answers carry `X-Cache: HIT|MISS|EXPIRED|BYPASS` and Age; concurrent misses for a key wait for one backend request (nginx `proxy_cache_lock`, at most 5s). One store for the process. Without --config it caches the default pool; with one, routes opt in (`cache = true`)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l cache-ttl -d 'How long a cached response stays fresh when it gives no max-age, s-maxage or Expires (nginx `proxy_cache_valid`; never overrides no-store or private). Without it such responses are not stored. A route\'s `cache = { ttl = "1h" }` wins' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l cache-max-object -d 'Largest response body the cache stores (default 1MiB, at most an eighth of --cache); a larger response is relayed, not stored' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l compress -d 'Compress answers (nginx `gzip on`, HAProxy `compression algo`, Caddy `encode`) with the best coding the client\'s Accept-Encoding allows (q-values honoured; ties go to this list\'s order). Alone it means zstd,br,gzip at levels 3, 4 and 2 (gzip 2 here compresses about as nginx\'s default gzip_comp_level 1); or list them, each NAME[:LEVEL]: e.g. --compress gzip:6 or --compress zstd,br,gzip:6 (levels: gzip 1-9, br 0-11, zstd 1-19). Only listed types (--compress-types) of at least --compress-min-size bytes; never ranges, 204/304, already encoded answers, Cache-Control: no-transform, gRPC or upgrades. Streamed: each piece of the body is sent as the backend makes it. In a config file: `compress = true` or `compress = { algorithms = [...], types = [...], min_size = N }` on a listener or route. Right before a subcommand (`explain`), write `--compress on`' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l compress-types -d 'Media types --compress compresses, comma-separated, parameters ignored; `text/*` and `*` are wildcards. Default: text/html,text/css,text/plain,application/javascript, application/json,text/xml' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l compress-min-size -d 'Smallest body --compress compresses (default 256 bytes); an answer of unknown length (chunked) is compressed, as nginx does' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l redirect-https -d 'Answer every request with a redirect to the same URL on https (HAProxy `http-request redirect scheme https`, nginx `return 301 https://$host$request_uri`): host kept (its port dropped; PORT added when it is not 443, the default), path and query kept. 308 by default (every method keeps its method and body). For a plain listener; in a config file: `redirect_https = true` or `{ port = 8443, code = 301 }` on a listener or route' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l redirect-code -d 'Status of --redirect-https for GET and HEAD: 301, 302, 307 or 308 (default). Other methods get 308 for 301 and 307 for 302, which keep their method and body' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l sni -d 'TCP mode: route TLS connections on the ClientHello\'s server name without terminating, \'NAME=POOL\' (NAME exact, `*.suffix`, or `*` for any other name; repeatable). Exact names win over wildcards, longer suffixes over shorter ones' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l sni-fallback -d 'TCP mode with --sni: what to do with a connection whose first bytes are not a TLS ClientHello (or that names no route): send it to the default pool, or close it' -r -f -a "default\t'Send the connection to the listener\'s default pool (`*`, else --backend\'s pool)'
close\t'Close the connection'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l send-proxy -d 'TCP mode: send a PROXY protocol header (v1 text or v2 binary) to backends so they see the real client address' -r -f -a "v1\t'Text header (`PROXY TCP4 src dst sport dport`)'
v2\t'Binary header'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l tls-cert -d 'Terminate TLS on the listener with this certificate chain (PEM, leaf first); needs --tls-key. ALPN offers h2 and http/1.1; backends see X-Forwarded-Proto: https. SIGHUP re-reads the certificate and key (a bad file keeps the running certificate)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l tls-key -d 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l upstream-cacert -d 'Verify TLS backends (https:// or ,tls) against the CAs in this PEM file instead of the system\'s roots' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s o -l output -d 'Format of the startup lines on stdout (and of `explain`)' -r -f -a "text\t'`proxy http://ADDR` and `admin http://ADDR`'
json\t'One JSON object per listener: {"role","url","address"}'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l change-host -d 'Send the backend\'s HOST:PORT as Host instead of the client\'s Host'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l dashboard -d 'On a terminal, show a live per-backend table on stderr refreshed every second (req/s, share vs weight, p50/p99, in-flight, errors, health; in TCP mode connections/s, share, open connections, KiB/s each way, connect errors, health)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l accept-proxy -d 'TCP mode: clients (a proxy in front) start with a PROXY v1 or v2 header; the address in it is the client\'s. A missing or malformed header closes the connection (logged)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l tls-self-signed -d 'Terminate TLS with a certificate made at startup for the listener\'s address and `localhost`; its SHA-256 fingerprint is printed on stdout so clients can pin it'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -l insecure-upstream -d 'Do not verify TLS backends\' certificates (traffic is still encrypted)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -f -a "explain" -d 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -f -a "ctl" -d 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -f -a "grafana" -d 'Print a Grafana dashboard (JSON) over the admin listener\'s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and not __fish_seen_subcommand_from explain ctl grafana help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -l client -d 'Client address the request comes from (for ip-hash, --hash-key ip and the ACL)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -l listener -d 'Which listener\'s routes to use (0-based, in file order)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -s c -l config -d 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from explain" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -l admin -d 'The proxy\'s admin listener, HOST:PORT (as printed on its `admin http://...` line)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -l token -d 'The proxy\'s --admin-token, sent as `Authorization: Bearer TOKEN` on writes' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -l token-file -d 'File holding the token (surrounding whitespace ignored)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s o -l output -d 'Human table and lines (text) or the API\'s JSON documents (json)' -r -f -a "text\t'`proxy http://ADDR` and `admin http://ADDR`'
json\t'One JSON object per listener: {"role","url","address"}'"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s c -l config -d 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "show" -d 'Every backend: pool, admin state, health, weights, in flight, requests'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "cache" -d 'The response cache (`--cache`)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "drain" -d 'No new requests (sticky clients move too); in-flight ones finish'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "ready" -d 'Back to taking traffic (from drain or maint)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "maint" -d 'Maintenance: no traffic at all; health checks do not bring it back'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "weight" -d 'Set the live weight (0 drains; 0-1000000)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "add" -d 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "remove" -d 'Remove a backend from a pool; what it serves finishes'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from ctl" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -s c -l config -d 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from grafana" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "ctl" -d 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "grafana" -d 'Print a Grafana dashboard (JSON) over the admin listener\'s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
complete -c lbctl -n "__fish_lbctl_using_subcommand proxy; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s c -l connections -d 'Concurrent connections (each carries one request at a time)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s d -l duration -d 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s n -l requests -d 'Number of requests to send (after --warmup); with -d, whichever ends first' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l rate -d 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l max-connections -d 'Open model: when a request is due and all connections are busy, open another one, up to N in all (default: -c, a fixed pool). Keeps the offered rate while a server slows' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l warmup -d 'Send traffic for this long first without recording it (warms caches and connections)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l stage -d 'A stage of a ramping plan, repeatable, run in order (k6\'s ramping executors): DURATION:RATE[..RATE] ramps the open model\'s rate linearly (30s:100/s, 2m:100/s..2000/s, 30s:0/s pauses), DURATION:N[..N] ramps the closed model\'s active connections (1m:10..200). The stages set the run\'s length (no -d/-n); the report has a row per stage' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l abort-grace -d 'How long --abort-on-slo waits before it may stop the run' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l shard -d 'Run shard INDEX of COUNT of this plan: a deterministic 1/COUNT of the rate (every COUNT-th request of the schedule), of -n, of the connections (at least 1), of the stages and of a --targets file (target k of the file goes to shard k mod COUNT, weights kept), so that the shards add up to the plan exactly; merge with `load merge --expect`' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l shards -d 'Run one of COUNT shards, its index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l start-at -d 'Wait until this time before starting (RFC 3339 or unix seconds), so that shards on several machines start together; at most 24 h ahead, at most 10 s in the past' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l threads -d 'Worker threads, each with its own runtime (default: the CPUs this process may use)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s m -l method -d 'HTTP method' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s H -l header -d 'Extra request header \'Name: value\' (repeatable)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l body -d 'Request body' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l body-file -d 'Request body read from a file' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l urls-file -d 'File of target URLs, one per line (\'#\' comments): requests go round-robin over them' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l targets -d 'vegeta-compatible targets file, each target with its own method, headers and body: \'METHOD URL\' + \'Name: value\' lines + optional \'@body-file\', blank lines between targets, or JSON lines {"method","url","header","body" (base64)}. Optional weight: \'# lbctl-weight: N\' or "weight": N. Checked whole before any traffic (a bad line is exit 2), then streamed round robin (bounded memory); -H adds to every target\'s headers' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l targets-format -d 'The --targets format (default: JSON lines when the file\'s first non-blank character is \'{\', else the HTTP format)' -r -f -a "http\t'METHOD URL, header lines, @body-file; blank lines between targets'
json\t'One JSON object per line: method, url, header, body (base64)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l h2-streams -d 'HTTP/2 streams in flight per connection (h2load\'s -m): each of the -c connections carries up to N requests at once, in both models (the open model still measures latency from each request\'s intended send time). Needs --http2 or h2c:// targets' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l cacert -d 'Trust the CA certificates in this PEM file instead of the system roots; a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l cert -d 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl\'s --cert); needs --key' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l key -d 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l export -d 'Write one line per measured request to FILE, streamed while the run goes on: .csv (with a header line) or .jsonl. Fields: intended_unix_us (when the plan meant to send it), sent_unix_us, latency_us (from the intended time), status (0: no response), bytes, error (the report\'s category) and group (the --group-by value)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l timeout -d 'Give up on a request after this long (counted as a request timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l connect-timeout -d 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l group-by -d 'Split counts and latency by the value of this response header (e.g. X-Backend)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l slo -d 'Service-level objective checked at the end, e.g. \'p99<250ms\', \'errors<0.1%\', \'rps>=900\' (repeatable; any failure exits 1). Grammar below' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l percentiles -d 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l hdr-log -d 'Write an HdrHistogram interval log (one histogram per second) to this file' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l per-second-max -d 'Keep at most N per-second entries in the JSON (`per_second`) and in memory: when the run would exceed N, adjacent entries are merged in pairs (histograms added) and their length doubles (2 s, 4 s, ...). The default keeps one hour at 1 s (about 5 MB of JSON at 2,000 req/s with latencies over 1-50 ms); a 24-hour run then has 2,700 entries of 32 s (about 12 MB, where every second kept would be 120 MB)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l max-send-lag -d 'Open model: the run is invalid (exit 4) when the generator\'s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server\'s doing)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s o -l output -d 'Output format' -r -f -a "table\t'Tables and a terminal histogram'
json\t'One lbctl.load/v1 JSON document'"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l abort-on-slo -d 'Stop as soon as an --slo is certainly violated (an error budget already spent for the whole plan, a latency percentile already over its bound), checked once a second after --abort-grace; exit 1, and the report says when and why'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l http2 -d 'Use HTTP/2: ALPN h2 over TLS (a server that does not agree stops the run, exit 3), prior knowledge (h2c) over cleartext'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l no-keepalive -d 'A new connection for every request (HTTP/1.1 `Connection: close`)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -l insecure -d 'Accept any TLS certificate (self-signed test servers). Never for real measurements of a production service you do not own'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -a "report" -d 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and not __fish_seen_subcommand_from merge report help" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from merge" -l expect -d 'Expect the shards 0..N-1 of one plan (`load --shard I/N`): exit 1, naming what is wrong, when a shard is missing or duplicated or the shards\' plans disagree' -r
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
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -s o -l output -d 'The HTML file to write (\'-\' for stdout)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -l title -d 'The page\'s title' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from report" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
complete -c lbctl -n "__fish_lbctl_using_subcommand load; and __fish_seen_subcommand_from help" -f -a "report" -d 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
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
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l backend-opts -d 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size, not-serving (true/false, gRPC only) (repeatable). Example: b2:latency=200ms,fail-rate=0.1' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l threads -d 'Worker threads (default: one per CPU core)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s o -l output -d 'Output format of the startup lines' -r -f -a "table\t'`NAME URL` per backend'
json\t'One JSON object per backend per line: {"name","url","address","protocol"} (protocol: http, tcp or grpc)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l tcp -d 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client\'s half-close is answered by closing the write side after the echo'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l grpc -d 'gRPC backends on h2c (HTTP/2 prior knowledge): grpc.health.v1 Health (Check, Watch) and lbctl.test.v1.Echo (Say names the backend; Stream sends `count` replies); .proto files in proto/. --latency delays each call, --fail-rate answers UNAVAILABLE (14), --reset-rate resets the stream; a grpc-timeout shorter than the latency gets DEADLINE_EXCEEDED (4). POST /admin/down and /admin/up (HTTP/2) flip the health status'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -l grpc-not-serving -d 'With --grpc: the health service starts NOT_SERVING (for "" and lbctl.test.v1.Echo); per backend: --backend-opts b2:not-serving=true'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s d -l duration -d 'Length of each load run' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -l compare -d 'The two proxy algorithms to compare, FIRST,SECOND' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s c -l connections -d 'Concurrent connections of each load run' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s o -l output -d 'Output format: a readable report, or one JSON document with every measured result' -r -f -a "table\t''
json\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand demo" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s a -l algorithm -d 'Algorithms to compare, comma separated; each run sees the same arrivals: round-robin (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s b -l backends -d 'Number of backends (named b1..bN)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s s -l service -d 'Service-time distribution of every backend (see below)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l concurrency -d 'Requests a backend serves at once; the rest wait in its FIFO queue. Default: unlimited' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l fail -d 'Ratio of requests every backend answers with a 5xx (after its service time)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l reset -d 'Ratio of requests whose connection every backend resets (after its service time)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l backend -d 'Per-backend override, NAME:key=value[,key=value...] (repeatable): b3:service=fixed 50ms,weight=2,concurrency=8,fail=0.01,reset=0.001,slowstart=10s' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l at -d 'An event in time, TIME:NAME:ACTION (repeatable): 30s:b3:latency*10, 60s:b2:down, 90s:b2:up' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s r -l rate -d 'Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s c -l connections -d 'Closed model (like `lbctl load -c`): N clients, each sending its next request as soon as its previous one is answered (after --think). Excludes --rate and rate stages' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l think -d 'Closed model: each client waits this long between an answer and its next request' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l overhead -d 'Time the path adds to every request outside the backends (client, loopback, proxy): added to client latency, and in the closed model waited by the client too. The balancer does not see it. `lbctl demo` measures it and passes it' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l arrivals -d 'Arrival process of the open model [default: poisson]' -r -f -a "poisson\t'Exponential gaps (a Poisson process): what many independent clients look like'
constant\t'Evenly spaced (wrk2\'s i / rate)'"
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l stage -d 'A stage, repeatable, like load\'s: DURATION:RATE[..RATE] ramps the open model\'s rate (30s:100/s..2000/s), DURATION:N[..N] the closed model\'s clients (1m:10..200). The stages replace --rate, -c and --duration' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s n -l requests -d 'Stop arriving after this many requests' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s d -l duration -d 'Stop arriving after this much virtual time (default 60s unless --requests is given)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l retries -d 'Retries on another backend after a 5xx, a reset or a refused connection (at most 7)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l max-fails -d 'Passive health: failures within --fail-timeout that mark a backend failed (0: off)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l fail-timeout -d 'Passive health window and penalty (nginx fail_timeout)' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l slowstart -d 'Slow start for every backend: after coming back, its weight ramps from 10% over this' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l keys -d 'Key distribution for hash algorithms and ip-hash: uniform or zipf:S, with /COUNT keys (default 10000): zipf:1.1/50000' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l seed -d 'Seed of every random draw: the same seed gives the same run' -r
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s o -l output -d 'Output format' -r -f -a "table\t''
json\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l html -d 'Also write a self-contained HTML report (inline SVG, no network) to this file' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -l fail-on-5xx -d 'Treat a 5xx as a failure: passive health counts it and it is retried (the proxy\'s --fail-on 500,502,503,504). Without it a 5xx goes to the client, as the proxy\'s default'
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c lbctl -n "__fish_lbctl_using_subcommand sim" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -l out-dir -d 'Directory that receives completions/ and man/ (the repository root to refresh them)' -r -F
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -l color -d 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never' -r -f -a "auto\t''
always\t''
never\t''"
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s q -l quiet -d 'Print only results: no progress bars, no informational messages on stderr'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s v -l verbose -d 'More detail on stderr (repeat for more)'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s h -l help -d 'Print help'
complete -c lbctl -n "__fish_lbctl_using_subcommand generate" -s V -l version -d 'Print version'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "probe" -d 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "ring" -d 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "proxy" -d 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "load" -d 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "serve" -d 'Start real test backends on loopback, with injectable latency and faults'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "demo" -d 'Run backends, a proxy, load and probes together: a tour in one command'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "sim" -d 'Simulate balancing algorithms side by side: latency, shares, queues, recovery'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "generate" -d 'Write shell completions and man pages (used to refresh completions/ and man/)'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and not __fish_seen_subcommand_from probe ring proxy load serve demo sim generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "lookup" -d 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "stats" -d 'Keys per server against the share each weight deserves; exact hash-space shares'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "diff" -d 'What moves when the server list changes: moved keys vs the ideal, and the flows'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "compare" -d 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "tune" -d 'Sweep --vnodes (or the maglev table size, or Envoy\'s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from ring" -f -a "show" -d 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from proxy" -f -a "explain" -d 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from proxy" -f -a "ctl" -d 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from proxy" -f -a "grafana" -d 'Print a Grafana dashboard (JSON) over the admin listener\'s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from load" -f -a "merge" -d 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
complete -c lbctl -n "__fish_lbctl_using_subcommand help; and __fish_seen_subcommand_from load" -f -a "report" -d 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
