
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
            cand probe 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy'
            cand ring 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
            cand proxy 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
            cand load 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
            cand serve 'Start real test backends on loopback, with injectable latency and faults'
            cand demo 'Run backends, a proxy, load and probes together: a tour in one command'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;probe'= {
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
        }
        &'lbctl;proxy'= {
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
        &'lbctl;load'= {
            cand -c 'Concurrent connections (each carries one request at a time)'
            cand --connections 'Concurrent connections (each carries one request at a time)'
            cand -d 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given'
            cand --duration 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given'
            cand -n 'Number of requests to send (after --warmup); with -d, whichever ends first'
            cand --requests 'Number of requests to send (after --warmup); with -d, whichever ends first'
            cand --rate 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do'
            cand --warmup 'Send traffic for this long first without recording it (warms caches and connections)'
            cand --threads 'Worker threads, each with its own runtime (default: the CPUs this process may use)'
            cand -m 'HTTP method'
            cand --method 'HTTP method'
            cand -H 'Extra request header ''Name: value'' (repeatable)'
            cand --header 'Extra request header ''Name: value'' (repeatable)'
            cand --body 'Request body'
            cand --body-file 'Request body read from a file'
            cand --urls-file 'File of target URLs, one per line (''#'' comments): requests go round-robin over them'
            cand --cacert 'Trust the CA certificates in this PEM file instead of the system roots'
            cand --timeout 'Give up on a request after this long (counted as a request timeout)'
            cand --connect-timeout 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)'
            cand --group-by 'Split counts and latency by the value of this response header (e.g. X-Backend)'
            cand --slo 'Service-level objective checked at the end, e.g. ''p99<250ms'', ''errors<0.1%'', ''rps>=900'' (repeatable; any failure exits 1). Grammar below'
            cand --percentiles 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)'
            cand --hdr-log 'Write an HdrHistogram interval log (one histogram per second) to this file'
            cand --max-send-lag 'Open model: the run is invalid (exit 4) when the generator''s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server''s doing)'
            cand -o 'Output format'
            cand --output 'Output format'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --http2 'Use HTTP/2: ALPN h2 over TLS, prior knowledge (h2c) over cleartext'
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
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;load;merge'= {
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
        &'lbctl;load;help'= {
            cand merge 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;load;help;merge'= {
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
            cand --backend-opts 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size (repeatable). Example: b2:latency=200ms,fail-rate=0.1'
            cand --threads 'Worker threads (default: one per CPU core)'
            cand -o 'Output format of the startup lines'
            cand --output 'Output format of the startup lines'
            cand --color 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never'
            cand --tcp 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client''s half-close is answered by closing the write side after the echo'
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
            cand probe 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy'
            cand ring 'Inspect consistent-hash rings: lookups, balance, what moves when servers change'
            cand proxy 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy'
            cand load 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles'
            cand serve 'Start real test backends on loopback, with injectable latency and faults'
            cand demo 'Run backends, a proxy, load and probes together: a tour in one command'
            cand generate 'Write shell completions and man pages (used to refresh completions/ and man/)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'lbctl;help;probe'= {
        }
        &'lbctl;help;ring'= {
        }
        &'lbctl;help;proxy'= {
        }
        &'lbctl;help;load'= {
            cand merge 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total'
        }
        &'lbctl;help;load;merge'= {
        }
        &'lbctl;help;serve'= {
        }
        &'lbctl;help;demo'= {
        }
        &'lbctl;help;generate'= {
        }
        &'lbctl;help;help'= {
        }
    ]
    $completions[$command]
}
