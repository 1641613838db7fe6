#!/usr/bin/env bash
# Stand-in scheduler for the cluster-generic executor: run the job script (the last argument)
# as a detached local process, its output next to it, and print the process id as the job id.
# The job script itself writes the finished/failed markers the executor polls.
set -euo pipefail
jobscript="${!#}"
nohup bash "$jobscript" > "${jobscript}.out" 2>&1 < /dev/null &
echo "$!"
