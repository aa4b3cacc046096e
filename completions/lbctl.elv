
use builtin;
use str;

set edit:completion:arg-completer[lbctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'lbctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'lbctl'= {
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand probe 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy'
            cand ring 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
            cand proxy 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
            cand load 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
            cand serve 'Start real test backends on loopback, with injectable latency and faults'
            cand demo 'Run backends, a proxy, load and probes together: a tour in one command'
            cand sim 'Simulate balancing algorithms side by side: latency, shares, queues, recovery'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;probe'= {
            cand -f 'Read targets from a file, one per line, ''#'' comments, optional per-target assertions'
            cand --targets-file 'Read targets from a file, one per line, ''#'' comments, optional per-target assertions'
            cand -X 'HTTP method (GET, HEAD, ...)'
            cand --method 'HTTP method (GET, HEAD, ...)'
            cand -H 'Extra request header ''Name: value'' (repeatable)'
            cand --header 'Extra request header ''Name: value'' (repeatable)'
            cand --host 'Host header (and TLS SNI) instead of the target''s host, e.g. to check one vhost on an IP'
            cand --max-redirects 'Redirects followed at most with --follow; one more fails the check'
            cand --http-version 'HTTP version: auto (HTTP/1.1; https: ALPN picks h2 or http/1.1), 1.1, or 2 (h2 by ALPN, h2c by prior knowledge on http://)'
            cand --cacert 'Trust only the CA certificates in this PEM file (instead of the system roots); a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)'
            cand --cert 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl''s --cert); needs --key. Applies to https://, grpcs:// and wss:// targets'
            cand --key 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert'
            cand --send 'tcp: send these bytes after connecting (escapes: \r \n \t \\ \0 \xNN)'
            cand --ws-send 'ws/wss: send this text message after the upgrade; the first message received is then the answer (judge it with --expect ''ws.message ~ RE'')'
            cand --expect 'A field condition, ''FIELD OP VALUE'' (repeatable), e.g. ''body !~ error'' (the body must not match), ''body ~ RE'', ''header.NAME !~ RE'', ''status != 503'', ''tls == true'', ''tls.version >= 1.2'', ''cert.issuer ~ Let'', ''cert.days_left >= 14'', ''dns.rcode == NXDOMAIN'', ''dns.answer.count >= 1'', ''dns.answer ~ 10\.0\.0\.'' (some record matches), ''dns.answer.all ~ RE'' (every one), ''dns.answer !~ RE'' (none), ''dns.authoritative == true'', ''ws.message ~ pong'', ''ws.close_code == 1000'', ''icmp.loss <= 20'', ''icmp.rtt_ms < 50''. For a tcp:// target, any other text is the reply to wait for (same escapes as --send; one only)'
            cand -t 'Give up on one check after this long (reported as a timeout, with the phase)'
            cand --timeout 'Give up on one check after this long (reported as a timeout, with the phase)'
            cand --body 'Request content, sent as given with its Content-Length (no Content-Type unless -H sets one). The method stays -X''s (GET by default; health endpoints that want a body usually want -X POST). Kept on 307/308 redirects, dropped when 301/302/303 turn it into a GET'
            cand --body-file 'Request content read from FILE, byte for byte (at most 16 MiB)'
            cand --json 'A JSON request body (must parse), with Content-Type: application/json and Accept: application/json unless -H sets them'
            cand --basic-auth-user 'HTTP Basic auth user (RFC 7617); the password from --basic-auth-password-file or --basic-auth-password-env'
            cand --basic-auth-password-file 'File holding the Basic auth password (trailing newlines are not part of it; an empty file is an error)'
            cand --basic-auth-password-env 'Environment variable holding the Basic auth password'
            cand --bearer-token-file 'File holding a bearer token (RFC 6750; trailing newlines stripped), sent as ''Authorization: Bearer TOKEN'' to the target''s own origin only (not to another host, port or scheme a redirect points at)'
            cand --bearer-token-env 'Environment variable holding a bearer token'
            cand --expect-status 'Accepted status codes (default 200-399, like Kubernetes), e.g. 200-299,301'
            cand --expect-body 'The body must contain this text (repeatable)'
            cand --expect-body-regex 'The body must match this regular expression (repeatable)'
            cand --expect-json 'A JSON condition on the body, e.g. ''.status == "UP"'', ''.count >= 3'', ''.ready exists'' (repeatable; all must hold)'
            cand --expect-header 'A response header, ''Name: value'' (value contained, case-insensitive) or ''Name'' (present). Repeatable'
            cand --max-latency 'The whole check (total time) must take at most this long'
            cand --cert-min-days 'https: the earliest-expiring certificate must stay valid at least this many days'
            cand -c 'Checks in flight at once'
            cand --concurrency 'Checks in flight at once'
            cand --require 'One shot: how many targets must pass: all, any, or a count'
            cand --retries 'One shot: retry a failed check up to N times; a pass after a retry is reported ''flaky'' (it counts as passing for --require)'
            cand --retry-delay 'Pause between retries'
            cand --until 'Wait until the targets are healthy (--require holds with rise/fall), up to --deadline'
            cand --deadline '--until: give up (exit 1) after this long'
            cand -i '--watch/--until: time between checks of one target (HAProxy ''inter'')'
            cand --interval '--watch/--until: time between checks of one target (HAProxy ''inter'')'
            cand --fast-interval 'Interval while a target is changing state (HAProxy ''fastinter''); default --interval'
            cand --rise 'Consecutive passes that bring a target up (HAProxy ''rise'')'
            cand --fall 'Consecutive failures that take a target down (HAProxy ''fall'')'
            cand --on-transition '--watch: run this shell command (`sh -c`) on every state change, with LBCTL_TARGET, LBCTL_OLD_STATE, LBCTL_NEW_STATE (up/down), LBCTL_REASON, LBCTL_STATUS and LBCTL_TIME in its environment; its output goes to stderr. It never blocks probing: killed after --alert-timeout, at most 8 at once (more transitions meanwhile are skipped, and said so)'
            cand --notify '--watch: POST every state change as JSON ({time, target, old_state, new_state, reason, status}) to URL; retried with backoff (1s, 2s, 4s) when it fails, then given up with a line on stderr; never blocks probing'
            cand --alert-timeout 'How long one --on-transition command or --notify attempt may take'
            cand --count '--watch: stop after N checks of every target, then print the summary'
            cand -o 'Output format: table, json (one document), jsonl (one line per target; with --watch, per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes)'
            cand --output 'Output format: table, json (one document), jsonl (one line per target; with --watch, per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes)'
            cand --warn-latency 'nagios: WARNING when a check takes longer than this'
            cand --crit-latency 'nagios: CRITICAL when a check takes longer than this'
            cand --warn-days 'nagios: WARNING when a certificate expires within this many days'
            cand --crit-days 'nagios: CRITICAL when a certificate expires within this many days'
            cand --exporter 'Run as a blackbox_exporter-compatible server on ADDR: GET /probe?target=T&module=M[&debug=true][&hostname=H] probes T with module M and answers its metrics (probe_success, probe_duration_seconds, probe_http_*, probe_dns_*, probe_grpc_*, probe_ssl_*, probe_tls_*); /metrics is the exporter''s own; / lists the modules. --concurrency bounds probes in flight, --timeout is a module''s default timeout. POST /-/reload or SIGHUP rereads --modules. Stops on SIGINT/SIGTERM'
            cand --modules 'Exporter modules from a TOML file ([modules.NAME] tables: prober = "http" | "tcp" | "dns" | "grpc" | "icmp", timeout, method, headers, body, valid_status_codes, expect = [conditions], tls options, query_name/query_type...; see the README). They add to, or replace, the built-in http_2xx, http_post_2xx, tcp_connect, dns, grpc, grpc_tls, icmp. Reread on POST /-/reload and SIGHUP; a bad file then keeps the modules in use'
            cand --timeout-offset 'Subtracted from Prometheus'' X-Prometheus-Scrape-Timeout-Seconds to get a probe''s time budget (blackbox''s --timeout-offset), so the answer arrives before the scrape times out'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --follow 'Follow redirects (at most --max-redirects); off by default, so a 301 is the answer'
            cand -k 'Accept any TLS certificate (expiry is still reported and checked by --cert-min-days)'
            cand --insecure 'Accept any TLS certificate (expiry is still reported and checked by --cert-min-days)'
            cand --cert-only 'https: check the TLS handshake and certificate only; send no HTTP request'
            cand -w 'Check continuously with rise/fall semantics until Ctrl-C or --count rounds'
            cand --watch 'Check continuously with rise/fall semantics until Ctrl-C or --count rounds'
            cand --start-up 'Targets start up (HAProxy starts them down, needing ''rise'' passes)'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring'= {
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand lookup 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
            cand stats 'Keys per server against the share each weight deserves; exact hash-space shares'
            cand diff 'What moves when the server list changes: moved keys vs the ideal, and the flows'
            cand compare 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
            cand tune 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
            cand show 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;ring;lookup'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand -a 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --algorithm 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --hash 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --keys-file 'Read keys from a file, one per line ("-" = stdin)'
            cand --generate 'Generate N keys from --key-pattern instead of reading any'
            cand --key-pattern 'Pattern of generated keys; `{i}` is replaced by the key number'
            cand --distribution 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)'
            cand --seed 'Seed for --distribution zipf (same seed, same keys)'
            cand --replicas 'Print N distinct servers per key in preference order (`KEY<TAB>S1<TAB>S2...`; JSON adds "replicas"). See `lbctl ring --help` for each algorithm''s rule'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;stats'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand -a 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --algorithm 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --hash 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --keys-file 'Read keys from a file, one per line ("-" = stdin)'
            cand --generate 'Generate N keys from --key-pattern instead of reading any'
            cand --key-pattern 'Pattern of generated keys; `{i}` is replaced by the key number'
            cand --distribution 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)'
            cand --seed 'Seed for --distribution zipf (same seed, same keys)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --counts 'Keys are `KEY,COUNT` lines (a hot-key histogram from logs; the count after the last comma): report request shares, peak-to-mean, and what bounded-load (--balance-factor) would spill off each key''s first choice'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;diff'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand -a 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --algorithm 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --hash 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --keys-file 'Read keys from a file, one per line ("-" = stdin)'
            cand --generate 'Generate N keys from --key-pattern instead of reading any'
            cand --key-pattern 'Pattern of generated keys; `{i}` is replaced by the key number'
            cand --distribution 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)'
            cand --seed 'Seed for --distribution zipf (same seed, same keys)'
            cand --add 'Add a server (repeatable), appended at the end of the list'
            cand --remove 'Remove the server with this name (repeatable)'
            cand --reweight 'Change a server''s weight, NAME=W (repeatable; 0 drains it)'
            cand --to-servers-file 'Compare against this server list instead (one spec per line)'
            cand --replicas 'Also compare N-server replica lists: moved replicas per position and keys whose replica set changed'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --list-moved 'Also print every moved key with its old and new server'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;compare'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --keys-file 'Read keys from a file, one per line ("-" = stdin)'
            cand --generate 'Generate N keys from --key-pattern instead of reading any'
            cand --key-pattern 'Pattern of generated keys; `{i}` is replaced by the key number'
            cand --distribution 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)'
            cand --seed 'Seed for --distribution zipf (same seed, same keys)'
            cand --add 'Add a server (repeatable), appended at the end of the list'
            cand --remove 'Remove the server with this name (repeatable)'
            cand --reweight 'Change a server''s weight, NAME=W (repeatable; 0 drains it)'
            cand --to-servers-file 'Compare against this server list instead (one spec per line)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;tune'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand -a 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --algorithm 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --hash 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --target-std 'Target balance: the standard deviation of the servers'' exact hash-space shares, as a percentage of what their weights deserve (e.g. 2%)'
            cand --max-peak 'Also require the busiest server''s share / deserved share to be at most this (e.g. 1.05)'
            cand --values 'Settings to sweep, comma-separated (default: a doubling ladder for the algorithm)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;show'= {
            cand -s 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --server 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed'
            cand --servers-file 'File with one server spec per line (`#` comments, blank lines ignored)'
            cand --servers 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments'
            cand -a 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --algorithm 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)'
            cand --hash 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)'
            cand --vnodes 'ring, bounded: points per server at equal weights (scaled by weight)'
            cand --table-size 'maglev: lookup table size; a prime at least the server count (ideally 100x it)'
            cand --balance-factor 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)'
            cand --min-ring-size 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)'
            cand --max-ring-size 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)'
            cand --limit 'Entries (points, slots, buckets) listed in the table; 0 lists them all. JSON lists all'
            cand --replicas 'Rings: also list the N-server replica list that starts at each point'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;ring;help'= {
            cand lookup 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
            cand stats 'Keys per server against the share each weight deserves; exact hash-space shares'
            cand diff 'What moves when the server list changes: moved keys vs the ideal, and the flows'
            cand compare 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
            cand tune 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
            cand show 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;ring;help;lookup'= {
        }
        &'lbctl;ring;help;stats'= {
        }
        &'lbctl;ring;help;diff'= {
        }
        &'lbctl;ring;help;compare'= {
        }
        &'lbctl;ring;help;tune'= {
        }
        &'lbctl;ring;help;show'= {
        }
        &'lbctl;ring;help;help'= {
        }
        &'lbctl;proxy'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --listen 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)'
            cand --from 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)'
            cand --backend 'A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto] (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it: HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend''s choice. HTTP/2 backends share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout); slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure'
            cand --to 'A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto] (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it: HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend''s choice. HTTP/2 backends share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout); slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure'
            cand --backends-file 'File with one backend spec per line (`#` comments), added to --backend'
            cand -a 'Balancing algorithm. Default `weighted` (nginx''s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy'
            cand --algorithm 'Balancing algorithm. Default `weighted` (nginx''s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy'
            cand --hash-key 'Key for --algorithm hash: header:NAME, cookie:NAME, path, query:NAME or ip'
            cand --hash-algorithm 'Hash ring or table for --algorithm hash (from balance::hash; `bounded` also weighs live in-flight load). Keys of a backend that is out are re-hashed onto others; every other key stays put'
            cand --sticky 'Sticky sessions: cookie:NAME inserts an HttpOnly cookie naming the chosen backend by an opaque id; later requests carrying it go to that backend while it is healthy'
            cand --check 'Active health check: http:/PATH (2xx/3xx is up), tcp (connect is up), or grpc[:SERVICE] (grpc.health.v1 Check over h2c, over TLS with ALPN h2 for TLS backends; SERVING is up; SERVICE defaults to "", the whole server)'
            cand --check-interval 'Time between active checks of a backend (HAProxy `inter`)'
            cand --rise 'Consecutive successful checks that bring a down backend up (HAProxy `rise`)'
            cand --fall 'Consecutive failed checks that take an up backend down (HAProxy `fall`)'
            cand --check-timeout 'Timeout of one active check (default: the check interval, as HAProxy''s `inter`)'
            cand --max-fails 'Passive health: this many failures within --fail-timeout mark a backend failed for --fail-timeout (nginx `max_fails`; 0 disables passive marking)'
            cand --fail-timeout 'Passive health window and penalty (nginx `fail_timeout`)'
            cand --fail-on 'Backend response statuses that count as failures for passive health (and are retried for idempotent requests), comma separated, e.g. 502,503,504. Default: none'
            cand --fail-on-grpc 'gRPC statuses that count as failures for passive health, by number or name, comma separated, e.g. 14,4 or UNAVAILABLE,DEADLINE_EXCEEDED; read from the response head (trailers-only answers) and its trailers. Default: none (a gRPC error is the application''s answer, not the backend failing)'
            cand --outlier 'Outlier detection (Envoy''s): eject a backend after N consecutive 5xx or gateway errors, or when its success rate over an interval is below the pool''s mean by K standard deviations; at most a share of the pool at once, each repeat ejection longer. `on` for the defaults, or keys over them: consecutive=5, interval=10s, base-ejection=30s, max-ejection=300s, max-ejection-percent=10, success-rate-stdev=1.9 (0: off), min-hosts=5, min-requests=100. Beside --max-fails and the panic mode'
            cand --retries 'Retries on another backend: always after a connect failure; after a timeout or reset only for idempotent requests without a body (the body is streamed, never buffered)'
            cand --connect-timeout 'Timeout to connect to a backend'
            cand --header-timeout 'Time a client has to send a complete request head (slowloris protection): from the accept for the first request, from its first byte for later ones; 408 when it expires'
            cand --backend-timeout 'Time a backend has to start its response (status and headers) after the request'
            cand --idle-timeout 'Close client connections with no traffic for this long (and pooled backend connections)'
            cand --drain-timeout 'On SIGINT/SIGTERM: stop accepting, give in-flight requests this long, then exit'
            cand --queue-timeout 'How long a request waits for a slot on a backend at its maxconn before a 503'
            cand --max-header-size 'Maximum size of a request head (431 beyond it); at least 8KiB'
            cand --max-conns 'Maximum concurrent client connections on the listener (0 = unlimited); further clients wait in the kernel''s accept queue'
            cand --pool-size 'Idle keep-alive connections kept per backend'
            cand --header-up 'Add or replace a request header sent to backends, ''NAME: VALUE'' (''-NAME'' removes it). Content-Length, Transfer-Encoding, Host and hop-by-hop headers (Connection, Upgrade, TE...) are refused (exit 2): the proxy writes framing from what it read'
            cand --header-down 'Add or replace a response header sent to clients, ''NAME: VALUE'' (''-NAME'' removes it). The same headers as for --header-up are refused'
            cand --allow 'Only clients in these networks may connect (repeatable, CIDR or address); others get 403'
            cand --deny 'Clients in these networks get 403 (repeatable; checked before --allow)'
            cand --admin 'Admin listener serving /metrics (Prometheus text), /stats (JSON) and the runtime API under /api/ (drain, maint, weight, add and remove backends; see `lbctl proxy ctl`). A non-loopback address needs --admin-token'
            cand --admin-token 'Secret that runtime API writes must send as `Authorization: Bearer TOKEN` (reads stay open). Without one, writes are allowed only on a loopback --admin. Visible in `ps`: prefer --admin-token-file'
            cand --admin-token-file 'File holding the --admin-token secret (surrounding whitespace ignored)'
            cand --access-log 'Access log on stderr: common (Common Log Format plus backend and time), json, or off. HTTP: one line per request; TCP mode: one per connection (bytes each way, how it ended)'
            cand --threads 'Worker threads: 1 runs everything on one thread (like a single HAProxy thread); default one per CPU core'
            cand --resolve-interval 'Re-resolve backends given by host name every DURATION (HAProxy resolvers `hold valid`, Caddy dynamic upstreams `refresh`): each A/AAAA address becomes a member NAME#ADDR:PORT, added and removed at run time (a removed member drains: in-flight requests finish). A failed lookup keeps the last good set. Off by default: names are resolved once at start. `srv:_http._tcp.NAME` as a backend''s host takes members, ports and weights from SRV records (RFC 2782), at start-up and on each re-resolution'
            cand --resolver 'The DNS server for backend names (start-up and --resolve-interval): ADDR or ADDR:PORT (port 53 by default). Default: the system''s, from /etc/resolv.conf'
            cand --check-port 'Run active checks against this port of each backend''s host instead of its own port (HAProxy `port`): e.g. a TCP service with an HTTP health endpoint on a side port'
            cand --mode 'Data path: `http` (L7, the default) or `tcp` (L4: bytes are copied both ways between the client and one backend per connection, with half-close; see the README''s TCP section)'
            cand --pool 'A named pool on the command line, ''NAME=SPEC [SPEC ...]'' (specs separated by spaces; repeatable), for --sni routes (TCP mode) or the --canary and --mirror pools (HTTP mode) without a config file. --backend fills the pool `default`'
            cand --rate-limit 'Rate limit per client on this listener, nginx `limit_req`''s leaky bucket: RATE[,burst=N][,nodelay=true|false][,key=ip|header:NAME|cookie:NAME][,max-keys=N], e.g. 100/s,burst=50. Requests above RATE+burst get 429 with Retry-After (gRPC calls RESOURCE_EXHAUSTED); with nodelay=false the excess within the burst is delayed to the rate instead of served at once. Requests without the key are not limited. Memory is bounded: at most max-keys keys (default 100000, about 40 bytes each) are remembered, the least recently used forgotten first. Config routes take `rate_limit = "..."` too'
            cand --canary 'Canary split of the default pool (ingress-nginx canary annotations): POOL:WEIGHT[,header=NAME][,header_value=V][,cookie=NAME][,key=ip|header:NAME|cookie:NAME] sends WEIGHT percent of clients to POOL (a --pool), sticky per key (client address by default). Header `always`/`never` (or the header_value), then cookie `always`/`never`, override the weight. In a config file: `canary = {...}` on a route'
            cand --mirror 'Mirror a share of the default pool''s requests to POOL (a --pool), nginx `mirror` with Envoy''s fraction: POOL:FRACTION[,max_in_flight=N] (FRACTION 0 to 1; default max_in_flight 64, beyond it copies are dropped and counted). The copy''s response is discarded; the client never waits for it. A request body is copied when its length is known and at most 64KiB (it is then read whole first); larger ones are not mirrored. In a config file: `mirror = {...}` on a route'
            cand --cache 'In-memory response cache of SIZE (e.g. 64MiB; 0 = off), nginx `proxy_cache`: GET (and HEAD, answered from the GET''s entry) responses 200, 301 and 404 are stored as their Cache-Control allows (s-maxage, max-age, Expires; never no-store, private, no-cache, Set-Cookie, `Vary: *`), keyed by host, target, pool and the Vary''d headers; the least recently used go first. Answers carry `X-Cache: HIT|MISS|EXPIRED|BYPASS` and Age; concurrent misses for a key wait for one backend request (nginx `proxy_cache_lock`, at most 5s). One store for the process. Without --config it caches the default pool; with one, routes opt in (`cache = true`)'
            cand --cache-ttl 'How long a cached response stays fresh when it gives no max-age, s-maxage or Expires (nginx `proxy_cache_valid`; never overrides no-store or private). Without it such responses are not stored. A route''s `cache = { ttl = "1h" }` wins'
            cand --cache-max-object 'Largest response body the cache stores (default 1MiB, at most an eighth of --cache); a larger response is relayed, not stored'
            cand --compress 'Compress answers (nginx `gzip on`, HAProxy `compression algo`, Caddy `encode`) with the best coding the client''s Accept-Encoding allows (q-values honoured; ties go to this list''s order). Alone it means zstd,br,gzip at levels 3, 4 and 2 (gzip 2 here compresses about as nginx''s default gzip_comp_level 1); or list them, each NAME[:LEVEL]: e.g. --compress gzip:6 or --compress zstd,br,gzip:6 (levels: gzip 1-9, br 0-11, zstd 1-19). Only listed types (--compress-types) of at least --compress-min-size bytes; never ranges, 204/304, already encoded answers, Cache-Control: no-transform, gRPC or upgrades. Streamed: each piece of the body is sent as the backend makes it. In a config file: `compress = true` or `compress = { algorithms = [...], types = [...], min_size = N }` on a listener or route. Right before a subcommand (`explain`), write `--compress on`'
            cand --compress-types 'Media types --compress compresses, comma-separated, parameters ignored; `text/*` and `*` are wildcards. Default: text/html,text/css,text/plain,application/javascript, application/json,text/xml'
            cand --compress-min-size 'Smallest body --compress compresses (default 256 bytes); an answer of unknown length (chunked) is compressed, as nginx does'
            cand --redirect-https 'Answer every request with a redirect to the same URL on https (HAProxy `http-request redirect scheme https`, nginx `return 301 https://$host$request_uri`): host kept (its port dropped; PORT added when it is not 443, the default), path and query kept. 308 by default (every method keeps its method and body). For a plain listener; in a config file: `redirect_https = true` or `{ port = 8443, code = 301 }` on a listener or route'
            cand --redirect-code 'Status of --redirect-https for GET and HEAD: 301, 302, 307 or 308 (default). Other methods get 308 for 301 and 307 for 302, which keep their method and body'
            cand --sni 'TCP mode: route TLS connections on the ClientHello''s server name without terminating, ''NAME=POOL'' (NAME exact, `*.suffix`, or `*` for any other name; repeatable). Exact names win over wildcards, longer suffixes over shorter ones'
            cand --sni-fallback 'TCP mode with --sni: what to do with a connection whose first bytes are not a TLS ClientHello (or that names no route): send it to the default pool, or close it'
            cand --send-proxy 'TCP mode: send a PROXY protocol header (v1 text or v2 binary) to backends so they see the real client address'
            cand --tls-cert 'Terminate TLS on the listener with this certificate chain (PEM, leaf first); needs --tls-key. ALPN offers h2 and http/1.1; backends see X-Forwarded-Proto: https. SIGHUP re-reads the certificate and key (a bad file keeps the running certificate)'
            cand --tls-key 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert'
            cand --upstream-cacert 'Verify TLS backends (https:// or ,tls) against the CAs in this PEM file instead of the system''s roots'
            cand -o 'Format of the startup lines on stdout (and of `explain`)'
            cand --output 'Format of the startup lines on stdout (and of `explain`)'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --change-host 'Send the backend''s HOST:PORT as Host instead of the client''s Host'
            cand --dashboard 'On a terminal, show a live per-backend table on stderr refreshed every second (req/s, share vs weight, p50/p99, in-flight, errors, health; in TCP mode connections/s, share, open connections, KiB/s each way, connect errors, health)'
            cand --accept-proxy 'TCP mode: clients (a proxy in front) start with a PROXY v1 or v2 header; the address in it is the client''s. A missing or malformed header closes the connection (logged)'
            cand --tls-self-signed 'Terminate TLS with a certificate made at startup for the listener''s address and `localhost`; its SHA-256 fingerprint is printed on stdout so clients can pin it'
            cand --insecure-upstream 'Do not verify TLS backends'' certificates (traffic is still encrypted)'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand explain 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
            cand ctl 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
            cand grafana 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;explain'= {
            cand --client 'Client address the request comes from (for ip-hash, --hash-key ip and the ACL)'
            cand --listener 'Which listener''s routes to use (0-based, in file order)'
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl'= {
            cand --admin 'The proxy''s admin listener, HOST:PORT (as printed on its `admin http://...` line)'
            cand --token 'The proxy''s --admin-token, sent as `Authorization: Bearer TOKEN` on writes'
            cand --token-file 'File holding the token (surrounding whitespace ignored)'
            cand -o 'Human table and lines (text) or the API''s JSON documents (json)'
            cand --output 'Human table and lines (text) or the API''s JSON documents (json)'
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Every backend: pool, admin state, health, weights, in flight, requests'
            cand cache 'The response cache (`--cache`)'
            cand drain 'No new requests (sticky clients move too); in-flight ones finish'
            cand ready 'Back to taking traffic (from drain or maint)'
            cand maint 'Maintenance: no traffic at all; health checks do not bring it back'
            cand weight 'Set the live weight (0 drains; 0-1000000)'
            cand add 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2'
            cand remove 'Remove a backend from a pool; what it serves finishes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;ctl;show'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;cache'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand purge 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;ctl;cache;purge'= {
            cand --host 'Only entries of this host (as the Host header gave it)'
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --exact 'PREFIX is a whole path and query: only that URL'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;cache;help'= {
            cand purge 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;ctl;cache;help;purge'= {
        }
        &'lbctl;proxy;ctl;cache;help;help'= {
        }
        &'lbctl;proxy;ctl;drain'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;ready'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;maint'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;weight'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;add'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;remove'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;ctl;help'= {
            cand show 'Every backend: pool, admin state, health, weights, in flight, requests'
            cand cache 'The response cache (`--cache`)'
            cand drain 'No new requests (sticky clients move too); in-flight ones finish'
            cand ready 'Back to taking traffic (from drain or maint)'
            cand maint 'Maintenance: no traffic at all; health checks do not bring it back'
            cand weight 'Set the live weight (0 drains; 0-1000000)'
            cand add 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2'
            cand remove 'Remove a backend from a pool; what it serves finishes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;ctl;help;show'= {
        }
        &'lbctl;proxy;ctl;help;cache'= {
            cand purge 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went'
        }
        &'lbctl;proxy;ctl;help;cache;purge'= {
        }
        &'lbctl;proxy;ctl;help;drain'= {
        }
        &'lbctl;proxy;ctl;help;ready'= {
        }
        &'lbctl;proxy;ctl;help;maint'= {
        }
        &'lbctl;proxy;ctl;help;weight'= {
        }
        &'lbctl;proxy;ctl;help;add'= {
        }
        &'lbctl;proxy;ctl;help;remove'= {
        }
        &'lbctl;proxy;ctl;help;help'= {
        }
        &'lbctl;proxy;grafana'= {
            cand -c 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --config 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;proxy;help'= {
            cand explain 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
            cand ctl 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
            cand grafana 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;proxy;help;explain'= {
        }
        &'lbctl;proxy;help;ctl'= {
            cand show 'Every backend: pool, admin state, health, weights, in flight, requests'
            cand cache 'The response cache (`--cache`)'
            cand drain 'No new requests (sticky clients move too); in-flight ones finish'
            cand ready 'Back to taking traffic (from drain or maint)'
            cand maint 'Maintenance: no traffic at all; health checks do not bring it back'
            cand weight 'Set the live weight (0 drains; 0-1000000)'
            cand add 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2'
            cand remove 'Remove a backend from a pool; what it serves finishes'
        }
        &'lbctl;proxy;help;ctl;show'= {
        }
        &'lbctl;proxy;help;ctl;cache'= {
            cand purge 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went'
        }
        &'lbctl;proxy;help;ctl;cache;purge'= {
        }
        &'lbctl;proxy;help;ctl;drain'= {
        }
        &'lbctl;proxy;help;ctl;ready'= {
        }
        &'lbctl;proxy;help;ctl;maint'= {
        }
        &'lbctl;proxy;help;ctl;weight'= {
        }
        &'lbctl;proxy;help;ctl;add'= {
        }
        &'lbctl;proxy;help;ctl;remove'= {
        }
        &'lbctl;proxy;help;grafana'= {
        }
        &'lbctl;proxy;help;help'= {
        }
        &'lbctl;load'= {
            cand -c 'Concurrent connections (each carries one request at a time)'
            cand --connections 'Concurrent connections (each carries one request at a time)'
            cand -d 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given'
            cand --duration 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given'
            cand -n 'Number of requests to send (after --warmup); with -d, whichever ends first'
            cand --requests 'Number of requests to send (after --warmup); with -d, whichever ends first'
            cand --rate 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do'
            cand --max-connections 'Open model: when a request is due and all connections are busy, open another one, up to N in all (default: -c, a fixed pool). Keeps the offered rate while a server slows'
            cand --warmup 'Send traffic for this long first without recording it (warms caches and connections)'
            cand --stage 'A stage of a ramping plan, repeatable, run in order (k6''s ramping executors): DURATION:RATE[..RATE] ramps the open model''s rate linearly (30s:100/s, 2m:100/s..2000/s, 30s:0/s pauses), DURATION:N[..N] ramps the closed model''s active connections (1m:10..200). The stages set the run''s length (no -d/-n); the report has a row per stage'
            cand --abort-grace 'How long --abort-on-slo waits before it may stop the run'
            cand --shard 'Run shard INDEX of COUNT of this plan: a deterministic 1/COUNT of the rate (every COUNT-th request of the schedule), of -n, of the connections (at least 1), of the stages and of a --targets file (target k of the file goes to shard k mod COUNT, weights kept), so that the shards add up to the plan exactly; merge with `load merge --expect`'
            cand --shards 'Run one of COUNT shards, its index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)'
            cand --start-at 'Wait until this time before starting (RFC 3339 or unix seconds), so that shards on several machines start together; at most 24 h ahead, at most 10 s in the past'
            cand --threads 'Worker threads, each with its own runtime (default: the CPUs this process may use)'
            cand -m 'HTTP method'
            cand --method 'HTTP method'
            cand -H 'Extra request header ''Name: value'' (repeatable)'
            cand --header 'Extra request header ''Name: value'' (repeatable)'
            cand --body 'Request body'
            cand --body-file 'Request body read from a file'
            cand --urls-file 'File of target URLs, one per line (''#'' comments): requests go round-robin over them'
            cand --targets 'vegeta-compatible targets file, each target with its own method, headers and body: ''METHOD URL'' + ''Name: value'' lines + optional ''@body-file'', blank lines between targets, or JSON lines {"method","url","header","body" (base64)}. Optional weight: ''# lbctl-weight: N'' or "weight": N. Checked whole before any traffic (a bad line is exit 2), then streamed round robin (bounded memory); -H adds to every target''s headers'
            cand --targets-format 'The --targets format (default: JSON lines when the file''s first non-blank character is ''{'', else the HTTP format)'
            cand --h2-streams 'HTTP/2 streams in flight per connection (h2load''s -m): each of the -c connections carries up to N requests at once, in both models (the open model still measures latency from each request''s intended send time). Needs --http2 or h2c:// targets'
            cand --cacert 'Trust the CA certificates in this PEM file instead of the system roots; a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)'
            cand --cert 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl''s --cert); needs --key'
            cand --key 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert'
            cand --export 'Write one line per measured request to FILE, streamed while the run goes on: .csv (with a header line) or .jsonl. Fields: intended_unix_us (when the plan meant to send it), sent_unix_us, latency_us (from the intended time), status (0: no response), bytes, error (the report''s category) and group (the --group-by value)'
            cand --timeout 'Give up on a request after this long (counted as a request timeout)'
            cand --connect-timeout 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)'
            cand --group-by 'Split counts and latency by the value of this response header (e.g. X-Backend)'
            cand --slo 'Service-level objective checked at the end, e.g. ''p99<250ms'', ''errors<0.1%'', ''rps>=900'' (repeatable; any failure exits 1). Grammar below'
            cand --percentiles 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)'
            cand --hdr-log 'Write an HdrHistogram interval log (one histogram per second) to this file'
            cand --per-second-max 'Keep at most N per-second entries in the JSON (`per_second`) and in memory: when the run would exceed N, adjacent entries are merged in pairs (histograms added) and their length doubles (2 s, 4 s, ...). The default keeps one hour at 1 s (about 5 MB of JSON at 2,000 req/s with latencies over 1-50 ms); a 24-hour run then has 2,700 entries of 32 s (about 12 MB, where every second kept would be 120 MB)'
            cand --max-send-lag 'Open model: the run is invalid (exit 4) when the generator''s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server''s doing)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --abort-on-slo 'Stop as soon as an --slo is certainly violated (an error budget already spent for the whole plan, a latency percentile already over its bound), checked once a second after --abort-grace; exit 1, and the report says when and why'
            cand --http2 'Use HTTP/2: ALPN h2 over TLS (a server that does not agree stops the run, exit 3), prior knowledge (h2c) over cleartext'
            cand --no-keepalive 'A new connection for every request (HTTP/1.1 `Connection: close`)'
            cand --insecure 'Accept any TLS certificate (self-signed test servers). Never for real measurements of a production service you do not own'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand merge 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
            cand report 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;load;merge'= {
            cand --expect 'Expect the shards 0..N-1 of one plan (`load --shard I/N`): exit 1, naming what is wrong, when a shard is missing or duplicated or the shards'' plans disagree'
            cand --slo 'Service-level objective evaluated on the merged result (repeatable)'
            cand --percentiles 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;load;report'= {
            cand -o 'The HTML file to write (''-'' for stdout)'
            cand --output 'The HTML file to write (''-'' for stdout)'
            cand --title 'The page''s title'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;load;help'= {
            cand merge 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
            cand report 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;load;help;merge'= {
        }
        &'lbctl;load;help;report'= {
        }
        &'lbctl;load;help;help'= {
        }
        &'lbctl;serve'= {
            cand -n 'Number of backends to start (ignored when --listen is given)'
            cand --count 'Number of backends to start (ignored when --listen is given)'
            cand -p 'First port; backend i listens on PORT+i. 0 picks a free port for each backend'
            cand --port 'First port; backend i listens on PORT+i. 0 picks a free port for each backend'
            cand --host 'Address to bind with --count/--port'
            cand -l 'Explicit listen address, one backend each (repeatable); overrides --count/--port'
            cand --listen 'Explicit listen address, one backend each (repeatable); overrides --count/--port'
            cand --name-prefix 'Name prefix: backends are called PREFIX1, PREFIX2, ...'
            cand --latency 'Added latency per request: a duration (20ms) or a uniform range (5ms..50ms)'
            cand --fail-rate 'Fraction of requests answered with 503 (0.0 to 1.0)'
            cand --reset-rate 'Fraction of requests whose connection is reset (TCP RST) instead of answered'
            cand --body-size 'Size of the normal response body (512, 1KiB, 2MiB); default a short line naming the backend'
            cand --backend-opts 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size, not-serving (true/false, gRPC only) (repeatable). Example: b2:latency=200ms,fail-rate=0.1'
            cand --threads 'Worker threads (default: one per CPU core)'
            cand -o 'Output format of the startup lines'
            cand --output 'Output format of the startup lines'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --tcp 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client''s half-close is answered by closing the write side after the echo'
            cand --grpc 'gRPC backends on h2c (HTTP/2 prior knowledge): grpc.health.v1 Health (Check, Watch) and lbctl.test.v1.Echo (Say names the backend; Stream sends `count` replies); .proto files in proto/. --latency delays each call, --fail-rate answers UNAVAILABLE (14), --reset-rate resets the stream; a grpc-timeout shorter than the latency gets DEADLINE_EXCEEDED (4). POST /admin/down and /admin/up (HTTP/2) flip the health status'
            cand --grpc-not-serving 'With --grpc: the health service starts NOT_SERVING (for "" and lbctl.test.v1.Echo); per backend: --backend-opts b2:not-serving=true'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;demo'= {
            cand -d 'Length of each load run'
            cand --duration 'Length of each load run'
            cand --compare 'The two proxy algorithms to compare, FIRST,SECOND'
            cand -c 'Concurrent connections of each load run'
            cand --connections 'Concurrent connections of each load run'
            cand -o 'Output format: a readable report, or one JSON document with every measured result'
            cand --output 'Output format: a readable report, or one JSON document with every measured result'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;sim'= {
            cand -a 'Algorithms to compare, comma separated; each run sees the same arrivals: round-robin (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys)'
            cand --algorithm 'Algorithms to compare, comma separated; each run sees the same arrivals: round-robin (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys)'
            cand -b 'Number of backends (named b1..bN)'
            cand --backends 'Number of backends (named b1..bN)'
            cand -s 'Service-time distribution of every backend (see below)'
            cand --service 'Service-time distribution of every backend (see below)'
            cand --concurrency 'Requests a backend serves at once; the rest wait in its FIFO queue. Default: unlimited'
            cand --fail 'Ratio of requests every backend answers with a 5xx (after its service time)'
            cand --reset 'Ratio of requests whose connection every backend resets (after its service time)'
            cand --backend 'Per-backend override, NAME:key=value[,key=value...] (repeatable): b3:service=fixed 50ms,weight=2,concurrency=8,fail=0.01,reset=0.001,slowstart=10s'
            cand --at 'An event in time, TIME:NAME:ACTION (repeatable): 30s:b3:latency*10, 60s:b2:down, 90s:b2:up'
            cand -r 'Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c)'
            cand --rate 'Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c)'
            cand -c 'Closed model (like `lbctl load -c`): N clients, each sending its next request as soon as its previous one is answered (after --think). Excludes --rate and rate stages'
            cand --connections 'Closed model (like `lbctl load -c`): N clients, each sending its next request as soon as its previous one is answered (after --think). Excludes --rate and rate stages'
            cand --think 'Closed model: each client waits this long between an answer and its next request'
            cand --overhead 'Time the path adds to every request outside the backends (client, loopback, proxy): added to client latency, and in the closed model waited by the client too. The balancer does not see it. `lbctl demo` measures it and passes it'
            cand --arrivals 'Arrival process of the open model [default: poisson]'
            cand --stage 'A stage, repeatable, like load''s: DURATION:RATE[..RATE] ramps the open model''s rate (30s:100/s..2000/s), DURATION:N[..N] the closed model''s clients (1m:10..200). The stages replace --rate, -c and --duration'
            cand -n 'Stop arriving after this many requests'
            cand --requests 'Stop arriving after this many requests'
            cand -d 'Stop arriving after this much virtual time (default 60s unless --requests is given)'
            cand --duration 'Stop arriving after this much virtual time (default 60s unless --requests is given)'
            cand --retries 'Retries on another backend after a 5xx, a reset or a refused connection (at most 7)'
            cand --max-fails 'Passive health: failures within --fail-timeout that mark a backend failed (0: off)'
            cand --fail-timeout 'Passive health window and penalty (nginx fail_timeout)'
            cand --slowstart 'Slow start for every backend: after coming back, its weight ramps from 10% over this'
            cand --keys 'Key distribution for hash algorithms and ip-hash: uniform or zipf:S, with /COUNT keys (default 10000): zipf:1.1/50000'
            cand --seed 'Seed of every random draw: the same seed gives the same run'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --html 'Also write a self-contained HTML report (inline SVG, no network) to this file'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --fail-on-5xx 'Treat a 5xx as a failure: passive health counts it and it is retried (the proxy''s --fail-on 500,502,503,504). Without it a 5xx goes to the client, as the proxy''s default'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;generate'= {
            cand --out-dir 'Directory that receives completions/ and man/ (the repository root to refresh them)'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand -q 'Print only results: no progress bars, no informational messages on stderr'
            cand --quiet 'Print only results: no progress bars, no informational messages on stderr'
            cand -v 'More detail on stderr (repeat for more)'
            cand --verbose 'More detail on stderr (repeat for more)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'lbctl;help'= {
            cand probe 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy'
            cand ring 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
            cand proxy 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
            cand load 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
            cand serve 'Start real test backends on loopback, with injectable latency and faults'
            cand demo 'Run backends, a proxy, load and probes together: a tour in one command'
            cand sim 'Simulate balancing algorithms side by side: latency, shares, queues, recovery'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;help;probe'= {
        }
        &'lbctl;help;ring'= {
            cand lookup 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line'
            cand stats 'Keys per server against the share each weight deserves; exact hash-space shares'
            cand diff 'What moves when the server list changes: moved keys vs the ideal, and the flows'
            cand compare 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory'
            cand tune 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep'
            cand show 'The structure itself: ring points, maglev table counts, jump/modulo buckets'
        }
        &'lbctl;help;ring;lookup'= {
        }
        &'lbctl;help;ring;stats'= {
        }
        &'lbctl;help;ring;diff'= {
        }
        &'lbctl;help;ring;compare'= {
        }
        &'lbctl;help;ring;tune'= {
        }
        &'lbctl;help;ring;show'= {
        }
        &'lbctl;help;proxy'= {
            cand explain 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped'
            cand ctl 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload'
            cand grafana 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache'
        }
        &'lbctl;help;proxy;explain'= {
        }
        &'lbctl;help;proxy;ctl'= {
            cand show 'Every backend: pool, admin state, health, weights, in flight, requests'
            cand cache 'The response cache (`--cache`)'
            cand drain 'No new requests (sticky clients move too); in-flight ones finish'
            cand ready 'Back to taking traffic (from drain or maint)'
            cand maint 'Maintenance: no traffic at all; health checks do not bring it back'
            cand weight 'Set the live weight (0 drains; 0-1000000)'
            cand add 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2'
            cand remove 'Remove a backend from a pool; what it serves finishes'
        }
        &'lbctl;help;proxy;ctl;show'= {
        }
        &'lbctl;help;proxy;ctl;cache'= {
            cand purge 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went'
        }
        &'lbctl;help;proxy;ctl;cache;purge'= {
        }
        &'lbctl;help;proxy;ctl;drain'= {
        }
        &'lbctl;help;proxy;ctl;ready'= {
        }
        &'lbctl;help;proxy;ctl;maint'= {
        }
        &'lbctl;help;proxy;ctl;weight'= {
        }
        &'lbctl;help;proxy;ctl;add'= {
        }
        &'lbctl;help;proxy;ctl;remove'= {
        }
        &'lbctl;help;proxy;grafana'= {
        }
        &'lbctl;help;load'= {
            cand merge 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
            cand report 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each'
        }
        &'lbctl;help;load;merge'= {
        }
        &'lbctl;help;load;report'= {
        }
        &'lbctl;help;serve'= {
        }
        &'lbctl;help;demo'= {
        }
        &'lbctl;help;sim'= {
        }
        &'lbctl;help;generate'= {
        }
        &'lbctl;help;help'= {
        }
    ]
    $completions[$command]
}
