# Sourced by the bench scripts: sets OPENBLAS_CORETYPE to the fastest correct OpenBLAS kernels
# for this CPU, measured by bench/openblas_best.py, unless the caller already set it. "auto"
# leaves OpenBLAS's own detection in charge.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  echo "choosing OPENBLAS_CORETYPE (sgemm at 1 thread, each candidate in its own process):" >&2
  best=$(/usr/bin/python3 bench/openblas_best.py)
  if [ "$best" != auto ]; then export OPENBLAS_CORETYPE="$best"; fi
  echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-<unset: OpenBLAS auto-detection>} (fastest measured)" >&2
fi
