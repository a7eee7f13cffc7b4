"""Measures how long a valid edit takes to go live: rename-save a new version of a policy file,
then poll GET /v1/policy on a kept-alive connection until the digest changes."""
import http.client, json, os, statistics, sys, time

addr, path, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
host, port = addr.rsplit(":", 1)
conn = http.client.HTTPConnection(host, int(port), timeout=5)

def digest():
    conn.request("GET", "/v1/policy")
    return json.loads(conn.getresponse().read())["digest"]

base = open(path).read()
times = []
for i in range(rounds):
    before = digest()
    tmp = path + ".edit~"
    with open(tmp, "w") as f:
        f.write(base + f"\n# edit {i} {time.time()}\n")
    os.rename(tmp, path)
    t0 = time.perf_counter()
    while digest() == before:
        if time.perf_counter() - t0 > 5:
            sys.exit("not reloaded within 5 s")
    times.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.2)
times.sort()
print(f"{rounds} edits: median {statistics.median(times):.1f} ms, "
      f"p90 {times[int(len(times) * 0.9) - 1]:.1f} ms, max {times[-1]:.1f} ms "
      f"(debounce 50 ms included)")
