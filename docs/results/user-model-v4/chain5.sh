#!/usr/bin/env bash
# After chain4: v3's one missing per-split termination (camrest); existing reports are skipped.
while pgrep -f "chain4.sh" > /dev/null; do sleep 10; done
cd /work/main
export OMP_WAIT_POLICY=PASSIVE
date -u +"term start %FT%T" >> /work/ckpt/eval-term/log-v3.txt
.venv/bin/python scripts/evaluate_user_models.py --data /work/ckpt/userlm-v3/data --out /work/ckpt/eval-term \
  --model v3=/work/ckpt/userlm-v3/run/adapter --stage evaluate --probes-per-source 1 --threads 2 >> /work/ckpt/eval-term/log-v3.txt 2>&1
date -u +"term end %FT%T" >> /work/ckpt/eval-term/log-v3.txt
