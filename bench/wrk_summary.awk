# wrk's --latency output as one line: "req/s p99_ms requests non2xx_or_socket_errors" (bench_http.sh, bench_pg.sh).
function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
/Requests\/sec:/ { rps = $2 }
$1 == "99%" { p99 = ms($2) }
/ requests in / { n = $1 }
/Non-2xx or 3xx responses:/ { bad = $NF }
/Socket errors:/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }  # connect, read, write, timeout
END { printf "%s %s %s %s\n", rps, p99, n, bad + 0 }
