"""Rewrites a policy file every INTERVAL seconds, by rename as editors and ConfigMaps do; each
version differs only in a comment, so every one is valid and has a new digest."""
import os, sys, time

path, interval = sys.argv[1], float(sys.argv[2])
base = open(path).read()
n = 0
while True:
    n += 1
    tmp = path + ".storm~"
    with open(tmp, "w") as f:
        f.write(base + f"\n# storm {n}\n")
    os.rename(tmp, path)
    time.sleep(interval)
