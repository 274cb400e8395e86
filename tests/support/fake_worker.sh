#!/usr/bin/env bash
# fake_worker.sh - stands in for bitblas-worker in check_tune_protocol and check_op: speaks the
# worker's line protocol (tuner/worker_main.c) without a GPU, misbehaving as $FAKE_WORKER_MODE
# asks, so the caller's side of tuning (tuner/tune.c) can be tested in CI.
#   ok          candidates 0..2 run; candidate i takes 10 - i microseconds (2 is fastest)
#   crash       the first request dies (exit) while candidate 0 runs; later requests behave as ok
#   trap        like crash, but reports it first ("crash 0 ..."), as the worker does when a kernel
#               traps and its CUDA context is lost
#   hang        the first request stops answering while candidate 1 runs; later ones behave as ok
#   wrong       every candidate computes wrong
#   error       every request is refused with a device error
#   slow-setup  like ok, but the setup between "compiled" and "ready" takes 2 s
#   hang-setup  stops answering between "compiled" and "ready"
#   slow        like ok, but each candidate takes $FAKE_WORKER_RUN_SECONDS (default 0.5) seconds
#   slow-later  like ok for the first request, like slow for the later ones
# Requests that skip a candidate (the caller's retry after a crash) do not run it again.
# Every start appends a line to $FAKE_WORKER_STATE. With $FAKE_WORKER_REPORT set, the worker
# writes its arguments ("args ...") and then its open descriptors (one number a line) there.
mode=${FAKE_WORKER_MODE:-ok}
state_file=${FAKE_WORKER_STATE:-/dev/null}
if [ -n "$FAKE_WORKER_REPORT" ]; then
  echo "args $*" >"$FAKE_WORKER_REPORT"
  ls /proc/$$/fd >>"$FAKE_WORKER_REPORT" # ls's own redirection is not among bash's descriptors
fi
while IFS=$'\t' read -r verb sources skip fault dir config; do
  [ "$verb" = tune ] && [ -n "$sources" ] || { echo "error -1 malformed request"; continue; }
  if [ "$mode" = error ]; then echo "error -4 device 0: no CUDA device (fake)"; continue; fi
  echo "begin 3 13000"
  echo "compiled"
  first=0
  [ -s "$state_file" ] || first=1
  echo started >>"$state_file"
  if [ "$mode" = slow-setup ]; then sleep 2; fi
  if [ "$mode" = hang-setup ]; then exec sleep 30; fi
  echo "ready"
  for i in 0 1 2; do
    case ",$skip," in *",$i,"*) continue ;; esac
    echo "run $i"
    if [ "$mode" = crash ] && [ $first = 1 ] && [ $i = 0 ]; then exit 3; fi
    if [ "$mode" = trap ] && [ $first = 1 ] && [ $i = 0 ]; then
      echo "crash 0 run: CUDA_ERROR_ILLEGAL_INSTRUCTION (715) (fake)"
      exit 3
    fi
    if [ "$mode" = hang ] && [ $first = 1 ] && [ $i = 1 ]; then exec sleep 30; fi
    if [ "$mode" = slow ] || { [ "$mode" = slow-later ] && [ $first = 0 ]; }; then
      sleep "${FAKE_WORKER_RUN_SECONDS:-0.5}"
    fi
    if [ "$mode" = wrong ]; then echo "result $i wrong 0 relative error 1 > 0.002"; continue; fi
    printf 'cubin-%d' "$i" >"$dir/candidate_$i.cubin"
    echo "result $i ok $((10 - i)).000 -"
  done
  echo "done"
done
