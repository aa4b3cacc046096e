
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'lbctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'lbctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'lbctl' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy')
            [CompletionResult]::new('ring', 'ring', [CompletionResultType]::ParameterValue, 'Inspect consistent-hash rings: lookups, balance, what moves when servers change')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start real test backends on loopback, with injectable latency and faults')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run backends, a proxy, load and probes together: a tour in one command')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Simulate balancing algorithms side by side: latency, shares, queues, recovery')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;probe' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Read targets from a file, one per line, ''#'' comments, optional per-target assertions')
            [CompletionResult]::new('--targets-file', '--targets-file', [CompletionResultType]::ParameterName, 'Read targets from a file, one per line, ''#'' comments, optional per-target assertions')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'HTTP method (GET, HEAD, ...)')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method (GET, HEAD, ...)')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Host header (and TLS SNI) instead of the target''s host, e.g. to check one vhost on an IP')
            [CompletionResult]::new('--max-redirects', '--max-redirects', [CompletionResultType]::ParameterName, 'Redirects followed at most with --follow; one more fails the check')
            [CompletionResult]::new('--http-version', '--http-version', [CompletionResultType]::ParameterName, 'HTTP version: auto (HTTP/1.1; https: ALPN picks h2 or http/1.1), 1.1, or 2 (h2 by ALPN, h2c by prior knowledge on http://)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust only the CA certificates in this PEM file (instead of the system roots); a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl''s --cert); needs --key. Applies to https://, grpcs:// and wss:// targets')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert')
            [CompletionResult]::new('--send', '--send', [CompletionResultType]::ParameterName, 'tcp: send these bytes after connecting (escapes: \r \n \t \\ \0 \xNN)')
            [CompletionResult]::new('--ws-send', '--ws-send', [CompletionResultType]::ParameterName, 'ws/wss: send this text message after the upgrade; the first message received is then the answer (judge it with --expect ''ws.message ~ RE'')')
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'A field condition, ''FIELD OP VALUE'' (repeatable), e.g. ''body !~ error'' (the body must not match), ''body ~ RE'', ''header.NAME !~ RE'', ''status != 503'', ''tls == true'', ''tls.version >= 1.2'', ''cert.issuer ~ Let'', ''cert.days_left >= 14'', ''dns.rcode == NXDOMAIN'', ''dns.answer.count >= 1'', ''dns.answer ~ 10\.0\.0\.'' (some record matches), ''dns.answer.all ~ RE'' (every one), ''dns.answer !~ RE'' (none), ''dns.authoritative == true'', ''ws.message ~ pong'', ''ws.close_code == 1000'', ''icmp.loss <= 20'', ''icmp.rtt_ms < 50''. For a tcp:// target, any other text is the reply to wait for (same escapes as --send; one only)')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'Give up on one check after this long (reported as a timeout, with the phase)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on one check after this long (reported as a timeout, with the phase)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Request content, sent as given with its Content-Length (no Content-Type unless -H sets one). The method stays -X''s (GET by default; health endpoints that want a body usually want -X POST). Kept on 307/308 redirects, dropped when 301/302/303 turn it into a GET')
            [CompletionResult]::new('--body-file', '--body-file', [CompletionResultType]::ParameterName, 'Request content read from FILE, byte for byte (at most 16 MiB)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'A JSON request body (must parse), with Content-Type: application/json and Accept: application/json unless -H sets them')
            [CompletionResult]::new('--basic-auth-user', '--basic-auth-user', [CompletionResultType]::ParameterName, 'HTTP Basic auth user (RFC 7617); the password from --basic-auth-password-file or --basic-auth-password-env')
            [CompletionResult]::new('--basic-auth-password-file', '--basic-auth-password-file', [CompletionResultType]::ParameterName, 'File holding the Basic auth password (trailing newlines are not part of it; an empty file is an error)')
            [CompletionResult]::new('--basic-auth-password-env', '--basic-auth-password-env', [CompletionResultType]::ParameterName, 'Environment variable holding the Basic auth password')
            [CompletionResult]::new('--bearer-token-file', '--bearer-token-file', [CompletionResultType]::ParameterName, 'File holding a bearer token (RFC 6750; trailing newlines stripped), sent as ''Authorization: Bearer TOKEN'' to the target''s own origin only (not to another host, port or scheme a redirect points at)')
            [CompletionResult]::new('--bearer-token-env', '--bearer-token-env', [CompletionResultType]::ParameterName, 'Environment variable holding a bearer token')
            [CompletionResult]::new('--expect-status', '--expect-status', [CompletionResultType]::ParameterName, 'Accepted status codes (default 200-399, like Kubernetes), e.g. 200-299,301')
            [CompletionResult]::new('--expect-body', '--expect-body', [CompletionResultType]::ParameterName, 'The body must contain this text (repeatable)')
            [CompletionResult]::new('--expect-body-regex', '--expect-body-regex', [CompletionResultType]::ParameterName, 'The body must match this regular expression (repeatable)')
            [CompletionResult]::new('--expect-json', '--expect-json', [CompletionResultType]::ParameterName, 'A JSON condition on the body, e.g. ''.status == "UP"'', ''.count >= 3'', ''.ready exists'' (repeatable; all must hold)')
            [CompletionResult]::new('--expect-header', '--expect-header', [CompletionResultType]::ParameterName, 'A response header, ''Name: value'' (value contained, case-insensitive) or ''Name'' (present). Repeatable')
            [CompletionResult]::new('--max-latency', '--max-latency', [CompletionResultType]::ParameterName, 'The whole check (total time) must take at most this long')
            [CompletionResult]::new('--cert-min-days', '--cert-min-days', [CompletionResultType]::ParameterName, 'https: the earliest-expiring certificate must stay valid at least this many days')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Checks in flight at once')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Checks in flight at once')
            [CompletionResult]::new('--require', '--require', [CompletionResultType]::ParameterName, 'One shot: how many targets must pass: all, any, or a count')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'One shot: retry a failed check up to N times; a pass after a retry is reported ''flaky'' (it counts as passing for --require)')
            [CompletionResult]::new('--retry-delay', '--retry-delay', [CompletionResultType]::ParameterName, 'Pause between retries')
            [CompletionResult]::new('--until', '--until', [CompletionResultType]::ParameterName, 'Wait until the targets are healthy (--require holds with rise/fall), up to --deadline')
            [CompletionResult]::new('--deadline', '--deadline', [CompletionResultType]::ParameterName, '--until: give up (exit 1) after this long')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, '--watch/--until: time between checks of one target (HAProxy ''inter'')')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, '--watch/--until: time between checks of one target (HAProxy ''inter'')')
            [CompletionResult]::new('--fast-interval', '--fast-interval', [CompletionResultType]::ParameterName, 'Interval while a target is changing state (HAProxy ''fastinter''); default --interval')
            [CompletionResult]::new('--rise', '--rise', [CompletionResultType]::ParameterName, 'Consecutive passes that bring a target up (HAProxy ''rise'')')
            [CompletionResult]::new('--fall', '--fall', [CompletionResultType]::ParameterName, 'Consecutive failures that take a target down (HAProxy ''fall'')')
            [CompletionResult]::new('--on-transition', '--on-transition', [CompletionResultType]::ParameterName, '--watch: run this shell command (`sh -c`) on every state change, with LBCTL_TARGET, LBCTL_OLD_STATE, LBCTL_NEW_STATE (up/down), LBCTL_REASON, LBCTL_STATUS and LBCTL_TIME in its environment; its output goes to stderr. It never blocks probing: killed after --alert-timeout, at most 8 at once (more transitions meanwhile are skipped, and said so)')
            [CompletionResult]::new('--notify', '--notify', [CompletionResultType]::ParameterName, '--watch: POST every state change as JSON ({time, target, old_state, new_state, reason, status}) to URL; retried with backoff (1s, 2s, 4s) when it fails, then given up with a line on stderr; never blocks probing')
            [CompletionResult]::new('--alert-timeout', '--alert-timeout', [CompletionResultType]::ParameterName, 'How long one --on-transition command or --notify attempt may take')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, '--watch: stop after N checks of every target, then print the summary')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table, json (one document), jsonl (one line per target; with --watch, per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table, json (one document), jsonl (one line per target; with --watch, per check), prometheus (blackbox_exporter names), nagios (plugin line and exit codes)')
            [CompletionResult]::new('--warn-latency', '--warn-latency', [CompletionResultType]::ParameterName, 'nagios: WARNING when a check takes longer than this')
            [CompletionResult]::new('--crit-latency', '--crit-latency', [CompletionResultType]::ParameterName, 'nagios: CRITICAL when a check takes longer than this')
            [CompletionResult]::new('--warn-days', '--warn-days', [CompletionResultType]::ParameterName, 'nagios: WARNING when a certificate expires within this many days')
            [CompletionResult]::new('--crit-days', '--crit-days', [CompletionResultType]::ParameterName, 'nagios: CRITICAL when a certificate expires within this many days')
            [CompletionResult]::new('--exporter', '--exporter', [CompletionResultType]::ParameterName, 'Run as a blackbox_exporter-compatible server on ADDR: GET /probe?target=T&module=M[&debug=true][&hostname=H] probes T with module M and answers its metrics (probe_success, probe_duration_seconds, probe_http_*, probe_dns_*, probe_grpc_*, probe_ssl_*, probe_tls_*); /metrics is the exporter''s own; / lists the modules. --concurrency bounds probes in flight, --timeout is a module''s default timeout. POST /-/reload or SIGHUP rereads --modules. Stops on SIGINT/SIGTERM')
            [CompletionResult]::new('--modules', '--modules', [CompletionResultType]::ParameterName, 'Exporter modules from a TOML file ([modules.NAME] tables: prober = "http" | "tcp" | "dns" | "grpc" | "icmp", timeout, method, headers, body, valid_status_codes, expect = [conditions], tls options, query_name/query_type...; see the README). They add to, or replace, the built-in http_2xx, http_post_2xx, tcp_connect, dns, grpc, grpc_tls, icmp. Reread on POST /-/reload and SIGHUP; a bad file then keeps the modules in use')
            [CompletionResult]::new('--timeout-offset', '--timeout-offset', [CompletionResultType]::ParameterName, 'Subtracted from Prometheus'' X-Prometheus-Scrape-Timeout-Seconds to get a probe''s time budget (blackbox''s --timeout-offset), so the answer arrives before the scrape times out')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Follow redirects (at most --max-redirects); off by default, so a 301 is the answer')
            [CompletionResult]::new('-k', '-k', [CompletionResultType]::ParameterName, 'Accept any TLS certificate (expiry is still reported and checked by --cert-min-days)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate (expiry is still reported and checked by --cert-min-days)')
            [CompletionResult]::new('--cert-only', '--cert-only', [CompletionResultType]::ParameterName, 'https: check the TLS handshake and certificate only; send no HTTP request')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Check continuously with rise/fall semantics until Ctrl-C or --count rounds')
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Check continuously with rise/fall semantics until Ctrl-C or --count rounds')
            [CompletionResult]::new('--start-up', '--start-up', [CompletionResultType]::ParameterName, 'Targets start up (HAProxy starts them down, needing ''rise'' passes)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring' {
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Keys per server against the share each weight deserves; exact hash-space shares')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What moves when the server list changes: moved keys vs the ideal, and the flows')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The structure itself: ring points, maglev table counts, jump/modulo buckets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;ring;lookup' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--keys-file', '--keys-file', [CompletionResultType]::ParameterName, 'Read keys from a file, one per line ("-" = stdin)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate N keys from --key-pattern instead of reading any')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'Pattern of generated keys; `{i}` is replaced by the key number')
            [CompletionResult]::new('--distribution', '--distribution', [CompletionResultType]::ParameterName, 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for --distribution zipf (same seed, same keys)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Print N distinct servers per key in preference order (`KEY<TAB>S1<TAB>S2...`; JSON adds "replicas"). See `lbctl ring --help` for each algorithm''s rule')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;stats' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--keys-file', '--keys-file', [CompletionResultType]::ParameterName, 'Read keys from a file, one per line ("-" = stdin)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate N keys from --key-pattern instead of reading any')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'Pattern of generated keys; `{i}` is replaced by the key number')
            [CompletionResult]::new('--distribution', '--distribution', [CompletionResultType]::ParameterName, 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for --distribution zipf (same seed, same keys)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--counts', '--counts', [CompletionResultType]::ParameterName, 'Keys are `KEY,COUNT` lines (a hot-key histogram from logs; the count after the last comma): report request shares, peak-to-mean, and what bounded-load (--balance-factor) would spill off each key''s first choice')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;diff' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--keys-file', '--keys-file', [CompletionResultType]::ParameterName, 'Read keys from a file, one per line ("-" = stdin)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate N keys from --key-pattern instead of reading any')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'Pattern of generated keys; `{i}` is replaced by the key number')
            [CompletionResult]::new('--distribution', '--distribution', [CompletionResultType]::ParameterName, 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for --distribution zipf (same seed, same keys)')
            [CompletionResult]::new('--add', '--add', [CompletionResultType]::ParameterName, 'Add a server (repeatable), appended at the end of the list')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove the server with this name (repeatable)')
            [CompletionResult]::new('--reweight', '--reweight', [CompletionResultType]::ParameterName, 'Change a server''s weight, NAME=W (repeatable; 0 drains it)')
            [CompletionResult]::new('--to-servers-file', '--to-servers-file', [CompletionResultType]::ParameterName, 'Compare against this server list instead (one spec per line)')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Also compare N-server replica lists: moved replicas per position and keys whose replica set changed')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--list-moved', '--list-moved', [CompletionResultType]::ParameterName, 'Also print every moved key with its old and new server')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;compare' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--keys-file', '--keys-file', [CompletionResultType]::ParameterName, 'Read keys from a file, one per line ("-" = stdin)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate N keys from --key-pattern instead of reading any')
            [CompletionResult]::new('--key-pattern', '--key-pattern', [CompletionResultType]::ParameterName, 'Pattern of generated keys; `{i}` is replaced by the key number')
            [CompletionResult]::new('--distribution', '--distribution', [CompletionResultType]::ParameterName, 'Generated key numbers: `uniform` (0..N, each once) or `zipf:S` (N draws of ranks 1..N with Zipf exponent S > 0, e.g. zipf:1.1: a few hot keys)')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed for --distribution zipf (same seed, same keys)')
            [CompletionResult]::new('--add', '--add', [CompletionResultType]::ParameterName, 'Add a server (repeatable), appended at the end of the list')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Remove the server with this name (repeatable)')
            [CompletionResult]::new('--reweight', '--reweight', [CompletionResultType]::ParameterName, 'Change a server''s weight, NAME=W (repeatable; 0 drains it)')
            [CompletionResult]::new('--to-servers-file', '--to-servers-file', [CompletionResultType]::ParameterName, 'Compare against this server list instead (one spec per line)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;tune' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--target-std', '--target-std', [CompletionResultType]::ParameterName, 'Target balance: the standard deviation of the servers'' exact hash-space shares, as a percentage of what their weights deserve (e.g. 2%)')
            [CompletionResult]::new('--max-peak', '--max-peak', [CompletionResultType]::ParameterName, 'Also require the busiest server''s share / deserved share to be at most this (e.g. 1.05)')
            [CompletionResult]::new('--values', '--values', [CompletionResultType]::ParameterName, 'Settings to sweep, comma-separated (default: a doubling ladder for the algorithm)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;show' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'A server, [NAME=]HOST:PORT[,weight=N] (repeatable). NAME (default HOST:PORT) is hashed')
            [CompletionResult]::new('--servers-file', '--servers-file', [CompletionResultType]::ParameterName, 'File with one server spec per line (`#` comments, blank lines ignored)')
            [CompletionResult]::new('--servers', '--servers', [CompletionResultType]::ParameterName, 'N synthetic servers named 10.0.0.1:11211, 10.0.0.2:11211, ... (weight 1), for experiments')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithm (see `lbctl ring --help` for each one''s compatibility and default hash)')
            [CompletionResult]::new('--hash', '--hash', [CompletionResultType]::ParameterName, 'Key hash, where the algorithm lets you choose (ketama is md5, nginx is crc32). `none` reads keys as decimal u64 (jump only)')
            [CompletionResult]::new('--vnodes', '--vnodes', [CompletionResultType]::ParameterName, 'ring, bounded: points per server at equal weights (scaled by weight)')
            [CompletionResult]::new('--table-size', '--table-size', [CompletionResultType]::ParameterName, 'maglev: lookup table size; a prime at least the server count (ideally 100x it)')
            [CompletionResult]::new('--balance-factor', '--balance-factor', [CompletionResultType]::ParameterName, 'bounded: capacity factor c > 1; no server takes more than ceil(c * keys * w/sum_w)')
            [CompletionResult]::new('--min-ring-size', '--min-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `minimum_ring_size` (entries; the least-weighted host gets a whole number of them)')
            [CompletionResult]::new('--max-ring-size', '--max-ring-size', [CompletionResultType]::ParameterName, 'envoy-ring: Envoy''s `maximum_ring_size` (entries, at most 16000000)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Entries (points, slots, buckets) listed in the table; 0 lists them all. JSON lists all')
            [CompletionResult]::new('--replicas', '--replicas', [CompletionResultType]::ParameterName, 'Rings: also list the N-server replica list that starts at each point')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;ring;help' {
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Keys per server against the share each weight deserves; exact hash-space shares')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What moves when the server list changes: moved keys vs the ideal, and the flows')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The structure itself: ring points, maglev table counts, jump/modulo buckets')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;ring;help;lookup' {
            break
        }
        'lbctl;ring;help;stats' {
            break
        }
        'lbctl;ring;help;diff' {
            break
        }
        'lbctl;ring;help;compare' {
            break
        }
        'lbctl;ring;help;tune' {
            break
        }
        'lbctl;ring;help;show' {
            break
        }
        'lbctl;ring;help;help' {
            break
        }
        'lbctl;proxy' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Address to listen on (HTTP/1.1 and h2c). Port 0 picks a free port (printed on stdout)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto] (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it: HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend''s choice. HTTP/2 backends share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout); slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'A backend, [NAME=][https://]HOST:PORT[,weight=N][,backup][,maxconn=N][,slowstart=D][,tls][,h2c|,h2|,auto] (repeatable; https:// or ,tls: the backend speaks TLS). The HTTP version spoken to it: HTTP/1.1 by default; ,h2c HTTP/2 with prior knowledge (plain TCP); ,h2 HTTP/2 over TLS (ALPN h2); ,auto TLS with ALPN h2 or http/1.1, the backend''s choice. HTTP/2 backends share a few connections, many requests at once on each (gRPC needs ,h2c or ,h2). weight=0 drains it; backup ones take traffic only when no primary is healthy; maxconn=N caps its concurrent requests (the rest wait in a queue, see --queue-timeout); slowstart=D ramps its weight from 10% to 100% over D after it comes back from a failure')
            [CompletionResult]::new('--backends-file', '--backends-file', [CompletionResultType]::ParameterName, 'File with one backend spec per line (`#` comments), added to --backend')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Balancing algorithm. Default `weighted` (nginx''s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Balancing algorithm. Default `weighted` (nginx''s smooth weighted round robin): it is deterministic, honours weights and equals plain round robin when weights are equal, the same default as nginx and HAProxy')
            [CompletionResult]::new('--hash-key', '--hash-key', [CompletionResultType]::ParameterName, 'Key for --algorithm hash: header:NAME, cookie:NAME, path, query:NAME or ip')
            [CompletionResult]::new('--hash-algorithm', '--hash-algorithm', [CompletionResultType]::ParameterName, 'Hash ring or table for --algorithm hash (from balance::hash; `bounded` also weighs live in-flight load). Keys of a backend that is out are re-hashed onto others; every other key stays put')
            [CompletionResult]::new('--sticky', '--sticky', [CompletionResultType]::ParameterName, 'Sticky sessions: cookie:NAME inserts an HttpOnly cookie naming the chosen backend by an opaque id; later requests carrying it go to that backend while it is healthy')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Active health check: http:/PATH (2xx/3xx is up), tcp (connect is up), or grpc[:SERVICE] (grpc.health.v1 Check over h2c, over TLS with ALPN h2 for TLS backends; SERVING is up; SERVICE defaults to "", the whole server)')
            [CompletionResult]::new('--check-interval', '--check-interval', [CompletionResultType]::ParameterName, 'Time between active checks of a backend (HAProxy `inter`)')
            [CompletionResult]::new('--rise', '--rise', [CompletionResultType]::ParameterName, 'Consecutive successful checks that bring a down backend up (HAProxy `rise`)')
            [CompletionResult]::new('--fall', '--fall', [CompletionResultType]::ParameterName, 'Consecutive failed checks that take an up backend down (HAProxy `fall`)')
            [CompletionResult]::new('--check-timeout', '--check-timeout', [CompletionResultType]::ParameterName, 'Timeout of one active check (default: the check interval, as HAProxy''s `inter`)')
            [CompletionResult]::new('--max-fails', '--max-fails', [CompletionResultType]::ParameterName, 'Passive health: this many failures within --fail-timeout mark a backend failed for --fail-timeout (nginx `max_fails`; 0 disables passive marking)')
            [CompletionResult]::new('--fail-timeout', '--fail-timeout', [CompletionResultType]::ParameterName, 'Passive health window and penalty (nginx `fail_timeout`)')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Backend response statuses that count as failures for passive health (and are retried for idempotent requests), comma separated, e.g. 502,503,504. Default: none')
            [CompletionResult]::new('--fail-on-grpc', '--fail-on-grpc', [CompletionResultType]::ParameterName, 'gRPC statuses that count as failures for passive health, by number or name, comma separated, e.g. 14,4 or UNAVAILABLE,DEADLINE_EXCEEDED; read from the response head (trailers-only answers) and its trailers. Default: none (a gRPC error is the application''s answer, not the backend failing)')
            [CompletionResult]::new('--outlier', '--outlier', [CompletionResultType]::ParameterName, 'Outlier detection (Envoy''s): eject a backend after N consecutive 5xx or gateway errors, or when its success rate over an interval is below the pool''s mean by K standard deviations; at most a share of the pool at once, each repeat ejection longer. `on` for the defaults, or keys over them: consecutive=5, interval=10s, base-ejection=30s, max-ejection=300s, max-ejection-percent=10, success-rate-stdev=1.9 (0: off), min-hosts=5, min-requests=100. Beside --max-fails and the panic mode')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries on another backend: always after a connect failure; after a timeout or reset only for idempotent requests without a body (the body is streamed, never buffered)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Timeout to connect to a backend')
            [CompletionResult]::new('--header-timeout', '--header-timeout', [CompletionResultType]::ParameterName, 'Time a client has to send a complete request head (slowloris protection): from the accept for the first request, from its first byte for later ones; 408 when it expires')
            [CompletionResult]::new('--backend-timeout', '--backend-timeout', [CompletionResultType]::ParameterName, 'Time a backend has to start its response (status and headers) after the request')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close client connections with no traffic for this long (and pooled backend connections)')
            [CompletionResult]::new('--drain-timeout', '--drain-timeout', [CompletionResultType]::ParameterName, 'On SIGINT/SIGTERM: stop accepting, give in-flight requests this long, then exit')
            [CompletionResult]::new('--queue-timeout', '--queue-timeout', [CompletionResultType]::ParameterName, 'How long a request waits for a slot on a backend at its maxconn before a 503')
            [CompletionResult]::new('--max-header-size', '--max-header-size', [CompletionResultType]::ParameterName, 'Maximum size of a request head (431 beyond it); at least 8KiB')
            [CompletionResult]::new('--max-conns', '--max-conns', [CompletionResultType]::ParameterName, 'Maximum concurrent client connections on the listener (0 = unlimited); further clients wait in the kernel''s accept queue')
            [CompletionResult]::new('--pool-size', '--pool-size', [CompletionResultType]::ParameterName, 'Idle keep-alive connections kept per backend')
            [CompletionResult]::new('--header-up', '--header-up', [CompletionResultType]::ParameterName, 'Add or replace a request header sent to backends, ''NAME: VALUE'' (''-NAME'' removes it). Content-Length, Transfer-Encoding, Host and hop-by-hop headers (Connection, Upgrade, TE...) are refused (exit 2): the proxy writes framing from what it read')
            [CompletionResult]::new('--header-down', '--header-down', [CompletionResultType]::ParameterName, 'Add or replace a response header sent to clients, ''NAME: VALUE'' (''-NAME'' removes it). The same headers as for --header-up are refused')
            [CompletionResult]::new('--allow', '--allow', [CompletionResultType]::ParameterName, 'Only clients in these networks may connect (repeatable, CIDR or address); others get 403')
            [CompletionResult]::new('--deny', '--deny', [CompletionResultType]::ParameterName, 'Clients in these networks get 403 (repeatable; checked before --allow)')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Admin listener serving /metrics (Prometheus text), /stats (JSON) and the runtime API under /api/ (drain, maint, weight, add and remove backends; see `lbctl proxy ctl`). A non-loopback address needs --admin-token')
            [CompletionResult]::new('--admin-token', '--admin-token', [CompletionResultType]::ParameterName, 'Secret that runtime API writes must send as `Authorization: Bearer TOKEN` (reads stay open). Without one, writes are allowed only on a loopback --admin. Visible in `ps`: prefer --admin-token-file')
            [CompletionResult]::new('--admin-token-file', '--admin-token-file', [CompletionResultType]::ParameterName, 'File holding the --admin-token secret (surrounding whitespace ignored)')
            [CompletionResult]::new('--access-log', '--access-log', [CompletionResultType]::ParameterName, 'Access log on stderr: common (Common Log Format plus backend and time), json, or off. HTTP: one line per request; TCP mode: one per connection (bytes each way, how it ended)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads: 1 runs everything on one thread (like a single HAProxy thread); default one per CPU core')
            [CompletionResult]::new('--resolve-interval', '--resolve-interval', [CompletionResultType]::ParameterName, 'Re-resolve backends given by host name every DURATION (HAProxy resolvers `hold valid`, Caddy dynamic upstreams `refresh`): each A/AAAA address becomes a member NAME#ADDR:PORT, added and removed at run time (a removed member drains: in-flight requests finish). A failed lookup keeps the last good set. Off by default: names are resolved once at start. `srv:_http._tcp.NAME` as a backend''s host takes members, ports and weights from SRV records (RFC 2782), at start-up and on each re-resolution')
            [CompletionResult]::new('--resolver', '--resolver', [CompletionResultType]::ParameterName, 'The DNS server for backend names (start-up and --resolve-interval): ADDR or ADDR:PORT (port 53 by default). Default: the system''s, from /etc/resolv.conf')
            [CompletionResult]::new('--check-port', '--check-port', [CompletionResultType]::ParameterName, 'Run active checks against this port of each backend''s host instead of its own port (HAProxy `port`): e.g. a TCP service with an HTTP health endpoint on a side port')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Data path: `http` (L7, the default) or `tcp` (L4: bytes are copied both ways between the client and one backend per connection, with half-close; see the README''s TCP section)')
            [CompletionResult]::new('--pool', '--pool', [CompletionResultType]::ParameterName, 'A named pool on the command line, ''NAME=SPEC [SPEC ...]'' (specs separated by spaces; repeatable), for --sni routes (TCP mode) or the --canary and --mirror pools (HTTP mode) without a config file. --backend fills the pool `default`')
            [CompletionResult]::new('--rate-limit', '--rate-limit', [CompletionResultType]::ParameterName, 'Rate limit per client on this listener, nginx `limit_req`''s leaky bucket: RATE[,burst=N][,nodelay=true|false][,key=ip|header:NAME|cookie:NAME][,max-keys=N], e.g. 100/s,burst=50. Requests above RATE+burst get 429 with Retry-After (gRPC calls RESOURCE_EXHAUSTED); with nodelay=false the excess within the burst is delayed to the rate instead of served at once. Requests without the key are not limited. Memory is bounded: at most max-keys keys (default 100000, about 40 bytes each) are remembered, the least recently used forgotten first. Config routes take `rate_limit = "..."` too')
            [CompletionResult]::new('--canary', '--canary', [CompletionResultType]::ParameterName, 'Canary split of the default pool (ingress-nginx canary annotations): POOL:WEIGHT[,header=NAME][,header_value=V][,cookie=NAME][,key=ip|header:NAME|cookie:NAME] sends WEIGHT percent of clients to POOL (a --pool), sticky per key (client address by default). Header `always`/`never` (or the header_value), then cookie `always`/`never`, override the weight. In a config file: `canary = {...}` on a route')
            [CompletionResult]::new('--mirror', '--mirror', [CompletionResultType]::ParameterName, 'Mirror a share of the default pool''s requests to POOL (a --pool), nginx `mirror` with Envoy''s fraction: POOL:FRACTION[,max_in_flight=N] (FRACTION 0 to 1; default max_in_flight 64, beyond it copies are dropped and counted). The copy''s response is discarded; the client never waits for it. A request body is copied when its length is known and at most 64KiB (it is then read whole first); larger ones are not mirrored. In a config file: `mirror = {...}` on a route')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'In-memory response cache of SIZE (e.g. 64MiB; 0 = off), nginx `proxy_cache`: GET (and HEAD, answered from the GET''s entry) responses 200, 301 and 404 are stored as their Cache-Control allows (s-maxage, max-age, Expires; never no-store, private, no-cache, Set-Cookie, `Vary: *`), keyed by host, target, pool and the Vary''d headers; the least recently used go first. Answers carry `X-Cache: HIT|MISS|EXPIRED|BYPASS` and Age; concurrent misses for a key wait for one backend request (nginx `proxy_cache_lock`, at most 5s). One store for the process. Without --config it caches the default pool; with one, routes opt in (`cache = true`)')
            [CompletionResult]::new('--cache-ttl', '--cache-ttl', [CompletionResultType]::ParameterName, 'How long a cached response stays fresh when it gives no max-age, s-maxage or Expires (nginx `proxy_cache_valid`; never overrides no-store or private). Without it such responses are not stored. A route''s `cache = { ttl = "1h" }` wins')
            [CompletionResult]::new('--cache-max-object', '--cache-max-object', [CompletionResultType]::ParameterName, 'Largest response body the cache stores (default 1MiB, at most an eighth of --cache); a larger response is relayed, not stored')
            [CompletionResult]::new('--compress', '--compress', [CompletionResultType]::ParameterName, 'Compress answers (nginx `gzip on`, HAProxy `compression algo`, Caddy `encode`) with the best coding the client''s Accept-Encoding allows (q-values honoured; ties go to this list''s order). Alone it means zstd,br,gzip at levels 3, 4 and 2 (gzip 2 here compresses about as nginx''s default gzip_comp_level 1); or list them, each NAME[:LEVEL]: e.g. --compress gzip:6 or --compress zstd,br,gzip:6 (levels: gzip 1-9, br 0-11, zstd 1-19). Only listed types (--compress-types) of at least --compress-min-size bytes; never ranges, 204/304, already encoded answers, Cache-Control: no-transform, gRPC or upgrades. Streamed: each piece of the body is sent as the backend makes it. In a config file: `compress = true` or `compress = { algorithms = [...], types = [...], min_size = N }` on a listener or route. Right before a subcommand (`explain`), write `--compress on`')
            [CompletionResult]::new('--compress-types', '--compress-types', [CompletionResultType]::ParameterName, 'Media types --compress compresses, comma-separated, parameters ignored; `text/*` and `*` are wildcards. Default: text/html,text/css,text/plain,application/javascript, application/json,text/xml')
            [CompletionResult]::new('--compress-min-size', '--compress-min-size', [CompletionResultType]::ParameterName, 'Smallest body --compress compresses (default 256 bytes); an answer of unknown length (chunked) is compressed, as nginx does')
            [CompletionResult]::new('--redirect-https', '--redirect-https', [CompletionResultType]::ParameterName, 'Answer every request with a redirect to the same URL on https (HAProxy `http-request redirect scheme https`, nginx `return 301 https://$host$request_uri`): host kept (its port dropped; PORT added when it is not 443, the default), path and query kept. 308 by default (every method keeps its method and body). For a plain listener; in a config file: `redirect_https = true` or `{ port = 8443, code = 301 }` on a listener or route')
            [CompletionResult]::new('--redirect-code', '--redirect-code', [CompletionResultType]::ParameterName, 'Status of --redirect-https for GET and HEAD: 301, 302, 307 or 308 (default). Other methods get 308 for 301 and 307 for 302, which keep their method and body')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'TCP mode: route TLS connections on the ClientHello''s server name without terminating, ''NAME=POOL'' (NAME exact, `*.suffix`, or `*` for any other name; repeatable). Exact names win over wildcards, longer suffixes over shorter ones')
            [CompletionResult]::new('--sni-fallback', '--sni-fallback', [CompletionResultType]::ParameterName, 'TCP mode with --sni: what to do with a connection whose first bytes are not a TLS ClientHello (or that names no route): send it to the default pool, or close it')
            [CompletionResult]::new('--send-proxy', '--send-proxy', [CompletionResultType]::ParameterName, 'TCP mode: send a PROXY protocol header (v1 text or v2 binary) to backends so they see the real client address')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Terminate TLS on the listener with this certificate chain (PEM, leaf first); needs --tls-key. ALPN offers h2 and http/1.1; backends see X-Forwarded-Proto: https. SIGHUP re-reads the certificate and key (a bad file keeps the running certificate)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert')
            [CompletionResult]::new('--upstream-cacert', '--upstream-cacert', [CompletionResultType]::ParameterName, 'Verify TLS backends (https:// or ,tls) against the CAs in this PEM file instead of the system''s roots')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Format of the startup lines on stdout (and of `explain`)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Format of the startup lines on stdout (and of `explain`)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--change-host', '--change-host', [CompletionResultType]::ParameterName, 'Send the backend''s HOST:PORT as Host instead of the client''s Host')
            [CompletionResult]::new('--dashboard', '--dashboard', [CompletionResultType]::ParameterName, 'On a terminal, show a live per-backend table on stderr refreshed every second (req/s, share vs weight, p50/p99, in-flight, errors, health; in TCP mode connections/s, share, open connections, KiB/s each way, connect errors, health)')
            [CompletionResult]::new('--accept-proxy', '--accept-proxy', [CompletionResultType]::ParameterName, 'TCP mode: clients (a proxy in front) start with a PROXY v1 or v2 header; the address in it is the client''s. A missing or malformed header closes the connection (logged)')
            [CompletionResult]::new('--tls-self-signed', '--tls-self-signed', [CompletionResultType]::ParameterName, 'Terminate TLS with a certificate made at startup for the listener''s address and `localhost`; its SHA-256 fingerprint is printed on stdout so clients can pin it')
            [CompletionResult]::new('--insecure-upstream', '--insecure-upstream', [CompletionResultType]::ParameterName, 'Do not verify TLS backends'' certificates (traffic is still encrypted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped')
            [CompletionResult]::new('ctl', 'ctl', [CompletionResultType]::ParameterValue, 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload')
            [CompletionResult]::new('grafana', 'grafana', [CompletionResultType]::ParameterValue, 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;explain' {
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Client address the request comes from (for ip-hash, --hash-key ip and the ACL)')
            [CompletionResult]::new('--listener', '--listener', [CompletionResultType]::ParameterName, 'Which listener''s routes to use (0-based, in file order)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl' {
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'The proxy''s admin listener, HOST:PORT (as printed on its `admin http://...` line)')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'The proxy''s --admin-token, sent as `Authorization: Bearer TOKEN` on writes')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'File holding the token (surrounding whitespace ignored)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Human table and lines (text) or the API''s JSON documents (json)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Human table and lines (text) or the API''s JSON documents (json)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Every backend: pool, admin state, health, weights, in flight, requests')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The response cache (`--cache`)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'No new requests (sticky clients move too); in-flight ones finish')
            [CompletionResult]::new('ready', 'ready', [CompletionResultType]::ParameterValue, 'Back to taking traffic (from drain or maint)')
            [CompletionResult]::new('maint', 'maint', [CompletionResultType]::ParameterValue, 'Maintenance: no traffic at all; health checks do not bring it back')
            [CompletionResult]::new('weight', 'weight', [CompletionResultType]::ParameterValue, 'Set the live weight (0 drains; 0-1000000)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a backend from a pool; what it serves finishes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;ctl;show' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;cache' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;ctl;cache;purge' {
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Only entries of this host (as the Host header gave it)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--exact', '--exact', [CompletionResultType]::ParameterName, 'PREFIX is a whole path and query: only that URL')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;cache;help' {
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;ctl;cache;help;purge' {
            break
        }
        'lbctl;proxy;ctl;cache;help;help' {
            break
        }
        'lbctl;proxy;ctl;drain' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;ready' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;maint' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;weight' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;add' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;remove' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;ctl;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Every backend: pool, admin state, health, weights, in flight, requests')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The response cache (`--cache`)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'No new requests (sticky clients move too); in-flight ones finish')
            [CompletionResult]::new('ready', 'ready', [CompletionResultType]::ParameterValue, 'Back to taking traffic (from drain or maint)')
            [CompletionResult]::new('maint', 'maint', [CompletionResultType]::ParameterValue, 'Maintenance: no traffic at all; health checks do not bring it back')
            [CompletionResult]::new('weight', 'weight', [CompletionResultType]::ParameterValue, 'Set the live weight (0 drains; 0-1000000)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a backend from a pool; what it serves finishes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;ctl;help;show' {
            break
        }
        'lbctl;proxy;ctl;help;cache' {
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went')
            break
        }
        'lbctl;proxy;ctl;help;cache;purge' {
            break
        }
        'lbctl;proxy;ctl;help;drain' {
            break
        }
        'lbctl;proxy;ctl;help;ready' {
            break
        }
        'lbctl;proxy;ctl;help;maint' {
            break
        }
        'lbctl;proxy;ctl;help;weight' {
            break
        }
        'lbctl;proxy;ctl;help;add' {
            break
        }
        'lbctl;proxy;ctl;help;remove' {
            break
        }
        'lbctl;proxy;ctl;help;help' {
            break
        }
        'lbctl;proxy;grafana' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Config file (TOML) with several listeners, pools and routing rules (see the README); replaces --listen/--backend/--algorithm/--sticky/--check/--hash-*. Tuning flags (timeouts, retries, limits, headers, ACL) still apply')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;proxy;help' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped')
            [CompletionResult]::new('ctl', 'ctl', [CompletionResultType]::ParameterValue, 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload')
            [CompletionResult]::new('grafana', 'grafana', [CompletionResultType]::ParameterValue, 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;proxy;help;explain' {
            break
        }
        'lbctl;proxy;help;ctl' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Every backend: pool, admin state, health, weights, in flight, requests')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The response cache (`--cache`)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'No new requests (sticky clients move too); in-flight ones finish')
            [CompletionResult]::new('ready', 'ready', [CompletionResultType]::ParameterValue, 'Back to taking traffic (from drain or maint)')
            [CompletionResult]::new('maint', 'maint', [CompletionResultType]::ParameterValue, 'Maintenance: no traffic at all; health checks do not bring it back')
            [CompletionResult]::new('weight', 'weight', [CompletionResultType]::ParameterValue, 'Set the live weight (0 drains; 0-1000000)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a backend from a pool; what it serves finishes')
            break
        }
        'lbctl;proxy;help;ctl;show' {
            break
        }
        'lbctl;proxy;help;ctl;cache' {
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went')
            break
        }
        'lbctl;proxy;help;ctl;cache;purge' {
            break
        }
        'lbctl;proxy;help;ctl;drain' {
            break
        }
        'lbctl;proxy;help;ctl;ready' {
            break
        }
        'lbctl;proxy;help;ctl;maint' {
            break
        }
        'lbctl;proxy;help;ctl;weight' {
            break
        }
        'lbctl;proxy;help;ctl;add' {
            break
        }
        'lbctl;proxy;help;ctl;remove' {
            break
        }
        'lbctl;proxy;help;grafana' {
            break
        }
        'lbctl;proxy;help;help' {
            break
        }
        'lbctl;load' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent connections (each carries one request at a time)')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Concurrent connections (each carries one request at a time)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of requests to send (after --warmup); with -d, whichever ends first')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Number of requests to send (after --warmup); with -d, whichever ends first')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Open model: when a request is due and all connections are busy, open another one, up to N in all (default: -c, a fixed pool). Keeps the offered rate while a server slows')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Send traffic for this long first without recording it (warms caches and connections)')
            [CompletionResult]::new('--stage', '--stage', [CompletionResultType]::ParameterName, 'A stage of a ramping plan, repeatable, run in order (k6''s ramping executors): DURATION:RATE[..RATE] ramps the open model''s rate linearly (30s:100/s, 2m:100/s..2000/s, 30s:0/s pauses), DURATION:N[..N] ramps the closed model''s active connections (1m:10..200). The stages set the run''s length (no -d/-n); the report has a row per stage')
            [CompletionResult]::new('--abort-grace', '--abort-grace', [CompletionResultType]::ParameterName, 'How long --abort-on-slo waits before it may stop the run')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Run shard INDEX of COUNT of this plan: a deterministic 1/COUNT of the rate (every COUNT-th request of the schedule), of -n, of the connections (at least 1), of the stages and of a --targets file (target k of the file goes to shard k mod COUNT, weights kept), so that the shards add up to the plan exactly; merge with `load merge --expect`')
            [CompletionResult]::new('--shards', '--shards', [CompletionResultType]::ParameterName, 'Run one of COUNT shards, its index from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)')
            [CompletionResult]::new('--start-at', '--start-at', [CompletionResultType]::ParameterName, 'Wait until this time before starting (RFC 3339 or unix seconds), so that shards on several machines start together; at most 24 h ahead, at most 10 s in the past')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads, each with its own runtime (default: the CPUs this process may use)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Request body')
            [CompletionResult]::new('--body-file', '--body-file', [CompletionResultType]::ParameterName, 'Request body read from a file')
            [CompletionResult]::new('--urls-file', '--urls-file', [CompletionResultType]::ParameterName, 'File of target URLs, one per line (''#'' comments): requests go round-robin over them')
            [CompletionResult]::new('--targets', '--targets', [CompletionResultType]::ParameterName, 'vegeta-compatible targets file, each target with its own method, headers and body: ''METHOD URL'' + ''Name: value'' lines + optional ''@body-file'', blank lines between targets, or JSON lines {"method","url","header","body" (base64)}. Optional weight: ''# lbctl-weight: N'' or "weight": N. Checked whole before any traffic (a bad line is exit 2), then streamed round robin (bounded memory); -H adds to every target''s headers')
            [CompletionResult]::new('--targets-format', '--targets-format', [CompletionResultType]::ParameterName, 'The --targets format (default: JSON lines when the file''s first non-blank character is ''{'', else the HTTP format)')
            [CompletionResult]::new('--h2-streams', '--h2-streams', [CompletionResultType]::ParameterName, 'HTTP/2 streams in flight per connection (h2load''s -m): each of the -c connections carries up to N requests at once, in both models (the open model still measures latency from each request''s intended send time). Needs --http2 or h2c:// targets')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file instead of the system roots; a server certificate that is itself in the file is trusted as it is, as curl does (even a CA:TRUE one from `openssl req -x509`)')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate chain (PEM, leaf first) shown to servers that ask for one (mutual TLS, curl''s --cert); needs --key')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Private key (PEM: PKCS#8, PKCS#1 or SEC1) of --cert')
            [CompletionResult]::new('--export', '--export', [CompletionResultType]::ParameterName, 'Write one line per measured request to FILE, streamed while the run goes on: .csv (with a header line) or .jsonl. Fields: intended_unix_us (when the plan meant to send it), sent_unix_us, latency_us (from the intended time), status (0: no response), bytes, error (the report''s category) and group (the --group-by value)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after this long (counted as a request timeout)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)')
            [CompletionResult]::new('--group-by', '--group-by', [CompletionResultType]::ParameterName, 'Split counts and latency by the value of this response header (e.g. X-Backend)')
            [CompletionResult]::new('--slo', '--slo', [CompletionResultType]::ParameterName, 'Service-level objective checked at the end, e.g. ''p99<250ms'', ''errors<0.1%'', ''rps>=900'' (repeatable; any failure exits 1). Grammar below')
            [CompletionResult]::new('--percentiles', '--percentiles', [CompletionResultType]::ParameterName, 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)')
            [CompletionResult]::new('--hdr-log', '--hdr-log', [CompletionResultType]::ParameterName, 'Write an HdrHistogram interval log (one histogram per second) to this file')
            [CompletionResult]::new('--per-second-max', '--per-second-max', [CompletionResultType]::ParameterName, 'Keep at most N per-second entries in the JSON (`per_second`) and in memory: when the run would exceed N, adjacent entries are merged in pairs (histograms added) and their length doubles (2 s, 4 s, ...). The default keeps one hour at 1 s (about 5 MB of JSON at 2,000 req/s with latencies over 1-50 ms); a 24-hour run then has 2,700 entries of 32 s (about 12 MB, where every second kept would be 120 MB)')
            [CompletionResult]::new('--max-send-lag', '--max-send-lag', [CompletionResultType]::ParameterName, 'Open model: the run is invalid (exit 4) when the generator''s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server''s doing)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--abort-on-slo', '--abort-on-slo', [CompletionResultType]::ParameterName, 'Stop as soon as an --slo is certainly violated (an error budget already spent for the whole plan, a latency percentile already over its bound), checked once a second after --abort-grace; exit 1, and the report says when and why')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'Use HTTP/2: ALPN h2 over TLS (a server that does not agree stops the run, exit 3), prior knowledge (h2c) over cleartext')
            [CompletionResult]::new('--no-keepalive', '--no-keepalive', [CompletionResultType]::ParameterName, 'A new connection for every request (HTTP/1.1 `Connection: close`)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Accept any TLS certificate (self-signed test servers). Never for real measurements of a production service you do not own')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;load;merge' {
            [CompletionResult]::new('--expect', '--expect', [CompletionResultType]::ParameterName, 'Expect the shards 0..N-1 of one plan (`load --shard I/N`): exit 1, naming what is wrong, when a shard is missing or duplicated or the shards'' plans disagree')
            [CompletionResult]::new('--slo', '--slo', [CompletionResultType]::ParameterName, 'Service-level objective evaluated on the merged result (repeatable)')
            [CompletionResult]::new('--percentiles', '--percentiles', [CompletionResultType]::ParameterName, 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;load;report' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'The HTML file to write (''-'' for stdout)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'The HTML file to write (''-'' for stdout)')
            [CompletionResult]::new('--title', '--title', [CompletionResultType]::ParameterName, 'The page''s title')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;load;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;load;help;merge' {
            break
        }
        'lbctl;load;help;report' {
            break
        }
        'lbctl;load;help;help' {
            break
        }
        'lbctl;serve' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of backends to start (ignored when --listen is given)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Number of backends to start (ignored when --listen is given)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'First port; backend i listens on PORT+i. 0 picks a free port for each backend')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'First port; backend i listens on PORT+i. 0 picks a free port for each backend')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to bind with --count/--port')
            [CompletionResult]::new('-l', '-l', [CompletionResultType]::ParameterName, 'Explicit listen address, one backend each (repeatable); overrides --count/--port')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Explicit listen address, one backend each (repeatable); overrides --count/--port')
            [CompletionResult]::new('--name-prefix', '--name-prefix', [CompletionResultType]::ParameterName, 'Name prefix: backends are called PREFIX1, PREFIX2, ...')
            [CompletionResult]::new('--latency', '--latency', [CompletionResultType]::ParameterName, 'Added latency per request: a duration (20ms) or a uniform range (5ms..50ms)')
            [CompletionResult]::new('--fail-rate', '--fail-rate', [CompletionResultType]::ParameterName, 'Fraction of requests answered with 503 (0.0 to 1.0)')
            [CompletionResult]::new('--reset-rate', '--reset-rate', [CompletionResultType]::ParameterName, 'Fraction of requests whose connection is reset (TCP RST) instead of answered')
            [CompletionResult]::new('--body-size', '--body-size', [CompletionResultType]::ParameterName, 'Size of the normal response body (512, 1KiB, 2MiB); default a short line naming the backend')
            [CompletionResult]::new('--backend-opts', '--backend-opts', [CompletionResultType]::ParameterName, 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size, not-serving (true/false, gRPC only) (repeatable). Example: b2:latency=200ms,fail-rate=0.1')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: one per CPU core)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the startup lines')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the startup lines')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client''s half-close is answered by closing the write side after the echo')
            [CompletionResult]::new('--grpc', '--grpc', [CompletionResultType]::ParameterName, 'gRPC backends on h2c (HTTP/2 prior knowledge): grpc.health.v1 Health (Check, Watch) and lbctl.test.v1.Echo (Say names the backend; Stream sends `count` replies); .proto files in proto/. --latency delays each call, --fail-rate answers UNAVAILABLE (14), --reset-rate resets the stream; a grpc-timeout shorter than the latency gets DEADLINE_EXCEEDED (4). POST /admin/down and /admin/up (HTTP/2) flip the health status')
            [CompletionResult]::new('--grpc-not-serving', '--grpc-not-serving', [CompletionResultType]::ParameterName, 'With --grpc: the health service starts NOT_SERVING (for "" and lbctl.test.v1.Echo); per backend: --backend-opts b2:not-serving=true')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;demo' {
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Length of each load run')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Length of each load run')
            [CompletionResult]::new('--compare', '--compare', [CompletionResultType]::ParameterName, 'The two proxy algorithms to compare, FIRST,SECOND')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent connections of each load run')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Concurrent connections of each load run')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: a readable report, or one JSON document with every measured result')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: a readable report, or one JSON document with every measured result')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;sim' {
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Algorithms to compare, comma separated; each run sees the same arrivals: round-robin (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys)')
            [CompletionResult]::new('--algorithm', '--algorithm', [CompletionResultType]::ParameterName, 'Algorithms to compare, comma separated; each run sees the same arrivals: round-robin (rr), weighted, least-conn, weighted-least-conn, random, p2c, ewma, ip-hash, or a hash (ketama, nginx, ring, jump, rendezvous, maglev, bounded, modulo; keys from --keys)')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Number of backends (named b1..bN)')
            [CompletionResult]::new('--backends', '--backends', [CompletionResultType]::ParameterName, 'Number of backends (named b1..bN)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Service-time distribution of every backend (see below)')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'Service-time distribution of every backend (see below)')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Requests a backend serves at once; the rest wait in its FIFO queue. Default: unlimited')
            [CompletionResult]::new('--fail', '--fail', [CompletionResultType]::ParameterName, 'Ratio of requests every backend answers with a 5xx (after its service time)')
            [CompletionResult]::new('--reset', '--reset', [CompletionResultType]::ParameterName, 'Ratio of requests whose connection every backend resets (after its service time)')
            [CompletionResult]::new('--backend', '--backend', [CompletionResultType]::ParameterName, 'Per-backend override, NAME:key=value[,key=value...] (repeatable): b3:service=fixed 50ms,weight=2,concurrency=8,fail=0.01,reset=0.001,slowstart=10s')
            [CompletionResult]::new('--at', '--at', [CompletionResultType]::ParameterName, 'An event in time, TIME:NAME:ACTION (repeatable): 30s:b3:latency*10, 60s:b2:down, 90s:b2:up')
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c)')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Arrival rate (open model; the default model, at 1000/s when neither --rate nor -c)')
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Closed model (like `lbctl load -c`): N clients, each sending its next request as soon as its previous one is answered (after --think). Excludes --rate and rate stages')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Closed model (like `lbctl load -c`): N clients, each sending its next request as soon as its previous one is answered (after --think). Excludes --rate and rate stages')
            [CompletionResult]::new('--think', '--think', [CompletionResultType]::ParameterName, 'Closed model: each client waits this long between an answer and its next request')
            [CompletionResult]::new('--overhead', '--overhead', [CompletionResultType]::ParameterName, 'Time the path adds to every request outside the backends (client, loopback, proxy): added to client latency, and in the closed model waited by the client too. The balancer does not see it. `lbctl demo` measures it and passes it')
            [CompletionResult]::new('--arrivals', '--arrivals', [CompletionResultType]::ParameterName, 'Arrival process of the open model [default: poisson]')
            [CompletionResult]::new('--stage', '--stage', [CompletionResultType]::ParameterName, 'A stage, repeatable, like load''s: DURATION:RATE[..RATE] ramps the open model''s rate (30s:100/s..2000/s), DURATION:N[..N] the closed model''s clients (1m:10..200). The stages replace --rate, -c and --duration')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop arriving after this many requests')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Stop arriving after this many requests')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Stop arriving after this much virtual time (default 60s unless --requests is given)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop arriving after this much virtual time (default 60s unless --requests is given)')
            [CompletionResult]::new('--retries', '--retries', [CompletionResultType]::ParameterName, 'Retries on another backend after a 5xx, a reset or a refused connection (at most 7)')
            [CompletionResult]::new('--max-fails', '--max-fails', [CompletionResultType]::ParameterName, 'Passive health: failures within --fail-timeout that mark a backend failed (0: off)')
            [CompletionResult]::new('--fail-timeout', '--fail-timeout', [CompletionResultType]::ParameterName, 'Passive health window and penalty (nginx fail_timeout)')
            [CompletionResult]::new('--slowstart', '--slowstart', [CompletionResultType]::ParameterName, 'Slow start for every backend: after coming back, its weight ramps from 10% over this')
            [CompletionResult]::new('--keys', '--keys', [CompletionResultType]::ParameterName, 'Key distribution for hash algorithms and ip-hash: uniform or zipf:S, with /COUNT keys (default 10000): zipf:1.1/50000')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'Seed of every random draw: the same seed gives the same run')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Also write a self-contained HTML report (inline SVG, no network) to this file')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--fail-on-5xx', '--fail-on-5xx', [CompletionResultType]::ParameterName, 'Treat a 5xx as a failure: passive health counts it and it is retried (the proxy''s --fail-on 500,502,503,504). Without it a 5xx goes to the client, as the proxy''s default')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;generate' {
            [CompletionResult]::new('--out-dir', '--out-dir', [CompletionResultType]::ParameterName, 'Directory that receives completions/ and man/ (the repository root to refresh them)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only results: no progress bars, no informational messages on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (repeat for more)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'lbctl;help' {
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Health-check TCP/HTTP/TLS/gRPC/DNS targets once, in a watch loop, or until healthy')
            [CompletionResult]::new('ring', 'ring', [CompletionResultType]::ParameterValue, 'Inspect consistent-hash rings: lookups, balance, what moves when servers change')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start real test backends on loopback, with injectable latency and faults')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run backends, a proxy, load and probes together: a tour in one command')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Simulate balancing algorithms side by side: latency, shares, queues, recovery')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;help;probe' {
            break
        }
        'lbctl;help;ring' {
            [CompletionResult]::new('lookup', 'lookup', [CompletionResultType]::ParameterValue, 'Print the server of each key, streamed: `KEY<TAB>SERVER` per line')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Keys per server against the share each weight deserves; exact hash-space shares')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What moves when the server list changes: moved keys vs the ideal, and the flows')
            [CompletionResult]::new('compare', 'compare', [CompletionResultType]::ParameterValue, 'Every algorithm on the same servers, keys and change: balance, churn, speed, memory')
            [CompletionResult]::new('tune', 'tune', [CompletionResultType]::ParameterValue, 'Sweep --vnodes (or the maglev table size, or Envoy''s minimum ring size) and recommend the smallest setting whose load shares meet --target-std, with the whole sweep')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'The structure itself: ring points, maglev table counts, jump/modulo buckets')
            break
        }
        'lbctl;help;ring;lookup' {
            break
        }
        'lbctl;help;ring;stats' {
            break
        }
        'lbctl;help;ring;diff' {
            break
        }
        'lbctl;help;ring;compare' {
            break
        }
        'lbctl;help;ring;tune' {
            break
        }
        'lbctl;help;ring;show' {
            break
        }
        'lbctl;help;proxy' {
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Print the routing decision for a request without starting: matched rule, pool, hash key and point, candidates, and why others were skipped')
            [CompletionResult]::new('ctl', 'ctl', [CompletionResultType]::ParameterValue, 'Drive a running proxy through its runtime API (--admin): show backends, drain, ready, maint, weight, add or remove a backend, without a reload')
            [CompletionResult]::new('grafana', 'grafana', [CompletionResultType]::ParameterValue, 'Print a Grafana dashboard (JSON) over the admin listener''s /metrics: request rate, errors, latency percentiles, in-flight, health, retries, ejections, weights, cache')
            break
        }
        'lbctl;help;proxy;explain' {
            break
        }
        'lbctl;help;proxy;ctl' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Every backend: pool, admin state, health, weights, in flight, requests')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The response cache (`--cache`)')
            [CompletionResult]::new('drain', 'drain', [CompletionResultType]::ParameterValue, 'No new requests (sticky clients move too); in-flight ones finish')
            [CompletionResult]::new('ready', 'ready', [CompletionResultType]::ParameterValue, 'Back to taking traffic (from drain or maint)')
            [CompletionResult]::new('maint', 'maint', [CompletionResultType]::ParameterValue, 'Maintenance: no traffic at all; health checks do not bring it back')
            [CompletionResult]::new('weight', 'weight', [CompletionResultType]::ParameterValue, 'Set the live weight (0 drains; 0-1000000)')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Add a backend to a pool: SPEC as --backend takes, e.g. b3=127.0.0.1:9003,weight=2')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a backend from a pool; what it serves finishes')
            break
        }
        'lbctl;help;proxy;ctl;show' {
            break
        }
        'lbctl;help;proxy;ctl;cache' {
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Remove the entries whose path (and query) starts with PREFIX (`/` removes them all); prints how many went')
            break
        }
        'lbctl;help;proxy;ctl;cache;purge' {
            break
        }
        'lbctl;help;proxy;ctl;drain' {
            break
        }
        'lbctl;help;proxy;ctl;ready' {
            break
        }
        'lbctl;help;proxy;ctl;maint' {
            break
        }
        'lbctl;help;proxy;ctl;weight' {
            break
        }
        'lbctl;help;proxy;ctl;add' {
            break
        }
        'lbctl;help;proxy;ctl;remove' {
            break
        }
        'lbctl;help;proxy;grafana' {
            break
        }
        'lbctl;help;load' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total')
            [CompletionResult]::new('report', 'report', [CompletionResultType]::ParameterValue, 'Draw one self-contained HTML page from `--output json` results: latency over time (p50/p90/p99/max per second) with request rate and errors, the HdrHistogram percentile plot, per-group and per-stage bars, SLO lines; several files are overlaid, one colour each')
            break
        }
        'lbctl;help;load;merge' {
            break
        }
        'lbctl;help;load;report' {
            break
        }
        'lbctl;help;serve' {
            break
        }
        'lbctl;help;demo' {
            break
        }
        'lbctl;help;sim' {
            break
        }
        'lbctl;help;generate' {
            break
        }
        'lbctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
