#!/bin/sh
# PyTorch-CPU side of `anvil rl bench` (see pytorch_dqn.py), in the configuration that makes
# PyTorch fast on this kind of machine: Debian's python3-torch with OpenBLAS (OpenMP build)
# instead of the reference BLAS Debian selects by default (about 6x slower here), and glibc malloc
# tuned against per-step page faults. Usage: anvil rl bench --pytorch bench/pytorch_dqn.sh
set -e
here=$(cd "$(dirname "$0")" && pwd)
if ! /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then
  apt-get update -q >/dev/null && apt-get install -y -q python3-torch python3-numpy libgfortran5 >/dev/null
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/anvil-pytorch-ref
blas=$cache/usr/lib/x86_64-linux-gnu/openblas-openmp
if [ ! -e "$blas/libblas.so.3" ]; then
  mkdir -p "$cache" && (cd "$cache" && apt-get download libopenblas0-openmp >/dev/null 2>&1 && dpkg-deb -x libopenblas0-openmp_*.deb .)
fi
export LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=4000000000
exec /usr/bin/python3 "$here/pytorch_dqn.py" "$@"
