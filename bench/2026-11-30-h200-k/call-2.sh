#!/usr/bin/env bash
# Device call 2 of the twenty-fifth session: what the activations' loads cost the tuned
# winners (ablate-timer.c: the schedule as it is, then with A read in a 1024-k window, one row
# per 8-row tile, or not at all), 3 rounds; then Nsight Compute memory counters of the 4-bit
# M = 16 winner of 57344 x 8192.
# Usage: OUT=dir bash bench/2026-11-30-h200-k/call-2.sh
set -u
cd "$(dirname "$0")/../.."
O=$OUT/call-2
mkdir -p "$O"
start=$SECONDS
BUILD=build-gpu
. tools/device-env.sh
device_record "$O/device.txt" > /dev/null
export BITBLAS_WORKER=$PWD/build-gpu/bitblas-worker BITBLAS_CACHE=$O/cache.db
T=build-gpu/ablate-timer
s() { echo "tcgemv warps=$1 n_tiles=$2 m_tiles=$3 unroll=$4 words=4 post=$5 stages=2 order=2"; }
{
  $T w4a16 16 57344 8192 "$(s 4 3 2 1 1)"
  $T w4a16 16 8192 8192 "$(s 8 2 2 1 1)"
  $T w4a16 16 28672 4096 "$(s 2 3 2 1 1)"
  $T w4a16 16 8192 28672 "$(s 8 2 2 1 1)"
  $T w4a16 16 4096 4096 "$(s 16 1 2 1 0)"
  $T w2a16 16 57344 8192 "$(s 4 3 2 1 1)"
  $T w2a16 16 8192 8192 "$(s 8 2 2 1 0)"
  $T w1a16 16 57344 8192 "$(s 4 4 2 1 1)"
  $T w1a16 16 8192 8192 "$(s 8 4 2 1 1)"
  $T w4a16 1 57344 8192 "$(s 8 2 1 1 1)"
  $T w4a16 1 8192 8192 "$(s 8 2 1 1 1)"
  $T w4a16 1 8192 28672 "$(s 8 2 1 2 1)"
  $T w1a16 1 57344 8192 "$(s 4 4 1 1 1)"
} > "$O/ablate.txt" 2>&1
echo "ablate done at $((SECONDS - start)) s"
M="l1tex__t_sector_hit_rate.pct,l1tex__t_sectors_pipe_lsu_mem_global_op_ld.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_sector_hit_rate.pct,dram__bytes_read.sum,lts__t_sectors_srcunit_tex_op_read_lookup_hit.sum,gpu__time_duration.sum,l1tex__t_sectors_pipe_lsu_mem_global_op_ld_lookup_hit.sum,lts__throughput.avg.pct_of_peak_sustained_elapsed,l1tex__throughput.avg.pct_of_peak_sustained_elapsed,dram__throughput.avg.pct_of_peak_sustained_elapsed,sm__warps_active.avg.pct_of_peak_sustained_active"
for cfg in "w4a16 16 57344 8192 $(s 4 3 2 1 1)" "w4a16 1 57344 8192 $(s 8 2 1 1 1)" "w1a16 16 57344 8192 $(s 4 4 2 1 1)"; do
  set -- $cfg
  timeout 90 ncu --clock-control none -k bitblas_kernel --launch-skip 40 --launch-count 1 \
    --metrics "$M" $T "$1" "$2" "$3" "$4" "${*:5}" 1 >> "$O/ncu.txt" 2>&1
done
echo "ncu done at $((SECONDS - start)) s"
rm -f "$O"/*.db*
(cd "$OUT" && tar czf call-2.tgz call-2)
cat "$O/ablate.txt"
grep -E "^\S|duration|hit_rate|sectors|bytes_read|throughput|warps_active" "$O/ncu.txt" | grep -v "^==" | head -60
rm -rf "$O"
