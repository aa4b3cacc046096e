
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
