
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
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy')
            [CompletionResult]::new('ring', 'ring', [CompletionResultType]::ParameterValue, 'Inspect consistent-hash rings: lookups, balance, what moves when servers change')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start real test backends on loopback, with injectable latency and faults')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run backends, a proxy, load and probes together: a tour in one command')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;probe' {
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
            break
        }
        'lbctl;proxy' {
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
        'lbctl;load' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'Concurrent connections (each carries one request at a time)')
            [CompletionResult]::new('--connections', '--connections', [CompletionResultType]::ParameterName, 'Concurrent connections (each carries one request at a time)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long to send (after --warmup): 30s, 1m. Default 10s unless -n is given')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Number of requests to send (after --warmup); with -d, whichever ends first')
            [CompletionResult]::new('--requests', '--requests', [CompletionResultType]::ParameterName, 'Number of requests to send (after --warmup); with -d, whichever ends first')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'Open model: send at this fixed rate (2000/s, 30000/m, 5/100ms) whatever the responses do')
            [CompletionResult]::new('--warmup', '--warmup', [CompletionResultType]::ParameterName, 'Send traffic for this long first without recording it (warms caches and connections)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads, each with its own runtime (default: the CPUs this process may use)')
            [CompletionResult]::new('-m', '-m', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'HTTP method')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Extra request header ''Name: value'' (repeatable)')
            [CompletionResult]::new('--body', '--body', [CompletionResultType]::ParameterName, 'Request body')
            [CompletionResult]::new('--body-file', '--body-file', [CompletionResultType]::ParameterName, 'Request body read from a file')
            [CompletionResult]::new('--urls-file', '--urls-file', [CompletionResultType]::ParameterName, 'File of target URLs, one per line (''#'' comments): requests go round-robin over them')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Trust the CA certificates in this PEM file instead of the system roots')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after this long (counted as a request timeout)')
            [CompletionResult]::new('--connect-timeout', '--connect-timeout', [CompletionResultType]::ParameterName, 'Give up on a TCP/TLS connect after this long (counted as a connect timeout)')
            [CompletionResult]::new('--group-by', '--group-by', [CompletionResultType]::ParameterName, 'Split counts and latency by the value of this response header (e.g. X-Backend)')
            [CompletionResult]::new('--slo', '--slo', [CompletionResultType]::ParameterName, 'Service-level objective checked at the end, e.g. ''p99<250ms'', ''errors<0.1%'', ''rps>=900'' (repeatable; any failure exits 1). Grammar below')
            [CompletionResult]::new('--percentiles', '--percentiles', [CompletionResultType]::ParameterName, 'Percentiles to report, comma-separated (default 50,90,99,99.9,99.99)')
            [CompletionResult]::new('--hdr-log', '--hdr-log', [CompletionResultType]::ParameterName, 'Write an HdrHistogram interval log (one histogram per second) to this file')
            [CompletionResult]::new('--max-send-lag', '--max-send-lag', [CompletionResultType]::ParameterName, 'Open model: the run is invalid (exit 4) when the generator''s own send lag p99 exceeds this (the lag excludes waiting for a busy connection, which is the server''s doing)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--http2', '--http2', [CompletionResultType]::ParameterName, 'Use HTTP/2: ALPN h2 over TLS, prior knowledge (h2c) over cleartext')
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
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;load;merge' {
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
        'lbctl;load;help' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;load;help;merge' {
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
            [CompletionResult]::new('--backend-opts', '--backend-opts', [CompletionResultType]::ParameterName, 'Per-backend overrides, NAME:key=value[,key=value...] with keys latency, fail-rate, reset-rate, body-size (repeatable). Example: b2:latency=200ms,fail-rate=0.1')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Worker threads (default: one per CPU core)')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the startup lines')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the startup lines')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to use colour: auto (a terminal, and NO_COLOR unset), always or never')
            [CompletionResult]::new('--tcp', '--tcp', [CompletionResultType]::ParameterName, 'TCP echo servers instead of HTTP (for L4 proxy tests): everything read is written back; a client''s half-close is answered by closing the write side after the echo')
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
            [CompletionResult]::new('probe', 'probe', [CompletionResultType]::ParameterValue, 'Health-check TCP/HTTP/TLS targets once, in a watch loop, or until healthy')
            [CompletionResult]::new('ring', 'ring', [CompletionResultType]::ParameterValue, 'Inspect consistent-hash rings: lookups, balance, what moves when servers change')
            [CompletionResult]::new('proxy', 'proxy', [CompletionResultType]::ParameterValue, 'Run an L7 HTTP / L4 TCP load-balancing reverse proxy')
            [CompletionResult]::new('load', 'load', [CompletionResultType]::ParameterValue, 'Load-test an HTTP endpoint with coordinated-omission-correct percentiles')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Start real test backends on loopback, with injectable latency and faults')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run backends, a proxy, load and probes together: a tour in one command')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write shell completions and man pages (used to refresh completions/ and man/)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'lbctl;help;probe' {
            break
        }
        'lbctl;help;ring' {
            break
        }
        'lbctl;help;proxy' {
            break
        }
        'lbctl;help;load' {
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge the `--output json` results of several runs (e.g. one per machine) losslessly: histograms are added, never percentiles averaged; then evaluate --slo on the total')
            break
        }
        'lbctl;help;load;merge' {
            break
        }
        'lbctl;help;serve' {
            break
        }
        'lbctl;help;demo' {
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
